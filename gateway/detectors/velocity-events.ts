import { EventRing } from '../features/event-ring.ts';

/**
 * Fixations and saccades by velocity threshold (I-VT, Olsen 2012, "The Tobii I-VT Fixation
 * Filter": 30 deg/s, velocity over a 20 ms window; fixations shorter than 60 ms discarded).
 * Streaming: velocity is taken between the current sample and the newest earlier sample at
 * least 20 ms older, so the result does not depend on batch boundaries. Input in degrees.
 * Invalid samples end the current event without recording it (track loss is not an event).
 *
 * Cost: O(1) amortised per sample; a 64-sample history ring, no allocation.
 *
 * @example
 *   const ivt = new VelocityEvents();
 *   ivt.sample(t, x, y, valid);
 *   ivt.fixations.countSince(now - 60_000);
 */
export class VelocityEvents {
  readonly thresholdDegS: number;
  readonly windowMs: number;
  readonly minFixationMs: number;
  /** completed fixations: end time, duration ms */
  readonly fixations = new EventRing(2048);
  /** completed saccades: end time, peak velocity deg/s */
  readonly saccades = new EventRing(2048);
  private readonly ht = new Float64Array(64);
  private readonly hx = new Float64Array(64);
  private readonly hy = new Float64Array(64);
  private hHead = 0;
  private hCount = 0;
  private inSaccade = false;
  private eventStart = NaN;
  private peak = 0;

  constructor(opts: { thresholdDegS?: number; windowMs?: number; minFixationMs?: number } = {}) {
    this.thresholdDegS = opts.thresholdDegS ?? 30;
    this.windowMs = opts.windowMs ?? 20;
    this.minFixationMs = opts.minFixationMs ?? 60;
    if (!(this.thresholdDegS > 0) || !(this.windowMs > 0) || !(this.minFixationMs >= 0)) throw new RangeError('thresholds must be positive');
  }

  sample(t: number, x: number, y: number, valid: boolean): void {
    if (!valid || Number.isNaN(x) || Number.isNaN(y)) {
      this.hCount = 0;
      this.eventStart = NaN;
      this.inSaccade = false;
      return;
    }
    const v = this.velocity(t, x, y);
    this.push(t, x, y);
    if (Number.isNaN(v)) return;
    if (Number.isNaN(this.eventStart)) {
      this.eventStart = t;
      this.inSaccade = v > this.thresholdDegS;
      this.peak = v;
      return;
    }
    const sacc = v > this.thresholdDegS;
    if (sacc === this.inSaccade) {
      if (v > this.peak) this.peak = v;
      return;
    }
    if (this.inSaccade) this.saccades.push(t, this.peak);
    else if (t - this.eventStart >= this.minFixationMs) this.fixations.push(t, t - this.eventStart);
    this.inSaccade = sacc;
    this.eventStart = t;
    this.peak = v;
  }

  private velocity(t: number, x: number, y: number): number {
    const cap = this.ht.length;
    for (let k = 1; k <= this.hCount; k++) {
      const i = (this.hHead - k + cap) % cap;
      const dt = t - this.ht[i]!;
      if (dt >= this.windowMs) return (Math.hypot(x - this.hx[i]!, y - this.hy[i]!) / dt) * 1000;
    }
    return NaN;
  }

  private push(t: number, x: number, y: number): void {
    this.ht[this.hHead] = t;
    this.hx[this.hHead] = x;
    this.hy[this.hHead] = y;
    this.hHead = (this.hHead + 1) % this.ht.length;
    if (this.hCount < this.ht.length) this.hCount++;
  }
}
