/**
 * Columnar sums over fixed time buckets, for windowed features without per-sample storage:
 * one Float64Array ring, `channels` sums per bucket; a window sum adds whole buckets.
 * Resolution is one bucket (the default 250 ms is well under the 10-60 s windows it serves).
 * Sums depend only on the samples added, never on how they were batched.
 *
 * Windows read every tick should use a `reader`: it keeps the sum of the window's complete
 * buckets and re-adds them only when the window moves to a new bucket (or a late sample lands
 * in one of them), so a read costs O(channels) on most ticks instead of O(window / bucket).
 *
 * Cost: O(1) per add (one division when the sample opens a new bucket); O(window / bucket) per
 * uncached windowed sum. Memory: channels × (span / bucket + 2) × 8 B.
 *
 * @example
 *   const b = new TimeBuckets({ channels: 2, bucketMs: 250, spanMs: 60_000 });
 *   const minute = b.reader(60_000);
 *   b.add(tMs, 0, dtMs);           // channel 0: valid time
 *   minute.read(nowMs)[0];         // valid ms in the last minute
 */
export class TimeBuckets {
  readonly bucketMs: number;
  readonly channels: number;
  /** @internal ring length in buckets */
  readonly size: number;
  /** @internal the ring: `channels` sums per bucket */
  readonly data: Float64Array;
  /** @internal absolute bucket number of the newest bucket written (or advanced to) */
  newest = -Infinity;
  /** cache of the bucket containing the last added time: [curLo, curHi) in ms, its ring offset */
  private curLo = Infinity;
  private curHi = -Infinity;
  private curBase = 0;
  /** bumped when a bucket older than the newest is written (late data): cached sums are stale */
  lateWrites = 0;
  private curLate = false;

  constructor(opts: { channels: number; bucketMs?: number; spanMs: number }) {
    const bucketMs = opts.bucketMs ?? 250;
    if (!Number.isInteger(opts.channels) || opts.channels < 1) throw new RangeError('channels must be a positive integer');
    if (!(bucketMs > 0) || !(opts.spanMs >= bucketMs)) throw new RangeError('need 0 < bucketMs <= spanMs');
    this.bucketMs = bucketMs;
    this.channels = opts.channels;
    this.size = Math.ceil(opts.spanMs / bucketMs) + 2;
    this.data = new Float64Array(this.size * this.channels);
  }

  /**
   * Offset of the bucket holding tMs in the ring (add `channel` to it for `addAt`), or -1 when
   * tMs is older than the ring holds (then it is outside every window anyway).
   */
  slot(tMs: number): number {
    if (tMs >= this.curLo && tMs < this.curHi) {
      if (this.curLate) this.lateWrites++;
      return this.curBase;
    }
    const b = Math.floor(tMs / this.bucketMs);
    this.advance(b);
    if (b <= this.newest - this.size) return -1;
    this.curLate = b < this.newest;
    if (this.curLate) this.lateWrites++;
    this.curLo = b * this.bucketMs;
    this.curHi = this.curLo + this.bucketMs;
    this.curBase = (((b % this.size) + this.size) % this.size) * this.channels;
    return this.curBase;
  }

  /** End (exclusive, ms) of the bucket returned by the last `slot` call. */
  get slotEnd(): number {
    return this.curHi;
  }

  /** Adds to a slot returned by `slot` (hot path: no division). */
  addAt(slot: number, channel: number, value: number): void {
    if (slot >= 0) this.data[slot + channel]! += value;
  }

  add(tMs: number, channel: number, value: number): void {
    this.addAt(this.slot(tMs), channel, value);
  }

  /** Sum of a channel over the whole buckets that make up [nowMs - windowMs, nowMs). */
  sum(nowMs: number, windowMs: number, channel: number): number {
    const count = this.prepare(nowMs, windowMs);
    const C = this.channels;
    let i = this.startIdx;
    let s = 0;
    for (let k = 0; k < count; k++) {
      s += this.data[i * C + channel]!;
      if (++i === this.size) i = 0;
    }
    return s;
  }

  /** Sums of every channel over [nowMs - windowMs, nowMs) into out (length >= channels), in one pass. */
  sumAll(nowMs: number, windowMs: number, out: Float64Array): Float64Array {
    const count = this.prepare(nowMs, windowMs);
    const C = this.channels;
    out.fill(0, 0, C);
    let i = this.startIdx;
    for (let k = 0; k < count; k++) {
      const base = i * C;
      for (let c = 0; c < C; c++) out[c]! += this.data[base + c]!;
      if (++i === this.size) i = 0;
    }
    return out;
  }

  /** A cached reader of the window [nowMs - windowMs, nowMs) over channels [from, to). */
  reader(windowMs: number, channels: { from?: number; to?: number } = {}): WindowSum {
    return new WindowSum(this, windowMs, channels.from ?? 0, channels.to ?? this.channels);
  }

  /** @internal Advances the ring to bucket b (zeroing what it skips). */
  advanceTo(b: number): void {
    this.advance(b);
  }

  /** @internal Offset of absolute bucket b in the ring. */
  ringBase(b: number): number {
    return (((b % this.size) + this.size) % this.size) * this.channels;
  }

  private startIdx = 0;

