import { AfgError, type ErrorCounter } from '../core/errors.ts';
import type { AsyncGazeEventDetector } from './async-event-detector.ts';
import { EventLabel } from './event-labels.ts';
import { EYE_EVENTS_CHANNELS, EYE_EVENTS_GRID_MS, EYE_EVENTS_PAD, EyeEventsFeatureStream } from './eye-events-features.ts';
import { EYE_EVENTS_CLASSES, EYE_EVENTS_K } from './eye-events-model.ts';
import type { GazeColumns } from './gaze-event-detector.ts';

/**
 * What turns the model's per-step probabilities into sample labels, and how it is batched. Each
 * constant with its unit and source.
 */
export const EYE_EVENTS_DETECTOR_SETTINGS = {
  /** grid steps labelled per model window (64 ms): a window waits for this much more input (latency) and carries past + future context around it (cost) */
  chunkSteps: 32,
  /** windows per session.run at most */
  maxBatch: 64,
  /** ms, a loss at least this long is track loss, never a blink (blinks last 100-400 ms, Caffier et al. 2003, Eur J Appl Physiol 89:319; the apd detector's bound) */
  maxBlinkGapMs: 500,
  /** ms, a loss this short inside what the model calls fixation is fixation (I-VT gap fill-in, Olsen 2012, Tobii white paper) */
  gapFillMs: 75,
  /** openness at or below this is a closed eye, a blink whatever the model says (P80: >= 80 % closed) */
  closedOpenness: 0.2,
  /** ms, input samples further apart than this are not interpolated (a gap between them) */
  maxBracketMs: 50,
} as const;

export type EyeEventsDetectorSettings = { -readonly [K in keyof typeof EYE_EVENTS_DETECTOR_SETTINGS]: number };

/** The part of EyeEventsModel the detector uses (a test may pass another engine). */
export interface EyeEventsEngine {
  readonly label: string;
  readonly pastSteps: number;
  readonly futureSteps: number;
  run(x: Float32Array, windows: number, steps: number): Promise<Float32Array>;
}

const KIND_OK = 0;
const KIND_LOST = 1;
const KIND_CLOSED = 2;
const KIND_REFUSED = 3;

const GAP_OPEN = 0;
const GAP_ENDED = 1;
const GAP_LONG = 2;
/** still open when the stream ended: nothing says the eye opened again */
const GAP_UNFINISHED = 3;

const CLASS_LABELS = Uint8Array.from(EYE_EVENTS_CLASSES.map((c) => c.label));
const C_FIXATION = 0;
const C_BLINK = 4;

/** Growable float columns indexed by absolute position, dropping what is no longer needed. */
class Columns {
  data: Float32Array;
  /** absolute index of data[0] */
  base = 0;
  /** absolute index one past the last */
  end = 0;

  constructor(readonly width: number, initial = 1024) {
    this.data = new Float32Array(initial * width);
  }

  /** Room for n more rows, dropping rows before keepFrom first; returns the first new row's offset. */
  append(keepFrom: number, n = 1): number {
    const w = this.width;
    if ((this.end - this.base + n) * w > this.data.length) {
      const drop = Math.max(0, Math.min(keepFrom, this.end) - this.base);
      if (drop > 0) {
        this.data.copyWithin(0, drop * w, (this.end - this.base) * w);
        this.base += drop;
      }
      let size = this.data.length;
      while ((this.end - this.base + n) * w > size) size *= 2;
      if (size > this.data.length) {
        const next = new Float32Array(size);
        next.set(this.data.subarray(0, (this.end - this.base) * w));
        this.data = next;
      }
    }
    const at = (this.end - this.base) * w;
    this.end += n;
    return at;
  }

  offset(i: number): number {
    return (i - this.base) * this.width;
  }
}

/** One stream (from the first push to end()): its features, model outputs, samples and gaps. */
class Stream {
  readonly features = new Columns(EYE_EVENTS_CHANNELS);
  readonly probs = new Columns(EYE_EVENTS_K);
  readonly fs: EyeEventsFeatureStream;
  ended = false;
  /** first grid step not yet sent to the model */
  nextChunk = 0;
  // samples, by absolute index within the stream
  sBase = 0;
  sEnd = 0;
  sRel = 0;
  sStep = new Int32Array(1024);
  sKind = new Uint8Array(1024);
  sGap = new Int32Array(1024);
  lastT = -Infinity;
  // gaps (runs of lost input samples)
  gapPrevT: number[] = [];
  gapState: number[] = [];
  gapDur: number[] = [];
  gapBase = 0;
  openGap = -1;
  lastValidT = NaN;

