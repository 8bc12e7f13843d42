import type { GazeBatch } from '../core/types.ts';

/**
 * Pupil diameter relative to the wearer's own baseline. Absolute pupil size differs a lot
 * between people and with light, so only the ratio to one's own level is comparable.
 * - Baseline: the mean of the first `initialMs` (default 120 s) of valid pupil time, then a slow
 *   exponential follow (time constant `baselineTauMs`, default 10 min) so lighting drift over a
 *   shift is absorbed while load lasting minutes still shows above 1. Task-evoked pupil responses
 *   are ~0.1-0.5 mm over seconds (Beatty 1982, Psychol. Bull. 91(2)); a baseline that moved in
 *   seconds would erase them.
 * - Current level: exponential average with time constant `recentTauMs` (default 2 s).
 * The ratio is NaN (unknown) before the baseline is set, and when no valid pupil sample came in
 * the last `staleMs` (default 1 s). Exponential weights use exp(-dt/tau) on the actual sample
 * spacing, so the result does not depend on rate or batch boundaries.
 *
 * Cost: O(1) per sample (a short polynomial per exponential weight), no allocation.
 *
 * @example
 *   const p = new PupilBaseline();
 *   p.push(batch);           // or p.sample(t, pupilMm, valid)
 *   p.ratio(nowMs);          // e.g. 1.08, or NaN
 */
export class PupilBaseline {
  readonly initialMs: number;
  readonly baselineTauMs: number;
  readonly recentTauMs: number;
  readonly staleMs: number;
  /** maximum spacing booked between two valid samples (a gap is not time observed) */
  readonly gapCapMs: number;
  private initSum = 0;
  private initN = 0;
  private initTime = 0;
  private baseline = NaN;
  private recent = NaN;
  private lastT = NaN;
  private lastValidT = NaN;

  constructor(opts: { initialMs?: number; baselineTauMs?: number; recentTauMs?: number; staleMs?: number; gapCapMs?: number } = {}) {
    this.initialMs = opts.initialMs ?? 120_000;
    this.baselineTauMs = opts.baselineTauMs ?? 600_000;
    this.recentTauMs = opts.recentTauMs ?? 2_000;
    this.staleMs = opts.staleMs ?? 1_000;
    this.gapCapMs = opts.gapCapMs ?? 50;
    for (const [k, v] of Object.entries({ initialMs: this.initialMs, baselineTauMs: this.baselineTauMs, recentTauMs: this.recentTauMs, staleMs: this.staleMs, gapCapMs: this.gapCapMs })) {
      if (!(v > 0)) throw new RangeError(`PupilBaseline ${k} must be positive`);
    }
  }

  /** Feeds one sample; invalid samples, NaN and non-positive diameters are skipped. */
  sample(t: number, pupilMm: number, valid: boolean): void {
    if (t <= this.lastT) return;
    this.lastT = t;
    if (!valid || !(pupilMm > 0)) return;
    const dt = this.lastValidT === this.lastValidT ? Math.min(this.gapCapMs, t - this.lastValidT) : 0;
    this.lastValidT = t;
    if (this.recent !== this.recent) this.recent = pupilMm;
    else this.recent += (pupilMm - this.recent) * oneMinusExpNeg(dt / this.recentTauMs);
    if (this.baseline !== this.baseline) {
      this.initSum += pupilMm;
      this.initN++;
      this.initTime += dt;
      if (this.initTime >= this.initialMs) this.baseline = this.initSum / this.initN;
    } else {
      this.baseline += (pupilMm - this.baseline) * oneMinusExpNeg(dt / this.baselineTauMs);
    }
  }

  /** Feeds samples [from, to) with validity worked out (valid[i] = 1 valid, 0 invalid, 2 skip). */
  pushColumns(T: Float64Array, P: Float32Array, valid: Uint8Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const v = valid[i]!;
      if (v !== 2) this.sample(T[i]!, P[i]!, v === 1);
    }
  }

  push(b: GazeBatch): void {
    for (let i = 0; i < b.n; i++) this.sample(b.t[i]!, b.pupil[i]!, b.valid[i] === 1);
  }

  /** The baseline (mm), NaN until established. */
  baselineMm(): number {
    return this.baseline;
  }

  /** Current pupil / baseline; NaN when unknown. */
  ratio(nowMs: number): number {
    if (this.baseline !== this.baseline || !(nowMs - this.lastValidT <= this.staleMs)) return NaN;
    return this.recent / this.baseline;
  }
}

/**
 * 1 - e^-x. Per-sample weights have small x = dt / tau (4 ms / 2 s at 250 Hz): below 0.01 the
 * Taylor series to x^5 is exact to 1e-13 relative (next term x^6 / 720) and several times
 * cheaper than Math.exp; larger x (gaps) take expm1.
 */
function oneMinusExpNeg(x: number): number {
  if (x < 0.01) return x * (1 - x * (0.5 - x * (1 / 6 - x * (1 / 24 - x / 120))));
  return -Math.expm1(-x);
}
