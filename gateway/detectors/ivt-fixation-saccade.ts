import type { GazeBatch } from '../core/types.ts';
import { EventRing } from '../features/event-ring.ts';

const CAP = 512; // history ring: 20 ms at 2000 Hz is 40 samples, with room for irregular clocks
const MASK = CAP - 1;

/**
 * Fixations and saccades by velocity threshold: I-VT as specified by Olsen (2012, "The Tobii I-VT
 * Fixation Filter", Tobii Technology): angular velocity over a 20 ms window centred on each
 * sample, threshold 30 deg/s (above: saccade, else fixation), fixations shorter than 60 ms
 * discarded. Gap fill and fixation merging (Olsen's other steps) are left to the full event
 * detector of issue 5; here a track loss ends the current event without recording it (an event
 * whose end was not seen has no duration).
 *
 * Streaming, exact to the sample: sample k is classified once a sample at least half a window
 * later has arrived (a fixed 10 ms lag). Its velocity is the distance between the samples
 * nearest to t_k - 10 ms and t_k + 10 ms divided by their time difference, so irregular
 * timestamps and low rates (60 Hz: the nearest samples may be 16.7 ms apart) are handled, and the
 * result never depends on batch boundaries. Input is in degrees of visual angle; the distance is
 * Euclidean in (x, y), accurate for the small angles between neighbouring samples.
 * Event durations run from the event's first sample to the first sample of the next event.
 *
 * Cost: O(1) amortised per sample (two monotone pointers over a 512-sample ring), no allocation.
 *
 * @example
 *   const ivt = new IvtFixationSaccade();
 *   ivt.push(batch);                       // or ivt.sample(t, x, y, valid)
 *   ivt.fixations.countSince(now - 60_000);
 *   ivt.saccadePeaks.stats(now - 60_000, st);
 */
export class IvtFixationSaccade {
  readonly thresholdDegS: number;
  readonly windowMs: number;
  readonly minFixationMs: number;
  private readonly thresholdSq: number;
  /** completed fixations: end time, duration (ms) */
  readonly fixations: EventRing;
  /** completed saccades: end time, duration (ms) */
  readonly saccades: EventRing;
  /** completed saccades: end time, peak velocity (deg/s) */
  readonly saccadePeaks: EventRing;
  private readonly ht = new Float64Array(CAP);
  private readonly hx = new Float64Array(CAP);
  private readonly hy = new Float64Array(CAP);
  /** absolute sample numbers since the last reset: first held, next to write, next to classify */
  private first = 0;
  private end = 0;
  private next = 0;
  /** pointers for the window edges of the sample being classified */
  private lo = 0;
  private hi = 0;
  private lastT = NaN;
  /** current event: 1 saccade, 0 fixation, -1 none */
  private cls = -1;
  private eventStart = NaN;
  private peak = 0;

  constructor(opts: { thresholdDegS?: number; windowMs?: number; minFixationMs?: number; capacity?: number } = {}) {
    this.thresholdDegS = opts.thresholdDegS ?? 30;
    this.windowMs = opts.windowMs ?? 20;
    this.minFixationMs = opts.minFixationMs ?? 60;
    if (!(this.thresholdDegS > 0) || !(this.windowMs > 0) || !(this.minFixationMs >= 0)) throw new RangeError('I-VT thresholds must be positive');
    this.thresholdSq = this.thresholdDegS * this.thresholdDegS;
    const cap = opts.capacity ?? 2048;
    this.fixations = new EventRing(cap);
    this.saccades = new EventRing(cap);
    this.saccadePeaks = new EventRing(cap);
  }

  /** Feeds one sample in time order (non-increasing times are ignored). */
  sample(t: number, x: number, y: number, valid: boolean): void {
    if (t <= this.lastT) return;
    this.lastT = t;
    if (!valid || x !== x || y !== y) {
      this.reset();
      return;
    }
    const i = this.end & MASK;
    this.ht[i] = t;
    this.hx[i] = x;
    this.hy[i] = y;
    this.end++;
    if (this.end - this.first > CAP) this.first = this.end - CAP; // ring overrun: keep the newest
    if (this.lo < this.first) this.lo = this.first;
    if (this.next < this.first) this.next = this.first;
    const half = this.windowMs / 2;
    // classify every sample that now has half a window of future
    while (this.next < this.end && this.ht[this.next & MASK]! + half <= t) this.classify(this.next++, half);
  }

  /** Feeds samples [from, to) with validity worked out (valid[i] = 1 valid, 0 invalid, 2 skip). */
  pushColumns(T: Float64Array, X: Float32Array, Y: Float32Array, valid: Uint8Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const v = valid[i]!;
      if (v !== 2) this.sample(T[i]!, X[i]!, Y[i]!, v === 1);
    }
  }

  /** Feeds a columnar batch (gateway clock). */
  push(b: GazeBatch): void {
    for (let i = 0; i < b.n; i++) this.sample(b.t[i]!, b.x[i]!, b.y[i]!, b.valid[i] === 1);
  }

  /** Duration of the event in progress (ms, to the newest classified sample), its kind, or NaN. */
  currentEvent(): { kind: 'fixation' | 'saccade' | 'none'; ms: number } {
    if (this.cls < 0 || this.next === this.first) return { kind: 'none', ms: NaN };
    return { kind: this.cls === 1 ? 'saccade' : 'fixation', ms: this.ht[(this.next - 1) & MASK]! - this.eventStart };
  }

  private classify(k: number, half: number): void {
    const ht = this.ht;
    const tk = ht[k & MASK]!;
    // window start: the held sample nearest to tk - half (not after k)
    const a = tk - half;
    let lo = this.lo > k ? k : this.lo;
    while (lo < k && Math.abs(ht[(lo + 1) & MASK]! - a) <= Math.abs(ht[lo & MASK]! - a)) lo++;
    this.lo = lo;
    // window end: the sample nearest to tk + half (it exists: the newest is at least that late)
    const b = tk + half;
    let hi = this.hi < k ? k : this.hi;
    while (hi + 1 < this.end && Math.abs(ht[(hi + 1) & MASK]! - b) <= Math.abs(ht[hi & MASK]! - b)) hi++;
    this.hi = hi;
    const il = lo & MASK;
    const ih = hi & MASK;
    const dt = ht[ih]! - ht[il]!;
    if (!(dt > 0)) return;
    const dx = this.hx[ih]! - this.hx[il]!;
    const dy = this.hy[ih]! - this.hy[il]!;
    // compare squared: v > thr <=> (d / dt * 1000)^2 > thr^2; the root only for saccade samples
    const v2 = ((dx * dx + dy * dy) / (dt * dt)) * 1e6;
    const cls = v2 > this.thresholdSq ? 1 : 0;
    if (cls === this.cls) {
      if (cls === 1) {
        const v = Math.sqrt(v2);
        if (v > this.peak) this.peak = v;
      }
      return;
    }
    if (this.cls === 1) {
      this.saccades.push(tk, tk - this.eventStart);
      this.saccadePeaks.push(tk, this.peak);
    } else if (this.cls === 0 && tk - this.eventStart >= this.minFixationMs) {
      this.fixations.push(tk, tk - this.eventStart);
    }
    this.cls = cls;
    this.eventStart = tk;
    this.peak = cls === 1 ? Math.sqrt(v2) : 0;
  }

  private reset(): void {
    this.first = this.end;
    this.next = this.end;
    this.lo = this.end;
    this.hi = this.end;
    this.cls = -1;
    this.eventStart = NaN;
  }
}