  constructor(maxBracketMs: number, private readonly pastSteps: number) {
    this.fs = new EyeEventsFeatureStream((_k, f) => {
      const at = this.features.append(this.nextChunk - this.pastSteps); // may reallocate data
      this.features.data.set(f, at);
    }, { maxBracketMs });
  }

  addSample(step: number, kind: number, gap: number): void {
    if (this.sEnd - this.sBase === this.sStep.length) {
      const drop = this.sRel - this.sBase;
      if (drop > this.sStep.length / 2) {
        this.sStep.copyWithin(0, drop);
        this.sKind.copyWithin(0, drop);
        this.sGap.copyWithin(0, drop);
        this.sBase += drop;
      } else {
        const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
          const b = make(a.length * 2);
          b.set(a);
          return b;
        };
        this.sStep = grow(this.sStep, (n) => new Int32Array(n));
        this.sKind = grow(this.sKind, (n) => new Uint8Array(n));
        this.sGap = grow(this.sGap, (n) => new Int32Array(n));
      }
    }
    const i = this.sEnd++ - this.sBase;
    this.sStep[i] = step;
    this.sKind[i] = kind;
    this.sGap[i] = gap;
  }

  /** grid steps whose probabilities are known */
  get decided(): number {
    return this.probs.end;
  }
}

/**
 * The learned eye-movement event detector: gaze -> 2 ms grid features (eye-events-features.ts)
 * -> the eye-events ONNX model over windows of `chunkSteps` steps with the model's past and
 * future context around them -> per-sample labels. Track loss is handled outside the model and
 * explicitly: a lost sample is a blink only where the model says blink AND the loss is shorter
 * than maxBlinkGapMs (known once it ends); a loss that does not end within maxBlinkGapMs, or is
 * still open when the stream ends, is track loss throughout; a short loss the model calls
 * fixation is filled as fixation (gapFillMs); anything else lost is track loss. A closed eye
 * reported by the device (openness) is a blink.
 *
 * Latency: a label is final gridMs x (chunkSteps + futureSteps) after its sample (158 ms with
 * the defaults and the 1.0.0 model), except in a tracker gap, whose samples wait until it ends
 * or reaches maxBlinkGapMs; `lookAheadMs` is the larger of the two.
 *
 * Model runs that fail label their windows Undefined and count AFG_E_EYE_EVENTS_RUN; the stream
 * keeps going.
 *
 * Cost: O(1) feature work per grid step; one model window per chunkSteps steps, of
 * chunkSteps + pastSteps + futureSteps steps.
 *
 * @example
 *   const det = new EyeEventsDetector(await EyeEventsModel.load());
 *   det.push(gaze); await det.settle(); det.read(labels);
 */
export class EyeEventsDetector implements AsyncGazeEventDetector {
  readonly name = 'eye-events';
  readonly lookAheadMs: number;
  /** ms a label lags its sample outside tracker gaps */
  readonly labelLatencyMs: number;
  readonly settings: EyeEventsDetectorSettings;
  private readonly engine: EyeEventsEngine;
  private readonly errors: ErrorCounter | undefined;
  private readonly windowSteps: number;
  private streams: Stream[] = [];
  private out = new Uint8Array(1024);
  private outHead = 0;
  private outTail = 0;
  private pushed = 0;
  private readCount = 0;
  private refused = 0;
  private chain: Promise<void> = Promise.resolve();
  /** model windows run, and those whose run failed */
  windows = 0;
  failedWindows = 0;

  constructor(engine: EyeEventsEngine, o: { settings?: Partial<EyeEventsDetectorSettings>; errors?: ErrorCounter } = {}) {
    const s = { ...EYE_EVENTS_DETECTOR_SETTINGS, ...o.settings };
    if (!(Number.isInteger(s.chunkSteps) && s.chunkSteps >= 1 && s.chunkSteps <= 4096)) throw new RangeError(`chunkSteps must be an integer within 1..4096 (got ${s.chunkSteps})`);
    if (!(Number.isInteger(s.maxBatch) && s.maxBatch >= 1 && s.maxBatch <= 4096)) throw new RangeError(`maxBatch must be an integer within 1..4096 (got ${s.maxBatch})`);
    if (!(s.maxBlinkGapMs > 0 && s.maxBlinkGapMs <= 10_000)) throw new RangeError(`maxBlinkGapMs must be within (0, 10000] ms (got ${s.maxBlinkGapMs})`);
    if (!(s.gapFillMs >= 0 && s.gapFillMs <= s.maxBlinkGapMs)) throw new RangeError(`gapFillMs must be within 0..maxBlinkGapMs (got ${s.gapFillMs})`);
    if (!(s.closedOpenness >= 0 && s.closedOpenness < 1)) throw new RangeError(`closedOpenness must be within [0, 1) (got ${s.closedOpenness})`);
    if (!(Number.isInteger(engine.pastSteps) && engine.pastSteps >= 0 && Number.isInteger(engine.futureSteps) && engine.futureSteps >= 0)) throw new RangeError('the engine must state its past and future context in whole steps');
    this.settings = s;
    this.engine = engine;
    this.errors = o.errors;
    this.windowSteps = engine.pastSteps + s.chunkSteps + engine.futureSteps;
    this.labelLatencyMs = EYE_EVENTS_GRID_MS * (s.chunkSteps + engine.futureSteps);
    this.lookAheadMs = Math.max(this.labelLatencyMs, s.maxBlinkGapMs) + EYE_EVENTS_GRID_MS;
  }

