/** Window statistics of an EventRing, filled in place (no allocation per query). */
export interface EventStats {
  n: number;
  sum: number;
  max: number;
  /** events whose value exceeds the threshold given to `stats` */
  over: number;
}

/**
 * Running sums are kept in integer units of 1/QUANTUM of a value unit (1/256 ms for durations):
 * integer sums are exact in a double, so adding an event and later taking it out again gives
 * back the same sum bit for bit, and a window's statistics never depend on how often (or in
 * which order of frames) it was read. 1/256 ms is far below any duration a detector resolves.
 */
const QUANTUM = 256;

/**
 * A bounded ring of timestamped events with one numeric value each (e.g. blink end time and
 * duration), kept in typed arrays. Events are pushed in time order. Window queries either walk
 * back from the newest event (`stats`, `valuesSince`) or use a registered running window
 * (`window`), which costs O(1) amortised per frame.
 *
 * Cost: O(1) per push (plus O(windows) when the ring is full); O(events in window) per walking
 * query. Memory: capacity (rounded up to a power of two) × 16 B.
 *
 * @example
 *   const blinks = new EventRing(512);
 *   const lastMinute = blinks.window(60_000, { over: 500 });
 *   blinks.push(tEndMs, durationMs);
 *   lastMinute.update(nowMs).n;          // events in (now - 60 s, now]
 */
export class EventRing {
  /** @internal */ readonly t: Float64Array;
  /** @internal */ readonly v: Float64Array;
  /** @internal */ readonly mask: number;
  /** events pushed since creation (absolute index of the next event) */
  total = 0;
  private readonly windows: EventWindow[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    let cap = 1;
    while (cap < capacity) cap <<= 1;
    this.t = new Float64Array(cap);
    this.v = new Float64Array(cap);
    this.mask = cap - 1;
  }

  get capacity(): number {
    return this.t.length;
  }

  get size(): number {
    return Math.min(this.total, this.t.length);
  }

  /** Absolute index of the oldest event still held. */
  get oldest(): number {
    return Math.max(0, this.total - this.t.length);
  }

  push(tMs: number, value: number): void {
    if (this.total >= this.t.length) for (let w = 0; w < this.windows.length; w++) this.windows[w]!.evict(this.total - this.t.length);
    const i = this.total & this.mask;
    this.t[i] = tMs;
    this.v[i] = value;
    this.total++;
  }

  /**
   * A running window over (now - windowMs, now] (and `over` counts values > opts.over), kept up
   * to date by `update(now)`. Several windows may watch one ring.
   */
  window(windowMs: number, opts: { over?: number } = {}): EventWindow {
    const w = new EventWindow(this, windowMs, opts.over ?? Infinity);
    this.windows.push(w);
    return w;
  }

  /** Number of events with sinceMs < time <= untilMs, and the sum / max of their values. */
  stats(sinceMs: number, out: EventStats, overThreshold = Infinity, untilMs = Infinity): void {
    out.n = 0;
    out.sum = 0;
    out.max = -Infinity;
    out.over = 0;
    for (let k = this.total - 1; k >= this.oldest; k--) {
      const i = k & this.mask;
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
    let first = this.total;
    while (first > this.oldest && this.total - first < out.length && this.t[(first - 1) & this.mask]! > sinceMs) first--;
    for (let k = first; k < this.total; k++) out[k - first] = this.v[k & this.mask]!;
    return this.total - first;
  }

  countSince(sinceMs: number): number {
    let n = 0;
    for (let k = this.total - 1; k >= this.oldest && this.t[k & this.mask]! > sinceMs; k--) n++;
    return n;
  }

  /** Time and value of the k-th newest event (k = 0 is the newest); NaN when there is none. */
  newestTime(k = 0): number {
    return k < this.size ? this.t[(this.total - 1 - k) & this.mask]! : NaN;
  }

  newestValue(k = 0): number {
    return k < this.size ? this.v[(this.total - 1 - k) & this.mask]! : NaN;
  }
}

/**
 * Statistics of the events of one EventRing in (now - windowMs, now], maintained incrementally:
 * `update(now)` takes in the events that `now` has reached and lets go of those that fell out.
 * Count, sum, sum of squares and the count over a threshold are exact (integer units, see
 * QUANTUM), so they equal a fresh walk over the window whatever the history of reads. `max` and
 * `values` walk the window, cached until the set of events in it changes.
 *
 * Cost: O(events entering + leaving) per update; O(events in window) for max/values on change.
 */
export class EventWindow {
  readonly windowMs: number;
  readonly overThreshold: number;
  /** events in the window after the last update */
  n = 0;
  /** events in the window with a value > overThreshold */
  over = 0;
  /** absolute indices: the window holds events [tail, head) */
  tail = 0;
  head = 0;
  private sumQ = 0;
  private sumSqQ = 0;
  private lastNow = -Infinity;
  private maxFor = -1;
  private maxTail = -1;
  private maxV = NaN;

