import { PHYSIOLOGY } from './physiology.ts';
import { emptyConditions, type ScenarioTimeline } from './scenario-timeline.ts';
import type { SeededRandom } from './seeded-random.ts';

export interface HeartColumns {
  n: number;
  /** time of each beat, ms (simulator clock) */
  beats: Float64Array;
  /** RR interval ending at that beat, ms */
  rrMs: Float32Array;
  /** heart rate as a strap reports it at the end of the call: mean of the last 4 RR, bpm (NaN without contact or beats) */
  bpm: number;
  contact: boolean;
}

/** One wearer's individual heart: resting rate, breathing rate, phases. */
export interface HeartBaseline {
  hrBpm: number;
  respirationHz: number;
}

/**
 * Beat-to-beat RR intervals: a resting rate modulated by respiratory sinus arrhythmia (HF, the
 * wearer's breathing rate) and Mayer waves (LF ~0.1 Hz), plus jitter (Task Force ESC/NASPE
 * 1996). Load raises the rate and withdraws vagal (HF) modulation; drowsiness lowers the rate.
 * The rate follows a change of state with a time constant of ~12 s.
 *
 * The next beat is always computed ahead, so a call ending at any time emits the same beats.
 *
 * Cost: O(1) per beat; arrays per call sized for the fastest possible heart (300 ms RR).
 *
 * @example
 *   const heart = new HeartProcess(timeline, SeededRandom.stream(seed, 'heart'), { hrBpm: 68, respirationHz: 0.25 });
 *   const h = heart.until(10_000);
 */
export class HeartProcess {
  private readonly timeline: ScenarioTimeline;
  private readonly rnd: SeededRandom;
  private readonly base: HeartBaseline;
  private readonly c = emptyConditions();
  private hr: number;
  private respPhase: number;
  private mayerPhase: number;
  private beatT: number;
  private beatRr: number;
  private readonly recent = new Float64Array(4);
  private recentN = 0;

  constructor(timeline: ScenarioTimeline, rnd: SeededRandom, base: HeartBaseline) {
    if (!(base.hrBpm > 20 && base.hrBpm < 220)) throw new RangeError('hrBpm must be within 20..220');
    this.timeline = timeline;
    this.rnd = rnd;
    this.base = base;
    this.hr = base.hrBpm;
    this.respPhase = rnd.range(0, 2 * Math.PI);
    this.mayerPhase = rnd.range(0, 2 * Math.PI);
    this.beatRr = 60000 / base.hrBpm;
    this.beatT = rnd.range(0, this.beatRr);
  }

  until(tEndMs: number): HeartColumns {
    const cap = Math.max(0, Math.ceil((tEndMs - this.beatT) / 300) + 1);
    const beats = new Float64Array(cap);
    const rr = new Float32Array(cap);
    let n = 0;
    while (this.beatT < tEndMs && n < cap) {
      const c = this.timeline.conditionsAt(this.beatT, this.c);
      if (c.heartLost) {
        this.recentN = 0;
      } else {
        beats[n] = this.beatT;
        rr[n] = this.beatRr;
        n++;
        this.recent[this.recentN++ % 4] = this.beatRr;
      }
      this.beatRr = this.nextRr();
      this.beatT += this.beatRr;
    }
    const lost = this.timeline.conditionsAt(Math.max(0, tEndMs - 1e-6), this.c).heartLost;
    let bpm = NaN;
    if (!lost && this.recentN > 0) {
      const k = Math.min(4, this.recentN);
      let s = 0;
      for (let i = 0; i < k; i++) s += this.recent[i]!;
      bpm = 60000 / (s / k);
    }
    return { n, beats: beats.subarray(0, n), rrMs: rr.subarray(0, n), bpm, contact: !lost };
  }

  /** The RR interval after the beat at beatT, given the conditions (this.c) at that beat. */
  private nextRr(): number {
    const P = PHYSIOLOGY;
    const c = this.c;
    const r = this.rnd;
    const target = this.base.hrBpm + c.load * c.hrIncreaseBpm + c.drowsy * P.drowsyHeartRateBpm;
    this.hr += (target - this.hr) * (1 - Math.exp(-this.beatRr / (P.heartRateTauS * 1000)));
    const vagal = 1 - (1 - P.overloadVagalFactor) * c.load;
    const mod = P.rsaDepth * vagal * Math.sin(this.respPhase) + P.mayerDepth * Math.sin(this.mayerPhase);
    const rr = Math.max(300, (60000 / this.hr) * (1 + mod) + r.normal(0, P.rrJitterMs * (0.5 + 0.5 * vagal)));
    // breathing is not a metronome: its rate wanders by ~5% breath to breath
    this.respPhase += 2 * Math.PI * this.base.respirationHz * (rr / 1000) * (1 + r.normal(0, 0.05));
    this.mayerPhase += 2 * Math.PI * P.mayerHz * (rr / 1000);
    return rr;
  }
}
