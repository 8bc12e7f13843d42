import { FeatureQuality } from '../core/types.ts';
import { TimeBuckets, type WindowSum } from '../features/time-buckets.ts';
import { ClosureSource, EyeClosure, EyeState } from './eye-closure.ts';

const OPEN_VALID = 0; // valid time with openness reported (ms)
const OPEN_CLOSED = 1; // of which the eye was >= 80% closed (ms)
const PROXY_VALID = 2; // valid time without openness (ms)
const PROXY_CLOSED = 3; // gap-proxy blink time (ms)

/** A PERCLOS reading: value in 0..1, NaN when unknown. */
export interface PerclosReading {
  value: number;
  quality: FeatureQuality;
  /** time (ms) in the window for which the eye could be seen (openness or proxy) */
  seenMs: number;
}

/**
 * PERCLOS P80: the share of time, over a window (default 60 s), that the eye is at least 80%
 * closed (Wierwille et al. 1994; Dinges & Grace 1998, FHWA-MCRT-98-006), taken over the time
 * the eye could be seen: track loss counts neither as open nor as closed.
 * - Good: from measured openness (valid time with openness >= minValidShare of the window).
 * - Proxy: from gap-proxy blinks (no openness): closed share = blink time / (valid + blink time).
 * - Unknown (NaN): less than minValidShare (default 50%) of the window is backed by data.
 * Resolution is one bucket (default window / 60: 1 s for 60 s) at the old edge of the window;
 * coarse buckets keep a read at ~60 bucket rows, which matters at 100 wearers × 10 ticks/s.
 *
 * Cost: O(1) per sample; per read O(4), and O(60 buckets × 4) once per bucket step (cached).
 * Memory: 4 × 62 × 8 B.
 *
 * @example
 *   const p = new Perclos({ windowMs: 60_000 });
 *   const closed = eye.sample(t, valid, openness);
 *   p.observe(t, dtMs, eye, closed);
 *   p.read(nowMs, reading); // reading.value, reading.quality
 */
export class Perclos {
  readonly windowMs: number;
  readonly minValidShare: number;
  private readonly buckets: TimeBuckets;
  private readonly window: WindowSum;
  /** sums of the bucket being filled, not yet in the ring: [pendLo, pendHi) */
  private readonly pend = new Float64Array(4);
  private pendLo = Infinity;
  private pendHi = -Infinity;

  constructor(opts: { windowMs?: number; minValidShare?: number; bucketMs?: number } = {}) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.minValidShare = opts.minValidShare ?? 0.5;
    const bucketMs = opts.bucketMs ?? this.windowMs / 60;
    if (!(this.windowMs >= bucketMs)) throw new RangeError('windowMs must be at least one bucket');
    if (!(this.minValidShare > 0 && this.minValidShare <= 1)) throw new RangeError('minValidShare must be in (0, 1]');
    this.buckets = new TimeBuckets({ channels: 4, bucketMs, spanMs: this.windowMs });
    this.window = this.buckets.reader(this.windowMs);
  }

  /**
   * Books one sample that stands for `dtMs` of time (the caller caps dt across gaps), given the
   * EyeClosure that has just seen it and what its `sample` returned.
   */
  observe(t: number, dtMs: number, eye: EyeClosure, closedNow: boolean): void {
    // sums build up locally while the bucket stays the same (one ring write per bucket, not per sample)
    if (!(t >= this.pendLo && t < this.pendHi)) this.startBucket(t);
    const p = this.pend;
    if (eye.proxyClosedMs > 0) p[PROXY_CLOSED]! += eye.proxyClosedMs;
    if (eye.state === EyeState.Unknown) return;
    if (eye.source === ClosureSource.Openness) {
      p[OPEN_VALID]! += dtMs;
      if (closedNow) p[OPEN_CLOSED]! += dtMs;
    } else {
      p[PROXY_VALID]! += dtMs;
    }
  }

  private startBucket(t: number): void {
    this.flush();
    const bucketMs = this.buckets.bucketMs;
    this.pendLo = Math.floor(t / bucketMs) * bucketMs;
    this.pendHi = this.pendLo + bucketMs;
  }

  /** Writes the pending sums into their bucket (before every read: reads see every sample). */
  private flush(): void {
    const p = this.pend;
    if (p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0) return;
    const b = this.buckets;
    const slot = b.slot(this.pendLo);
    for (let c = 0; c < 4; c++) b.addAt(slot, c, p[c]!);
    p.fill(0);
  }

  read(nowMs: number, out: PerclosReading): PerclosReading {
    this.flush();
    const m = this.window.read(nowMs);
    const need = this.minValidShare * this.windowMs;
    const ov = m[OPEN_VALID]!;
    const oc = m[OPEN_CLOSED]!;
    const seen = ov + m[PROXY_VALID]! + m[PROXY_CLOSED]!;
    out.seenMs = seen;
    if (ov >= need) {
      out.value = Math.min(1, oc / ov);
      out.quality = FeatureQuality.Good;
      return out;
    }
    if (seen >= need) {
      out.value = Math.min(1, (oc + m[PROXY_CLOSED]!) / seen);
      out.quality = FeatureQuality.Proxy;
      return out;
    }
    out.value = NaN;
    out.quality = FeatureQuality.Unknown;
    return out;
  }

  /** Time (ms) in the window for which the eye could be seen (openness or proxy). */
  seenMs(nowMs: number): number {
    this.flush();
    const m = this.window.read(nowMs);
    return m[OPEN_VALID]! + m[PROXY_VALID]! + m[PROXY_CLOSED]!;
  }
}
