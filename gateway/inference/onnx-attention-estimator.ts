import type { ErrorCounter } from '../core/errors.ts';
import type { AttentionEstimate, AttentionState, FeatureFrame, Role, WearerId } from '../core/types.ts';
import { hasGazeBasis, sensorLostEstimate, unknownEstimate, validGazeRatio, type AttentionEstimator } from '../estimator/attention-estimator.ts';
import { RuleBasedEstimator } from '../estimator/rule-based-estimator.ts';
import type { AttentionModel } from './attention-model.ts';
import { FeatureHistory } from './feature-window.ts';

/** Where the estimator finds the model to run: swapped by ModelHotSwap between ticks. */
export interface ModelHolder {
  readonly current: AttentionModel;
}

export interface InferenceRunStats {
  /** rows in the batch (wearers with a basis) */
  rows: number;
  /** batch size run (rows, or the whole fleet on GPU providers) */
  batch: number;
  /** duration of the batched run, ms */
  ms: number;
  model: string;
}

/**
 * Settings of the ONNX estimator, with their units and sources.
 */
export const ONNX_ESTIMATOR_SETTINGS = {
  /** share of window slots that must hold valid-gaze frames before the model is asked (ratio); assumed: half the window observed */
  minBasisShare: 0.5,
} as const;

/**
 * Attention estimates from an ONNX attention-state model, all wearers of a tick in one batched
 * run. Before the model: a wearer whose current frame lacks valid gaze gets `sensor_lost` (no
 * probabilities, never a model's guess), and one whose window holds too few observed steps gets
 * `unknown`; neither is sent to the model. Features missing within the window reach the model
 * as 0 with presence 0 (FeatureLayout). A failed run is counted (AFG_E_INFERENCE_RUN) and that
 * tick's estimates come from the rule-based estimator, named as such.
 *
 * Cost per tick: one history push per wearer, O(rows x frames x channels) to fill the input, one
 * session.run; the input buffer is reused across ticks.
 *
 * @example
 *   const est = new OnnxAttentionEstimator({ models: holder, errors });
 *   const estimates = await est.estimateBatch(frames, roles);
 */
export class OnnxAttentionEstimator implements AttentionEstimator {
  private readonly models: ModelHolder;
  private readonly errors: ErrorCounter | undefined;
  private readonly fallback = new RuleBasedEstimator();
  private readonly histories = new Map<WearerId, FeatureHistory>();
  private readonly onRun: ((s: InferenceRunStats) => void) | undefined;
  private readonly onRunError: ((err: Error) => void) | undefined;
  private readonly clock: () => number;
  private historyModel: AttentionModel | null = null;
  private input = new Float32Array(0);
  private rows: number[] = [];
  /** runs that failed and fell back to the rule-based estimator */
  failedRuns = 0;

  constructor(o: { models: ModelHolder; errors?: ErrorCounter; onRun?: (s: InferenceRunStats) => void; onRunError?: (err: Error) => void; clock?: () => number }) {
    if (!o?.models) throw new TypeError('OnnxAttentionEstimator needs a model holder');
    this.models = o.models;
    this.errors = o.errors;
    this.onRun = o.onRun;
    this.onRunError = o.onRunError;
    // duration for metrics only; no decision depends on it
    this.clock = o.clock ?? (() => performance.now());
  }

  get name(): string {
    return this.models.current.label;
  }

  async estimateBatch(frames: readonly FeatureFrame[], roles: readonly Role[]): Promise<AttentionEstimate[]> {
    const model = this.models.current; // one model for the whole tick, even if a swap lands meanwhile
    this.adoptWindow(model);
    const layout = model.layout;
    const T = layout.spec.frames;
    const rowSize = T * layout.channels;
    const out = new Array<AttentionEstimate>(frames.length);
    const rows = this.rows;
    rows.length = 0;
    const minSlots = Math.ceil(ONNX_ESTIMATOR_SETTINGS.minBasisShare * T);
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const ok = hasGazeBasis(f);
      let h = this.histories.get(f.wearer);
      if (!h) {
        h = new FeatureHistory(layout, f.values.length);
        this.histories.set(f.wearer, h);
      }
      h.push(f, ok);
      if (!ok) out[i] = sensorLostEstimate(f, model.label);
      else if (h.basisSlots() < minSlots) out[i] = unknownEstimate(f, model.label);
      else rows.push(i);
    }
    if (rows.length === 0) return out;
    // GPU providers get a constant batch (the whole fleet, missing rows all-missing): TensorRT
    // builds an engine per input shape outside its profile, and a batch that changes with every
    // sensor loss would rebuild engines at run time. The CPU provider runs just the rows.
    const batch = model.provider === 'cpu' ? rows.length : frames.length;
    if (this.input.length < batch * rowSize) this.input = new Float32Array(Math.max(batch, Math.ceil((2 * this.input.length) / rowSize)) * rowSize);
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r]!;
      this.histories.get(frames[i]!.wearer)!.write(layout, roles[i]!, this.input, r * rowSize);
    }
    if (batch > rows.length) this.input.fill(0, rows.length * rowSize, batch * rowSize);
    const t0 = this.clock();
    let res;
    try {
      res = await model.run(this.input, batch);
    } catch (err) {
      this.failedRuns++;
      this.errors?.count('AFG_E_INFERENCE_RUN');
      this.onRunError?.(err as Error);
      for (const i of rows) out[i] = this.fallback.estimate(frames[i]!, roles[i]!);
      return out;
    }
    this.onRun?.({ rows: rows.length, batch, ms: this.clock() - t0, model: model.label });
    const labels = model.entry.output.labels;
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r]!;
      const f = frames[i]!;
      const probs = { attentive: 0, distracted: 0, drowsy: 0, overloaded: 0 } as Record<AttentionState, number>;
      let state: AttentionState = labels[0]!;
      for (let k = 0; k < 4; k++) {
        const p = res.probs[r * 4 + k]!;
        probs[labels[k]!] = p;
        if (p > probs[state]) state = labels[k]!;
      }
      const score = res.score[r]!;
      out[i] = { wearer: f.wearer, t: f.t, probs, score: score < 0 ? 0 : score > 1 ? 1 : score, quality: validGazeRatio(f), state, estimator: model.label };
    }
    return out;
  }

  /** Windows kept for one model serve the next when frames and stride agree; otherwise they start empty. */
  private adoptWindow(model: AttentionModel): void {
    if (this.historyModel === model) return;
    if (this.historyModel && !this.historyModel.layout.sameWindow(model.layout)) this.histories.clear();
    this.historyModel = model;
  }
}