  get pending(): number {
    return this.pushed - this.readCount;
  }

  get rejected(): number {
    return this.refused;
  }

  push(g: GazeColumns): void {
    const s = this.settings;
    for (let i = 0; i < g.n; i++) {
      let st = this.streams[this.streams.length - 1];
      if (!st || st.ended) {
        st = new Stream(s.maxBracketMs, this.engine.pastSteps);
        this.streams.push(st);
      }
      this.pushed++;
      const t = g.t[i]!;
      if (!Number.isFinite(t) || !(t > st.lastT)) {
        this.refused++;
        st.addSample(Math.max(0, st.fs.steps - 1), KIND_REFUSED, -1);
        continue;
      }
      st.lastT = t;
      const x = g.x[i]!;
      const y = g.y[i]!;
      const open = g.openness ? g.openness[i]! : NaN;
      const closed = open <= s.closedOpenness; // false for NaN
      const tracked = !closed && (g.valid ? g.valid[i] !== 0 : true) && Number.isFinite(x) && Number.isFinite(y);
      st.fs.pushOne(t, x, y, tracked ? 1 : 0);
      const step = st.fs.stepOf(t);
      if (tracked) {
        if (st.openGap >= 0) {
          const gi = st.openGap - st.gapBase;
          if (st.gapState[gi] === GAP_OPEN) st.gapState[gi] = GAP_ENDED;
          st.gapDur[gi] = t - st.gapPrevT[gi]!;
          st.openGap = -1;
        }
        st.lastValidT = t;
        st.addSample(step, KIND_OK, -1);
      } else {
        if (st.openGap < 0) {
          st.openGap = st.gapBase + st.gapPrevT.length;
          st.gapPrevT.push(Number.isNaN(st.lastValidT) ? t : st.lastValidT);
          st.gapState.push(GAP_OPEN);
          st.gapDur.push(NaN);
        }
        st.addSample(step, closed ? KIND_CLOSED : KIND_LOST, st.openGap);
      }
      if (st.openGap >= 0) {
        const gi = st.openGap - st.gapBase;
        if (st.gapState[gi] === GAP_OPEN && t - st.gapPrevT[gi]! >= s.maxBlinkGapMs) st.gapState[gi] = GAP_LONG;
      }
    }
  }

  end(): void {
    const st = this.streams[this.streams.length - 1];
    if (!st || st.ended) return;
    st.fs.end();
    st.ended = true;
    if (st.openGap >= 0) {
      const gi = st.openGap - st.gapBase;
      if (st.gapState[gi] === GAP_OPEN) st.gapState[gi] = GAP_UNFINISHED;
      st.openGap = -1;
    }
  }

  settle(): Promise<void> {
    this.chain = this.chain.then(() => this.settleOnce());
    return this.chain;
  }

  read(out: Uint8Array): number {
    let n = 0;
    while (n < out.length && this.outHead < this.outTail) out[n++] = this.out[this.outHead++]!;
    this.readCount += n;
    return n;
  }

  private async settleOnce(): Promise<void> {
    for (const st of this.streams) {
      for (;;) {
        const starts = this.readyChunks(st);
        if (!starts.length) break;
        await this.runChunks(st, starts);
      }
    }
    this.release();
  }

  /** Chunk starts that have their future context (all remaining ones once the stream ended). */
  private readyChunks(st: Stream): number[] {
    const C = this.settings.chunkSteps;
    const have = st.fs.steps;
    const starts: number[] = [];
    for (let s = st.nextChunk + starts.length * C; starts.length < this.settings.maxBatch; s = st.nextChunk + starts.length * C) {
      if (s >= have) break;
      if (!st.ended && s + C + this.engine.futureSteps > have) break;
      starts.push(s);
    }
    return starts;
  }

