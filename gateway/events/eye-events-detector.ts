import { AfgError, type ErrorCounter } from '../core/errors.ts';
import type { AsyncGazeEventDetector } from './async-event-detector.ts';
import { BlinkEvidence } from './blink-evidence.ts';
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
  /** ms, a shorter loss is a tracker dropout, not a lid closure (apd's blinkMinGapMs) */
  blinkMinGapMs: 20,
  /** ms, tracked samples the model calls blink are blink only this close before a loss that is one: lid closing takes ~100 ms (apd's blinkBeforeMs) */
  blinkBeforeMs: 150,
  /** ms, ... or this close after it: reopening is slower, ~200-300 ms (Evinger et al. 1991, Invest Ophthalmol Vis Sci 32:387; apd's blinkAfterMs) */
  blinkAfterMs: 300,
  /** ms, the eyelid artefact at a loss's edge is the gaze speed over this much tracked gaze next to it (Olsen 2012's I-VT velocity window) */
  lidWindowMs: 20,
  /** deg/s, ... at least this fast: no fixation moves so (apd's saccade-onset floor: half of Olsen 2012's 30 deg/s I-VT threshold, NH2010's onset/peak ratio) */
  lidSpeedDegS: 15,
  /** ms, a loss this short inside what the model calls fixation is fixation (I-VT gap fill-in, Olsen 2012, Tobii white paper) */
  gapFillMs: 75,
  /** openness at or below this is a closed eye, a blink whatever the model says (P80: >= 80 % closed) */
  closedOpenness: 0.2,
  /** ms, input samples further apart than this are not interpolated (a gap between them) */
  maxBracketMs: 50,
} as const;

export type EyeEventsDetectorSettings = { -readonly [K in keyof typeof EYE_EVENTS_DETECTOR_SETTINGS]: number };

/**
 * ms after its sample by which every label is final: labelLatencyMs outside tracker gaps; a
 * tracked sample the model calls blink waits for a loss up to blinkBeforeMs later to end (or to
 * reach maxBlinkGapMs) and for the model's view of the sample after it (labelLatencyMs), plus
 * two grid steps of rounding to the nearest step.
 */
export function eyeEventsLookAheadMs(s: Pick<EyeEventsDetectorSettings, 'maxBlinkGapMs' | 'blinkBeforeMs'>, labelLatencyMs: number): number {
  return s.blinkBeforeMs + s.maxBlinkGapMs + labelLatencyMs + 2 * EYE_EVENTS_GRID_MS;
}

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

/** gapLid bits: whether the tracked sample at each edge of a loss is known, and moves as no fixation does */
const LID_BEFORE_KNOWN = 1;
const LID_BEFORE = 2;
const LID_AFTER_KNOWN = 4;
const LID_AFTER = 8;
const LID_KNOWN = LID_BEFORE_KNOWN | LID_AFTER_KNOWN;

/** gap verdicts */
const UNKNOWN = -1;
const NOT_BLINK = 0;
const BLINK = 1;