  constructor(
    private readonly ring: EventRing,
    windowMs: number,
    overThreshold: number,
  ) {
    if (!(windowMs > 0)) throw new RangeError('window must be positive');
    this.windowMs = windowMs;
    this.overThreshold = overThreshold;
  }

  /** Sum of the values in the window (to 1/256 of a unit). */
  get sum(): number {
    return this.sumQ / QUANTUM;
  }

  /** Mean of the values; NaN when the window is empty. */
  get mean(): number {
    return this.n > 0 ? this.sumQ / QUANTUM / this.n : NaN;
  }

  /** Sample standard deviation (divisor n - 1); NaN below two events. */
  get sd(): number {
    const n = this.n;
    if (n < 2) return NaN;
    // n·Σq² − (Σq)² is an exact integer while it stays below 2^53 (durations of a few minutes)
    const num = n * this.sumSqQ - this.sumQ * this.sumQ;
    return Math.sqrt(Math.max(0, num) / (n * (n - 1))) / QUANTUM;
  }

  update(nowMs: number): this {
    const r = this.ring;
    if (nowMs < this.lastNow) this.reset(); // time went back (a new replay): rebuild from the ring
    this.lastNow = nowMs;
    if (this.head < r.oldest) this.head = r.oldest;
    while (this.head < r.total && r.t[this.head & r.mask]! <= nowMs) this.add(r.v[this.head++ & r.mask]!);
    const since = nowMs - this.windowMs;
    while (this.tail < this.head && r.t[this.tail & r.mask]! <= since) this.remove(r.v[this.tail++ & r.mask]!);
    return this;
  }

  /** Largest value in the window; NaN when empty. */
  max(): number {
    if (this.n === 0) return NaN;
    if (this.maxFor !== this.head || this.maxTail !== this.tail) {
      const r = this.ring;
      let m = -Infinity;
      for (let k = this.tail; k < this.head; k++) {
        const v = r.v[k & r.mask]!;
        if (v > m) m = v;
      }
      this.maxV = m;
      this.maxFor = this.head;
      this.maxTail = this.tail;
    }
    return this.maxV;
  }

  /** Copies the window's values, oldest first, into out (up to its length); returns how many. */
  values(out: Float64Array): number {
    const r = this.ring;
    const n = Math.min(out.length, this.head - this.tail);
    for (let k = 0; k < n; k++) out[k] = r.v[(this.head - n + k) & r.mask]!;
    return n;
  }

  /** Called by the ring before it overwrites the event at absolute index k. */
  evict(k: number): void {
    if (k < this.tail) return;
    if (k < this.head) {
      this.remove(this.ring.v[k & this.ring.mask]!);
      this.tail = k + 1;
    } else {
      this.tail = this.head = k + 1;
    }
  }

  private add(v: number): void {
    const q = v - v === 0 ? Math.round(v * QUANTUM) : 0; // a non-finite value must not poison the sums

    this.n++;
    this.sumQ += q;
    this.sumSqQ += q * q;
    if (v > this.overThreshold) this.over++;
  }

  private remove(v: number): void {
    const q = v - v === 0 ? Math.round(v * QUANTUM) : 0;
    this.n--;
    this.sumQ -= q;
    this.sumSqQ -= q * q;
    if (v > this.overThreshold) this.over--;
  }

  private reset(): void {
    this.n = this.over = this.sumQ = this.sumSqQ = 0;
    this.tail = this.head = this.ring.oldest;
    this.maxFor = -1;
  }
}
