import type { AccBatch } from '../core/types.ts';
import { TimeBuckets } from '../features/time-buckets.ts';

const SUM_DEV = 0; // sum of | |a| - 1 g | (mG)
const N = 1;
const GX = 2;
const GY = 3;
const GZ = 4;

/**
 * Accelerometer features (input in milli-g per axis, gateway time).
 * - Activity: mean | |a| - 1000 mG | over `activityWindowMs` (default 5 s), the simple
 *   "ENMO-like" dynamic acceleration measure (van Hees et al. 2013 use max(|a| - 1 g, 0); the
 *   absolute value here also counts free-fall phases of movement). Still = ~0 mG.
 * - Posture change: angle (degrees) between the mean acceleration vector (the gravity direction
 *   when quasi-static) of the last `postureWindowMs` (default 2 s) and of the window before it.
 * Each needs `minSamples` in each window, else NaN (unknown).
 *
 * Cost: O(1) per sample; O(window / 250 ms) per read.
 *
 * @example
 *   const m = new Motion();
 *   m.push(accBatch);
 *   m.activityMg(now); m.postureChangeDeg(now);
 */
export class Motion {
  readonly activityWindowMs: number;
  readonly postureWindowMs: number;
  readonly minSamples: number;
  private readonly buckets: TimeBuckets;
  private lastT = NaN;

  constructor(opts: { activityWindowMs?: number; postureWindowMs?: number; minSamples?: number } = {}) {
    this.activityWindowMs = opts.activityWindowMs ?? 5_000;
    this.postureWindowMs = opts.postureWindowMs ?? 2_000;
    this.minSamples = opts.minSamples ?? 5;
    if (!(this.activityWindowMs >= 250 && this.postureWindowMs >= 250)) throw new RangeError('motion windows must be >= 250 ms');
    if (!(this.minSamples >= 1)) throw new RangeError('minSamples must be >= 1');
    this.buckets = new TimeBuckets({ channels: 5, bucketMs: 250, spanMs: Math.max(this.activityWindowMs, 2 * this.postureWindowMs) });
  }

  sample(t: number, x: number, y: number, z: number): void {
    if (t <= this.lastT || x !== x || y !== y || z !== z) return;
    this.lastT = t;
    const b = this.buckets;
    const s = b.slot(t);
    b.addAt(s, SUM_DEV, Math.abs(Math.sqrt(x * x + y * y + z * z) - 1000));
    b.addAt(s, N, 1);
    b.addAt(s, GX, x);
    b.addAt(s, GY, y);
    b.addAt(s, GZ, z);
  }

  push(a: AccBatch): void {
    for (let i = 0; i < a.n; i++) this.sample(a.t[i]!, a.x[i]!, a.y[i]!, a.z[i]!);
  }

  activityMg(nowMs: number): number {
    const n = this.buckets.sum(nowMs, this.activityWindowMs, N);
    return n >= this.minSamples ? this.buckets.sum(nowMs, this.activityWindowMs, SUM_DEV) / n : NaN;
  }

  postureChangeDeg(nowMs: number): number {
    const b = this.buckets;
    const W = this.postureWindowMs;
    const n1 = b.sum(nowMs, W, N);
    const n0 = b.sum(nowMs - W, W, N);
    if (n1 < this.minSamples || n0 < this.minSamples) return NaN;
    const ax = b.sum(nowMs, W, GX), ay = b.sum(nowMs, W, GY), az = b.sum(nowMs, W, GZ);
    const bx = b.sum(nowMs - W, W, GX), by = b.sum(nowMs - W, W, GY), bz = b.sum(nowMs - W, W, GZ);
    const den = Math.hypot(ax, ay, az) * Math.hypot(bx, by, bz);
    if (!(den > 0)) return NaN;
    const cos = (ax * bx + ay * by + az * bz) / den;
    return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
  }
}