/** tracked samples remembered for the edge motion before a loss (128 ms at 2000 Hz) */
const RING = 256;

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
  // gaps (runs of lost input samples), by absolute index from gapBase
  gapPrevT: number[] = [];
  gapState: number[] = [];
  gapDur: number[] = [];
  /** grid step of the tracked sample before / after the gap (-1: none, or not yet) */
  gapPrevStep: number[] = [];
  gapNextStep: number[] = [];
  /** LID_* bits */
  gapLid: number[] = [];
  /** 1 once a sample of the gap reported the eye closed / open */
  gapShut: number[] = [];
  gapOpen: number[] = [];
  gapBase = 0;
  openGap = -1;
  lastValidT = NaN;
  lastValidStep = -1;
  /** the last tracked samples (t, x, y), a ring; trackedCount counts them all, runFrom is where the current tracked run began */
  readonly ring = new Float64Array(3 * RING);
  trackedCount = 0;
  runFrom = 0;
  /** the gap whose after-edge motion is being measured (-1: none), from the first tracked sample after it */
  afterGap = -1;
  afterFrom = 0;
  /** grid step where the last released blink loss ended */
  blinkEndStep = -Infinity;

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
 * explicitly, because missing data is not a state of a person and the model, trained where the
 * tracker lost the eye almost only in blinks (Lund 2013), calls any loss a blink:
 * - a lost sample is a blink only where the model says blink AND the loss has the evidence of
 *   blink-evidence.ts (the rule apd uses): blinkMinGapMs..maxBlinkGapMs long with eyelid
 *   artefacts at an edge — the tracked gaze within lidWindowMs of it moving at lidSpeedDegS or
 *   more —, or a closed eye reported (then a blink whatever the model says);
 * - a loss that does not end within maxBlinkGapMs, or is still open when the stream ends, is
 *   track loss throughout; a short loss the model calls fixation is filled as fixation
 *   (gapFillMs); anything else lost is track loss;
 *   A dropout (a loss shorter than blinkMinGapMs) does not end a tracked run for that measure:
 *   trackers break some blinks into losses between single wild samples;
 * - a tracked sample (or dropout) the model calls blink stays blink only within blinkBeforeMs
 *   before or blinkAfterMs after a loss that is a blink (the lid artefacts); elsewhere it gets
 *   the model's most probable other class (a dropout: track loss, or fixation if filled);
 * - a closed eye reported by the device (openness) is a blink.
 *
 * Latency: a label is final gridMs x (chunkSteps + futureSteps) after its sample (158 ms with
 * the defaults and the 1.0.0 model), except in a tracker gap, whose samples wait until it ends
 * (and the model has seen the sample after it) or reaches maxBlinkGapMs, and tracked samples the
 * model calls blink, which wait for a loss within blinkBeforeMs to be judged; `lookAheadMs`
 * bounds both (eyeEventsLookAheadMs: 812 ms with the defaults).
 *
 * Model runs that fail label their windows Undefined and count AFG_E_EYE_EVENTS_RUN; the stream
 * keeps going.
 *
 * Cost: O(1) feature work per grid step; one model window per chunkSteps steps, of
 * chunkSteps + pastSteps + futureSteps steps; O(samples in lidWindowMs) per loss edge and
 * O(samples in blinkBeforeMs) per tracked sample the model calls blink.
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
  private readonly evidence: BlinkEvidence;
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
    if (!(s.blinkMinGapMs >= 0 && s.blinkMinGapMs <= s.maxBlinkGapMs)) throw new RangeError(`blinkMinGapMs must be within 0..maxBlinkGapMs (got ${s.blinkMinGapMs})`);
    if (!(s.blinkBeforeMs >= 0 && s.blinkBeforeMs <= 1000)) throw new RangeError(`blinkBeforeMs must be within 0..1000 ms (got ${s.blinkBeforeMs})`);
    if (!(s.blinkAfterMs >= 0 && s.blinkAfterMs <= 1000)) throw new RangeError(`blinkAfterMs must be within 0..1000 ms (got ${s.blinkAfterMs})`);
    if (!(s.lidWindowMs > 0 && s.lidWindowMs <= 100)) throw new RangeError(`lidWindowMs must be within (0, 100] ms (got ${s.lidWindowMs})`);
    if (!(s.lidSpeedDegS > 0 && s.lidSpeedDegS <= 1000)) throw new RangeError(`lidSpeedDegS must be within (0, 1000] deg/s (got ${s.lidSpeedDegS})`);
    if (!(Number.isInteger(engine.pastSteps) && engine.pastSteps >= 0 && Number.isInteger(engine.futureSteps) && engine.futureSteps >= 0)) throw new RangeError('the engine must state its past and future context in whole steps');
    this.settings = s;
    this.engine = engine;
    this.errors = o.errors;
    this.windowSteps = engine.pastSteps + s.chunkSteps + engine.futureSteps;
    this.labelLatencyMs = EYE_EVENTS_GRID_MS * (s.chunkSteps + engine.futureSteps);
    this.lookAheadMs = eyeEventsLookAheadMs(s, this.labelLatencyMs);
    this.evidence = new BlinkEvidence({ minGapMs: s.blinkMinGapMs, maxGapMs: s.maxBlinkGapMs });
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
          st.gapNextStep[gi] = step;
          st.openGap = -1;
          if (st.gapDur[gi]! < s.blinkMinGapMs && st.gapPrevStep[gi]! >= 0) {
            // a dropout, no lid closure: the tracked run and its edge motion go on across it (SMI
            // breaks a blink into losses between single wild samples)
            st.gapLid[gi] = st.gapLid[gi]! | LID_AFTER_KNOWN;
          } else {
            this.closeAfterEdge(st); // a tracked run shorter than the window: what it has
            st.afterGap = gi + st.gapBase;
            st.afterFrom = st.trackedCount;
            st.runFrom = st.trackedCount;
          }
        }
        const r = 3 * (st.trackedCount++ % RING);
        st.ring[r] = t;
        st.ring[r + 1] = x;
        st.ring[r + 2] = y;
        if (st.afterGap >= 0 && t - st.ring[3 * (st.afterFrom % RING)]! >= s.lidWindowMs) this.closeAfterEdge(st);
        st.lastValidT = t;
        st.lastValidStep = step;
        st.addSample(step, KIND_OK, -1);
      } else {
        if (st.openGap < 0) {
          st.openGap = st.gapBase + st.gapPrevT.length;
          st.gapPrevT.push(Number.isNaN(st.lastValidT) ? t : st.lastValidT);
          st.gapState.push(GAP_OPEN);
          st.gapDur.push(NaN);
          st.gapPrevStep.push(st.lastValidStep);
          st.gapNextStep.push(-1);
          st.gapLid.push(LID_BEFORE_KNOWN | (this.edgeMoves(st, st.runFrom, st.trackedCount - 1, true) ? LID_BEFORE : 0));
          st.gapShut.push(0);
          st.gapOpen.push(0);
        }
        // the run after the last loss ends here if this is more than a dropout
        if (st.afterGap >= 0 && !(t - st.lastValidT < s.blinkMinGapMs)) this.closeAfterEdge(st);
        const gi = st.openGap - st.gapBase;
        if (closed) st.gapShut[gi] = 1;
        else if (open > s.closedOpenness) st.gapOpen[gi] = 1; // the device says the eye is open
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
      st.gapLid[gi] = st.gapLid[gi]! | LID_AFTER_KNOWN;
      st.openGap = -1;
    }
    this.closeAfterEdge(st);
  }

  /** Settles the after-edge motion of the gap being measured, from the tracked samples seen since it. */
  private closeAfterEdge(st: Stream): void {
    if (st.afterGap < 0) return;
    const gi = st.afterGap - st.gapBase;
    st.gapLid[gi] = st.gapLid[gi]! | LID_AFTER_KNOWN | (this.edgeMoves(st, st.afterFrom, st.trackedCount - 1, false) ? LID_AFTER : 0);
    st.afterGap = -1;
  }

  /**
   * Whether the tracked gaze at a loss's edge moves as no fixation does: its speed over the
   * lidWindowMs next to the edge (tracked samples from..to, by count; the edge is `to` before a
   * loss, `from` after one; one sample further where none lies inside) reaches lidSpeedDegS.
   * False with fewer than two samples.
   */
  private edgeMoves(st: Stream, from: number, to: number, edgeIsLast: boolean): boolean {
    from = Math.max(from, st.trackedCount - RING);
    if (to <= from) return false;
    const w = this.settings.lidWindowMs;
    const ring = st.ring;
    const e = 3 * ((edgeIsLast ? to : from) % RING);
    // the sample farthest from the edge within the window
    let o = edgeIsLast ? to : from;
    if (edgeIsLast) while (o > from && ring[e]! - ring[3 * ((o - 1) % RING)]! <= w) o--;
    else while (o < to && ring[3 * ((o + 1) % RING)]! - ring[e]! <= w) o++;
    // a tracker slower than the window: its next sample
    if (o === (edgeIsLast ? to : from)) o += edgeIsLast ? -1 : 1;
    const f = 3 * (o % RING);
    const dt = Math.abs(ring[e]! - ring[f]!);
    if (!(dt > 0)) return false;
    return (Math.hypot(ring[e + 1]! - ring[f + 1]!, ring[e + 2]! - ring[f + 2]!) * 1000) / dt >= this.settings.lidSpeedDegS;
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

  /** The most probable class other than blink at a probability row, -1 where the run failed. */
  private bestNonBlink(pr: Float32Array, at: number): number {
    if (Number.isNaN(pr[at]!)) return -1;
    let best = C_FIXATION;
    for (let k = 1; k < EYE_EVENTS_K; k++) if (k !== C_BLINK && pr[at + k]! > pr[at + best]!) best = k;
    return best;
  }

  /** Whether gap gi (relative to gapBase) is a blink by the evidence rule, or UNKNOWN yet. */
  private gapVerdict(st: Stream, gi: number): number {
    if (st.gapShut[gi]) return BLINK; // the device said the eye was closed: a blink, however long
    const state = st.gapState[gi]!;
    if (state === GAP_OPEN) return UNKNOWN;
    if (state !== GAP_ENDED) return NOT_BLINK; // too long, or never seen to end
    const f = st.gapLid[gi]!;
    if ((f & LID_KNOWN) !== LID_KNOWN) return UNKNOWN;
    const dur = st.gapPrevStep[gi]! < 0 ? NaN : st.gapDur[gi]!; // no tracked edge before: duration unknown
    return this.evidence.isBlink(dur, st.gapShut[gi] === 1, st.gapOpen[gi] === 1, (f & LID_BEFORE) !== 0, (f & LID_AFTER) !== 0) ? BLINK : NOT_BLINK;
  }

  /**
   * For tracked sample i at `step` that the model calls blink: BLINK if a loss that is a blink
   * starts within blinkBeforeMs after it, NOT_BLINK if none does, UNKNOWN while that is not known.
   */
  private blinkLossAhead(st: Stream, i: number, step: number): number {
    const reach = this.settings.blinkBeforeMs / EYE_EVENTS_GRID_MS;
    const n = st.sEnd - st.sBase;
    for (let j = i + 1; j < n; j++) {
      if (st.sStep[j]! - step > reach) return NOT_BLINK;
      const kj = st.sKind[j]!;
      if (kj !== KIND_LOST && kj !== KIND_CLOSED) continue;
      const v = this.gapVerdict(st, st.sGap[j]! - st.gapBase);
      if (v !== NOT_BLINK) return v;
    }
    return st.ended ? NOT_BLINK : UNKNOWN;
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
        if (g >= 0 && (st.sKind[st.sRel - st.sBase] === KIND_CLOSED || this.gapVerdict(st, g - st.gapBase) === BLINK)) {
          const ns = st.gapNextStep[g - st.gapBase]!;
          st.blinkEndStep = ns >= 0 ? ns : st.sStep[st.sRel - st.sBase]!;
        }
        if (g - st.gapBase > 256) {
          // gaps before this sample's are no longer needed (samples come in order; markEdges is past them)
          const drop = g - st.gapBase;
          for (const a of [st.gapPrevT, st.gapState, st.gapDur, st.gapPrevStep, st.gapNextStep, st.gapLid, st.gapShut, st.gapOpen]) a.splice(0, drop);
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
    if (kind === KIND_OK) {
      if (best !== C_BLINK) return CLASS_LABELS[best]!;
      // blink on tracked gaze: only as the lid artefacts of a loss that is a blink, else what the model sees besides
      if (step - st.blinkEndStep <= this.settings.blinkAfterMs / EYE_EVENTS_GRID_MS) return EventLabel.Blink;
      const ahead = this.blinkLossAhead(st, i, st.sStep[i]!);
      if (ahead === UNKNOWN) return -1;
      return ahead === BLINK ? EventLabel.Blink : CLASS_LABELS[this.bestNonBlink(pr, at)]!;
    }
    if (gapState !== GAP_ENDED) return EventLabel.TrackLoss;
    const gi = st.sGap[i]! - st.gapBase;
    const verdict = this.gapVerdict(st, gi);
    if (verdict === UNKNOWN) return -1;
    if (verdict === BLINK && (best === C_BLINK || st.gapShut[gi] === 1)) return EventLabel.Blink;
    if (best === C_BLINK && gapDur < this.settings.blinkMinGapMs) {
      // a dropout the model calls blink: blink as the tracked samples around it are, next to a blink loss
      if (step - st.blinkEndStep <= this.settings.blinkAfterMs / EYE_EVENTS_GRID_MS) return EventLabel.Blink;
      const ahead = this.blinkLossAhead(st, i, st.sStep[i]!);
      if (ahead === UNKNOWN) return -1;
      if (ahead === BLINK) return EventLabel.Blink;
    }
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
