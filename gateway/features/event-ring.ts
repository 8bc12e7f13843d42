/** Window statistics of an EventRing, filled in place (no allocation per query). */
export interface EventStats {
  n: number;
  sum: number;
  max: number;
  /** events whose value exceeds the threshold given to `stats` */
  over: number;
}

/**
 * A bounded ring of timestamped events with one numeric value each (e.g. blink end time and
 * duration), kept in typed arrays. Window queries walk back from the newest event.
 *
 * Cost: O(1) per push; O(events in window) per query. Memory: capacity × 16 B.
 *
 * @example
 *   const blinks = new EventRing(512);
 *   blinks.push(tEndMs, durationMs);
 *   blinks.countSince(nowMs - 60_000);
 */
export class EventRing {
  private readonly t: Float64Array;
  private readonly v: Float64Array;
  private head = 0;
  private count = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(tMs: number, value: number): void {
    this.t[this.head] = tMs;
    this.v[this.head] = value;
    this.head = (this.head + 1) % this.t.length;
    if (this.count < this.t.length) this.count++;
  }

  /** Number of events with sinceMs < time <= untilMs, and the sum / max of their values. */
  stats(sinceMs: number, out: EventStats, overThreshold = Infinity, untilMs = Infinity): void {
    out.n = 0;
    out.sum = 0;
    out.max = -Infinity;
    out.over = 0;
    const cap = this.t.length;
    for (let k = 1; k <= this.count; k++) {
      const i = (this.head - k + cap) % cap;
      const t = this.t[i]!;
      if (t <= sinceMs) break;
      if (t > untilMs) continue;
      const v = this.v[i]!;
      out.n++;
      out.sum += v;
      if (v > out.max) out.max = v;
      if (v > overThreshold) out.over++;
    }
  }

  /** Copies the values of events with time > sinceMs into `out`, oldest first; returns how many. */
  valuesSince(sinceMs: number, out: Float64Array): number {
    const cap = this.t.length;
    let n = 0;
    while (n < this.count && n < out.length && this.t[(this.head - n - 1 + cap) % cap]! > sinceMs) n++;
    for (let k = 0; k < n; k++) out[k] = this.v[(this.head - n + k + cap) % cap]!;
    return n;
  }

  countSince(sinceMs: number): number {
    const cap = this.t.length;
    let n = 0;
    for (let k = 1; k <= this.count; k++) {
      if (this.t[(this.head - k + cap) % cap]! <= sinceMs) break;
      n++;
    }
    return n;
  }

  /** Time and value of the k-th newest event (k = 0 is the newest); NaN when there is none. */
  newestTime(k = 0): number {
    if (k >= this.count) return NaN;
    return this.t[(this.head - 1 - k + 2 * this.t.length) % this.t.length]!;
  }

  newestValue(k = 0): number {
    if (k >= this.count) return NaN;
    return this.v[(this.head - 1 - k + 2 * this.t.length) % this.t.length]!;
  }
}