  private async runChunks(st: Stream, starts: number[]): Promise<void> {
    const C = this.settings.chunkSteps;
    const P = this.engine.pastSteps;
    const W = this.windowSteps;
    const have = st.fs.steps;
    const x = new Float32Array(starts.length * W * EYE_EVENTS_CHANNELS);
    const Ch = EYE_EVENTS_CHANNELS;
    starts.forEach((s, b) => {
      // steps s - P .. s + C + F - 1: those inside the stream are contiguous in the feature buffer
      const from = s - P;
      const a = Math.max(0, from);
      const z = Math.min(have, from + W);
      for (let step = from; step < a; step++) x.set(EYE_EVENTS_PAD, (b * W + step - from) * Ch);
      if (z > a) x.set(st.features.data.subarray(st.features.offset(a), st.features.offset(z)), (b * W + a - from) * Ch);
      for (let step = Math.max(a, z); step < from + W; step++) x.set(EYE_EVENTS_PAD, (b * W + step - from) * Ch);
    });
    let p: Float32Array | null = null;
    try {
      p = await this.engine.run(x, starts.length, W);
    } catch (err) {
      this.failedWindows += starts.length;
      this.errors?.count('AFG_E_EYE_EVENTS_RUN', starts.length);
      if (!this.errors) process.emitWarning(new AfgError('AFG_E_EYE_EVENTS_RUN', `${this.engine.label}: ${(err as Error).message}`).message);
    }
    this.windows += starts.length;
    const last = Math.max(have, st.fs.steps);
    starts.forEach((s, b) => {
      const n = (st.ended ? Math.min(s + C, last) : s + C) - s;
      const at = st.probs.append(this.oldestNeededStep(st), n);
      if (p) st.probs.data.set(p.subarray((b * W + P) * EYE_EVENTS_K, (b * W + P + n) * EYE_EVENTS_K), at);
      else st.probs.data.fill(NaN, at, at + n * EYE_EVENTS_K);
      st.nextChunk = s + C;
    });
  }

  private oldestNeededStep(st: Stream): number {
    return st.sRel < st.sEnd ? st.sStep[st.sRel - st.sBase]! : st.probs.end;
  }

  /** Moves every sample whose label is final, in input order, to the output queue. */
  private release(): void {
    while (this.streams.length) {
      const st = this.streams[0]!;
      while (st.sRel < st.sEnd) {
        const label = this.decide(st, st.sRel - st.sBase);
        if (label < 0) return;
        this.emit(label);
        const g = st.sGap[st.sRel - st.sBase]!;
        if (g - st.gapBase > 256) {
          // gaps before this sample's are no longer needed (samples come in order)
          const drop = g - st.gapBase;
          st.gapPrevT.splice(0, drop);
          st.gapState.splice(0, drop);
          st.gapDur.splice(0, drop);
          st.gapBase = g;
        }
        st.sRel++;
      }
      if (!st.ended || st.nextChunk < st.fs.steps) return;
      this.streams.shift();
    }
  }

  /** The final label of held sample i, or -1 while it cannot be decided yet. */
  private decide(st: Stream, i: number): number {
    const kind = st.sKind[i]!;
    if (kind === KIND_REFUSED) return EventLabel.Undefined;
    if (kind === KIND_CLOSED) return EventLabel.Blink;
    let step = st.sStep[i]!;
    if (st.ended) step = Math.min(step, st.fs.steps - 1);
    if (step >= st.decided) return -1;
    let gapState = GAP_ENDED;
    let gapDur = 0;
    if (kind === KIND_LOST) {
      const gi = st.sGap[i]! - st.gapBase;
      gapState = st.gapState[gi]!;
      if (gapState === GAP_OPEN) return -1;
      gapDur = st.gapDur[gi]!;
    }
    const at = st.probs.offset(step);
    const pr = st.probs.data;
    if (Number.isNaN(pr[at]!)) return kind === KIND_LOST ? EventLabel.TrackLoss : EventLabel.Undefined;
    let best = 0;
    for (let k = 1; k < EYE_EVENTS_K; k++) if (pr[at + k]! > pr[at + best]!) best = k;
    if (kind === KIND_OK) return CLASS_LABELS[best]!;
    if (gapState !== GAP_ENDED) return EventLabel.TrackLoss;
    if (best === C_BLINK && gapDur < this.settings.maxBlinkGapMs) return EventLabel.Blink;
    if (best === C_FIXATION && gapDur <= this.settings.gapFillMs) return EventLabel.Fixation;
    return EventLabel.TrackLoss;
  }

  private emit(label: number): void {
    if (this.outTail === this.out.length) {
      if (this.outHead > 0) {
        this.out.copyWithin(0, this.outHead, this.outTail);
        this.outTail -= this.outHead;
        this.outHead = 0;
      }
      if (this.outTail === this.out.length) {
        const next = new Uint8Array(this.out.length * 2);
        next.set(this.out);
        this.out = next;
      }
    }
    this.out[this.outTail++] = label;
  }
}
