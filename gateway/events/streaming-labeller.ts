import { EventLabel } from './event-labels.ts';
import type { GazeColumns, GazeEventDetector } from './gaze-event-detector.ts';

/**
 * Shared machinery of the streaming detectors: a ring of the samples whose labels are not final
 * yet (time, position, validity, openness, working label), ordered release of final labels into
 * an output queue, and the bookkeeping for refused samples. A detector is a set of stages with
 * cursors over this ring, run by `advance` after every single sample, so its output cannot
 * depend on how the input was split into batches.
 *
 * Samples are numbered from 0 since the detector was made (absolute index k, ring slot k & mask).
 *
 * Cost: O(1) per sample here; the stages add their own.
 */
export abstract class StreamingLabeller implements GazeEventDetector {
  abstract readonly name: string;
  abstract readonly lookAheadMs: number;
  protected readonly cap: number;
  protected readonly mask: number;
  protected readonly t: Float64Array;
  protected readonly x: Float64Array;
  protected readonly y: Float64Array;
  /** 1 = tracked, 0 = lost */
  protected readonly ok: Uint8Array;
  /** NaN = not reported */
  protected readonly open: Float32Array;
  /** 1 = the device reported the eye closed (openness <= closedOpenness): stored as lost, flagged */
  protected readonly closed: Uint8Array;
  /** openness at or below which a sample counts as a closed eye; -Infinity: never */
  protected closedOpenness = -Infinity;
  /** working label of each held sample; final once released */
  protected readonly lab: Uint8Array;
  /** refused samples that came right after each held sample (released behind it) */
  private readonly skips: Uint32Array;
  /** absolute index of the next sample to ingest */
  protected nIn = 0;
  /** absolute index of the next sample to release */
  protected nOut = 0;
  private lastT = -Infinity;
  private q: Uint8Array;
  private qHead = 0;
  private qTail = 0;
  private rejectedCount = 0;
  /** times the ring filled before the stages could decide (input faster than the capacity allows) */
  overflows = 0;

  /** @param capacity samples held at most; rounded up to a power of two */
  constructor(capacity: number) {
    if (!(capacity >= 16)) throw new RangeError('detector capacity must be at least 16 samples');
    let c = 16;
    while (c < capacity) c *= 2;
    this.cap = c;
    this.mask = c - 1;
    this.t = new Float64Array(c);
    this.x = new Float64Array(c);
    this.y = new Float64Array(c);
    this.ok = new Uint8Array(c);
    this.open = new Float32Array(c);
    this.closed = new Uint8Array(c);
    this.lab = new Uint8Array(c);
    this.skips = new Uint32Array(c);
    this.q = new Uint8Array(c);
  }

  get pending(): number {
    return this.nIn - this.nOut + (this.qTail - this.qHead) + this.heldSkips();
  }

  get rejected(): number {
    return this.rejectedCount;
  }

  push(g: GazeColumns): void {
    const { t, x, y, valid, openness } = g;
    for (let i = 0; i < g.n; i++) this.sample(t[i]!, x[i]!, y[i]!, valid ? valid[i] !== 0 : true, openness ? openness[i]! : NaN);
  }

  /** One sample (the hot path of `push`). */
  sample(t: number, x: number, y: number, valid = true, openness = NaN): void {
    if (!(t > this.lastT) || !Number.isFinite(t)) {
      this.rejectedCount++;
      if (this.nIn > this.nOut) this.skips[(this.nIn - 1) & this.mask]!++;
      else this.enqueue(EventLabel.Undefined);
      return;
    }
    this.lastT = t;
    if (this.nIn - this.nOut >= this.cap) {
      // the stages could not decide within the ring: decide what is held as if the stream ended
      this.overflows++;
      this.advance(true);
      this.restart(false);
    }
    const i = this.nIn & this.mask;
    this.t[i] = t;
    const shut = openness <= this.closedOpenness;
    const good = valid && !shut && x === x && y === y && Number.isFinite(x) && Number.isFinite(y);
    this.closed[i] = shut ? 1 : 0;
    this.x[i] = good ? x : NaN;
    this.y[i] = good ? y : NaN;
    this.ok[i] = good ? 1 : 0;
    this.open[i] = openness;
    this.lab[i] = EventLabel.Undefined;
    this.skips[i] = 0;
    this.nIn++;
    this.advance(false);
  }

  end(): void {
    this.advance(true);
    if (this.nOut !== this.nIn) throw new Error(`${this.name}: ${this.nIn - this.nOut} samples left undecided at end()`);
    this.restart(true);
    this.lastT = -Infinity;
  }

  read(out: Uint8Array): number {
    const n = Math.min(out.length, this.qTail - this.qHead);
    const qm = this.q.length - 1;
    for (let i = 0; i < n; i++) out[i] = this.q[(this.qHead + i) & qm]!;
    this.qHead += n;
    return n;
  }

  /** Labels of samples [nOut, upTo) are final: move them (and refused samples behind them) to the queue. */
  protected release(upTo: number): void {
    const m = this.mask;
    while (this.nOut < upTo) {
      const i = this.nOut & m;
      this.enqueue(this.lab[i]!);
      for (let s = this.skips[i]!; s > 0; s--) this.enqueue(EventLabel.Undefined);
      this.nOut++;
    }
  }

  /**
   * Runs the stages as far as the samples held allow. With `ended`, no more samples follow
   * (end of stream or overflow): the stages decide everything held and release it.
   */
  protected abstract advance(ended: boolean): void;

  /**
   * Forgets the event state after an end (endOfStream: also what was learnt about the stream,
   * such as noise levels) or an overflow: the next sample starts afresh at index nIn.
   */
  protected abstract restart(endOfStream: boolean): void;

  private enqueue(label: number): void {
    if (this.qTail - this.qHead === this.q.length) {
      const bigger = new Uint8Array(this.q.length * 2);
      const qm = this.q.length - 1;
      const n = this.qTail - this.qHead;
      for (let i = 0; i < n; i++) bigger[i] = this.q[(this.qHead + i) & qm]!;
      this.q = bigger;
      this.qHead = 0;
      this.qTail = n;
    }
    this.q[this.qTail & (this.q.length - 1)] = label;
    this.qTail++;
  }

  private heldSkips(): number {
    let s = 0;
    for (let k = this.nOut; k < this.nIn; k++) s += this.skips[k & this.mask]!;
    return s;
  }
}