  /** Advances to the bucket before nowMs; sets startIdx; returns the number of buckets in the window. */
  private prepare(nowMs: number, windowMs: number): number {
    const last = Math.ceil(nowMs / this.bucketMs) - 1;
    this.advance(last);
    const count = Math.min(this.size - 1, Math.ceil(windowMs / this.bucketMs));
    const first = last - count + 1;
    this.startIdx = ((first % this.size) + this.size) % this.size;
    return count;
  }

  /** Zeroes buckets that a jump forward in time skipped over, so stale sums never reappear. */
  private advance(b: number): void {
    // beyond 2^53 (a time of 1e113 ms, or Infinity, from a device gone wrong) k++ no longer moves
    // k and the loop below would never end; such a time holds no bucket. NaN holds none either.
    if (b <= this.newest || !(b <= Number.MAX_SAFE_INTEGER)) return;
    const from = Math.max(this.newest + 1, b - this.size + 1);
    for (let k = from; k <= b; k++) {
      const base = (((k % this.size) + this.size) % this.size) * this.channels;
      this.data.fill(0, base, base + this.channels);
    }
    this.newest = b;
    this.curLo = Infinity; // the cached bucket may have been recycled
    this.curHi = -Infinity;
  }
}

/**
 * The sums of one window of a TimeBuckets, for reads at non-decreasing times. The sums of the
 * window's complete buckets are kept running: when the window moves on by a bucket, the bucket
 * that became complete is added and the one that left is subtracted (O(channels)); the newest
 * (live) bucket is added on every read. Every `count` bucket steps, after a late sample, a jump
 * or a read back in time, the complete sums are recomputed from the buckets, so rounding never
 * accumulates over more than one window; magnitudes below 1e-9 (in ms, deg, mG: far below any
 * resolution) left by subtraction read as 0. Reads at the same times give the same sums
 * whatever the batching of the samples.
 *
 * Cost: O(to - from) per read and per bucket step; O(window / bucket × channels) once a window.
 */
export class WindowSum {
  readonly windowMs: number;
  /** the sums after the last read, channels [from, to) at [0, to - from) */
  readonly out: Float64Array;
  private readonly complete: Float64Array;
  private readonly count: number;
  private cLast = NaN;
  private cLate = -1;
  private steps = 0;
  private liveBase = 0;

  constructor(
    private readonly tb: TimeBuckets,
    windowMs: number,
    private readonly from: number,
    private readonly to: number,
  ) {
    if (!(windowMs > 0)) throw new RangeError('window must be positive');
    if (!(from >= 0 && to <= tb.channels && from < to)) throw new RangeError('bad channel range');
    this.windowMs = windowMs;
    this.out = new Float64Array(to - from);
    this.complete = new Float64Array(to - from);
    this.count = Math.min(tb.size - 1, Math.ceil(windowMs / tb.bucketMs));
  }

  /** Sums over [nowMs - windowMs, nowMs) in whole buckets; returns `out` (reused). */
  read(nowMs: number): Float64Array {
    const tb = this.tb;
    const last = Math.ceil(nowMs / tb.bucketMs) - 1;
    if (last !== this.cLast || tb.lateWrites !== this.cLate) {
      tb.advanceTo(last);
      const first = last - this.count + 1;
      const prevFirst = this.cLast - this.count + 1;
      const moved = last - this.cLast;
      if (tb.lateWrites === this.cLate && moved > 0 && moved < this.count && this.steps + moved < this.count && prevFirst > tb.newest - tb.size) {
        this.slide(this.cLast, last - 1, prevFirst, first - 1);
        this.steps += moved;
      } else {
        this.recompute(first, last);
        this.steps = 0;
      }
      this.cLast = last;
      this.cLate = tb.lateWrites;
      this.liveBase = tb.ringBase(last) + this.from;
    }
    const out = this.out;
    const complete = this.complete;
    const data = tb.data;
    const live = this.liveBase;
    for (let c = 0; c < out.length; c++) out[c] = complete[c]! + data[live + c]!;
    return out;
  }

  /** One channel's sum (absolute channel number) after `read`. */
  get(channel: number): number {
    return this.out[channel - this.from]!;
  }

  private recompute(first: number, last: number): void {
    const tb = this.tb;
    const complete = this.complete.fill(0);
    const w = complete.length;
    const data = tb.data;
    const C = tb.channels;
    const end = tb.size * C;
    let i = tb.ringBase(first) + this.from;
    for (let k = first; k < last; k++) {
      for (let c = 0; c < w; c++) complete[c]! += data[i + c]!;
      i += C;
      if (i >= end) i -= end;
    }
  }

  /** Adds buckets [inFrom, inTo], subtracts buckets [outFrom, outTo]. */
  private slide(inFrom: number, inTo: number, outFrom: number, outTo: number): void {
    const tb = this.tb;
    const complete = this.complete;
    const w = complete.length;
    const data = tb.data;
    for (let k = inFrom; k <= inTo; k++) {
      const i = tb.ringBase(k) + this.from;
      for (let c = 0; c < w; c++) complete[c]! += data[i + c]!;
    }
    for (let k = outFrom; k <= outTo; k++) {
      const i = tb.ringBase(k) + this.from;
      for (let c = 0; c < w; c++) complete[c]! -= data[i + c]!;
    }
    for (let c = 0; c < w; c++) if (Math.abs(complete[c]!) < 1e-9) complete[c] = 0;
  }
}
