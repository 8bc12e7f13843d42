import { PHYSIOLOGY } from './physiology.ts';
import type { Conditions } from './scenario-timeline.ts';
import type { SeededRandom } from './seeded-random.ts';

/**
 * Eye openness (0 closed .. 1 open) sample by sample: spontaneous blinks as a renewal process,
 * blinks that lengthen, multiply and turn into slow closures as drowsiness rises (so PERCLOS
 * rises over minutes), a drooping lid, and scripted microsleeps with the eyes shut.
 *
 * Blink shape: fast closing, a closed plateau, slower reopening (Evinger, Manning & Sibony
 * 1991, Invest. Ophthalmol. Vis. Sci. 32:387-400: down-phase faster than up-phase).
 *
 * Cost: O(1) per sample, no allocation.
 *
 * @example
 *   const lids = new EyelidProcess(SeededRandom.stream(seed, 'lids'), 15);
 *   lids.step(t, c); // then read lids.openness
 */
export class EyelidProcess {
  openness: number = PHYSIOLOGY.alertOpenness;
  private readonly rnd: SeededRandom;
  private readonly ratePerMin: number;
  private blinkStart = NaN;
  private blinkDur = 0;
  private nextBlink: number;
  private wasAsleep = false;

  /** ratePerMin: this wearer's resting blink rate. */
  constructor(rnd: SeededRandom, ratePerMin: number) {
    if (!(ratePerMin > 0)) throw new RangeError('ratePerMin must be positive');
    this.rnd = rnd;
    this.ratePerMin = ratePerMin;
    this.nextBlink = rnd.exponential(60000 / ratePerMin);
  }

  step(t: number, c: Conditions): void {
    const r = this.rnd;
    if (c.microsleep) {
      this.wasAsleep = true;
      this.blinkStart = NaN;
      this.openness = PHYSIOLOGY.closedOpenness;
      return;
    }
    if (this.wasAsleep) {
      this.wasAsleep = false;
      this.nextBlink = t + this.interval(c);
    }
    const base = PHYSIOLOGY.alertOpenness - PHYSIOLOGY.drowsyOpennessDroop * c.drowsy;
    if (Number.isNaN(this.blinkStart) && t >= this.nextBlink) this.startBlink(this.nextBlink, c);
    let open = base + r.normal(0, 0.01);
    if (!Number.isNaN(this.blinkStart)) {
      const u = t - this.blinkStart;
      if (u >= this.blinkDur) {
        this.nextBlink = this.blinkStart + this.blinkDur + this.interval(c);
        this.blinkStart = NaN;
      } else {
        open = base + (PHYSIOLOGY.closedOpenness - base) * this.closure(u) + r.normal(0, 0.005);
      }
    }
    this.openness = open < 0 ? 0 : open > 1 ? 1 : open;
  }

  /** 0 open .. 1 shut, u ms into the current blink. */
  private closure(u: number): number {
    const d = this.blinkDur;
    const down = Math.min(80, 0.3 * d);
    const up = Math.min(150, 0.45 * d);
    if (u < down) return u / down;
    if (u < d - up) return 1;
    return (d - u) / up;
  }

  private startBlink(at: number, c: Conditions): void {
    const P = PHYSIOLOGY;
    const r = this.rnd;
    const mean = P.blinkDurationMs + c.drowsy * (P.drowsyBlinkDurationMs - P.blinkDurationMs);
    let dur = Math.max(70, r.lognormal(mean, P.blinkDurationCv));
    // slow eyelid closures appear with marked drowsiness (Wierwille et al. 1994)
    if (c.drowsy > 0.5 && r.uniform() < P.drowsySlowClosureShare * (c.drowsy - 0.5) * 2) dur = r.range(1000, 2500);
    this.blinkStart = at;
    this.blinkDur = dur;
  }

  /** Time to the next blink after one ends: a 250 ms refractory part plus an exponential rest (a renewal process). */
  private interval(c: Conditions): number {
    const P = PHYSIOLOGY;
    const working = c.state === 'idle' ? 1 : P.workBlinkRateFactor;
    const rate = this.ratePerMin * working * (1 + (P.drowsyBlinkRateFactor - 1) * c.drowsy);
    const mean = 60000 / rate;
    return 250 + this.rnd.exponential(Math.max(50, mean - 250));
  }
}
