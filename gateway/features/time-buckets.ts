/**
 * Columnar sums over fixed time buckets, for windowed features without per-sample storage:
 * each channel is a Float64Array ring of per-bucket sums; a window sum adds whole buckets.
 * Resolution is one bucket (the default 250 ms is well under the 60 s windows it serves).
 *
 * Cost: O(1) per add; O(window / bucket) per windowed sum. Memory: channels × buckets × 8 B.
 *
 * @example
 *   const b = new TimeBuckets({ channels: 2, bucketMs: 250, spanMs: 60_000 });
 *   b.add(tMs, 0, dtMs);           // channel 0: valid time
 *   b.sum(nowMs, 60_000, 0);       // valid ms in the last minute
 */
export class TimeBuckets {
  readonly bucketMs: number;
  private readonly size: number;
  private readonly data: Float64Array[];
  private newest = -Infinity; // absolute bucket number of the newest bucket written

  constructor(opts: { channels: number; bucketMs?: number; spanMs: number }) {
    const bucketMs = opts.bucketMs ?? 250;
    if (!Number.isInteger(opts.channels) || opts.channels < 1) throw new RangeError('channels must be a positive integer');
    if (!(bucketMs > 0) || !(opts.spanMs >= bucketMs)) throw new RangeError('need 0 < bucketMs <= spanMs');
    this.bucketMs = bucketMs;
    this.size = Math.ceil(opts.spanMs / bucketMs) + 2;
    this.data = Array.from({ length: opts.channels }, () => new Float64Array(this.size));
  }

  add(tMs: number, channel: number, value: number): void {
    const b = Math.floor(tMs / this.bucketMs);
    this.advance(b);
    if (b <= this.newest - this.size) return; // older than the ring: already outside every window
    this.data[channel]![((b % this.size) + this.size) % this.size] += value;
  }

  /** Sum of a channel over the whole buckets that make up [nowMs - windowMs, nowMs). */
  sum(nowMs: number, windowMs: number, channel: number): number {
    const last = Math.ceil(nowMs / this.bucketMs) - 1;
    this.advance(last);
    const count = Math.min(this.size - 1, Math.ceil(windowMs / this.bucketMs));
    const col = this.data[channel]!;
    let s = 0;
    for (let b = last - count + 1; b <= last; b++) s += col[((b % this.size) + this.size) % this.size]!;
    return s;
  }

  /** Zeroes buckets that a jump forward in time skipped over, so stale sums never reappear. */
  private advance(b: number): void {
    if (b <= this.newest) return;
    const from = Math.max(this.newest + 1, b - this.size + 1);
    for (let k = from; k <= b; k++) {
      const i = ((k % this.size) + this.size) % this.size;
      for (const col of this.data) col[i] = 0;
    }
    this.newest = b;
  }
}
