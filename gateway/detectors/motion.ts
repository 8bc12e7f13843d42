import type { AccBatch } from '../core/types.ts';
import { TimeBuckets, type WindowSum } from '../features/time-buckets.ts';

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
 * Cost: O(1) per sample; O(1) per read on most ticks (cached window sums, see TimeBuckets).
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
  private readonly activity: WindowSum;
  private readonly postureNow: WindowSum;
  private readonly posturePrev: WindowSum;
  private lastT = NaN;

  constructor(opts: { activityWindowMs?: number; postureWindowMs?: number; minSamples?: number } = {}) {
    this.activityWindowMs = opts.activityWindowMs ?? 5_000;
    this.postureWindowMs = opts.postureWindowMs ?? 2_000;
    this.minSamples = opts.minSamples ?? 5;
    if (!(this.activityWindowMs >= 250 && this.postureWindowMs >= 250)) throw new RangeError('motion windows must be >= 250 ms');
    if (!(this.minSamples >= 1)) throw new RangeError('minSamples must be >= 1');
    this.buckets = new TimeBuckets({ channels: 5, bucketMs: 250, spanMs: Math.max(this.activityWindowMs, 2 * this.postureWindowMs) });
    this.activity = this.buckets.reader(this.activityWindowMs, { from: SUM_DEV, to: N + 1 });
    this.postureNow = this.buckets.reader(this.postureWindowMs, { from: N, to: GZ + 1 });
    this.posturePrev = this.buckets.reader(this.postureWindowMs, { from: N, to: GZ + 1 });
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
    const a = this.activity.read(nowMs);
    const n = a[N - SUM_DEV]!;
    return n >= this.minSamples ? a[SUM_DEV - SUM_DEV]! / n : NaN;
  }

  postureChangeDeg(nowMs: number): number {
    const W = this.postureWindowMs;
    const b = this.posturePrev.read(nowMs - W);
    const a = this.postureNow.read(nowMs);
    // channels N, GX, GY, GZ at 0..3
    if (a[0]! < this.minSamples || b[0]! < this.minSamples) return NaN;
    const ax = a[1]!, ay = a[2]!, az = a[3]!;
    const bx = b[1]!, by = b[2]!, bz = b[3]!;
    const den = Math.sqrt(ax * ax + ay * ay + az * az) * Math.sqrt(bx * bx + by * by + bz * bz);
    if (!(den > 0)) return NaN;
    const cos = (ax * bx + ay * by + az * bz) / den;
    return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
  }
}
