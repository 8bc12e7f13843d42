import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { AfgError } from '../core/errors.ts';
import { createSessionWithFallback, type ExecutionProviderName, type ProviderAttempt, type ProviderOptions } from './execution-providers.ts';
import { FeatureLayout } from './feature-window.ts';
import { checkModelIo } from './model-io-check.ts';
import { attentionStateEntry, loadManifest, type AttentionStateEntry, type Manifest } from './model-manifest.ts';

export interface AttentionModelSource {
  /** folder holding manifest.json and the .onnx files */
  dir: string;
  /** the model's name in the manifest */
  name: string;
  providers: readonly ExecutionProviderName[];
  options?: ProviderOptions;
  /** batch sizes run once at load (warm-up and an output check); default [1, 8] */
  warmupBatches?: readonly number[];
}

export interface ModelRunOutput {
  /** [n, 4] in the manifest's label order */
  probs: Float32Array;
  /** [n] */
  score: Float32Array;
}

/**
 * One loaded attention-state model: manifest entry, file hash, an onnxruntime session on the
 * first execution provider that works, the feature layout, and a batched `run`. `load` refuses
 * (and releases the session of) a model whose file, hash, graph inputs/outputs or features do
 * not match its manifest entry, each with its own code and what differs.
 *
 * Cost: load = file read + sha256 + session creation + warm-up runs; run = one session.run.
 *
 * @example
 *   const m = await AttentionModel.load({ dir: 'models', name: 'attention-state', providers: ['cuda', 'cpu'] });
 *   const { probs, score } = await m.run(input, n); // input: n x frames x channels
 */
export class AttentionModel {
  readonly name: string;
  readonly entry: AttentionStateEntry;
  readonly file: string;
  readonly sha256: string;
  readonly provider: ExecutionProviderName;
  readonly attempts: readonly ProviderAttempt[];
  readonly layout: FeatureLayout;
  /** 'attention-state/1.0.0': what estimates carry as their estimator */
  readonly label: string;
  private readonly session: ort.InferenceSession;
  private readonly rowSize: number;
  private inFlight = 0;
  private released = false;
  private drained: (() => void) | null = null;

  private constructor(o: { name: string; entry: AttentionStateEntry; file: string; sha256: string; session: ort.InferenceSession; provider: ExecutionProviderName; attempts: ProviderAttempt[]; layout: FeatureLayout }) {
    this.name = o.name;
    this.entry = o.entry;
    this.file = o.file;
    this.sha256 = o.sha256;
    this.session = o.session;
    this.provider = o.provider;
    this.attempts = o.attempts;
    this.layout = o.layout;
    this.label = `${o.name}/${o.entry.version}`;
    this.rowSize = o.entry.input.frames * o.layout.channels;
  }

  static async load(src: AttentionModelSource, manifest?: Manifest): Promise<AttentionModel> {
    const m = manifest ?? (await loadManifest(src.dir));
    const entry = attentionStateEntry(m, src.name);
    const label = `model '${src.name}' (${entry.file})`;
    const layout = new FeatureLayout(entry.input); // AFG_E_MODEL_MISMATCH for features the gateway lacks
    const file = path.resolve(src.dir, entry.file);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new AfgError('AFG_E_MODEL_LOAD', `${label}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== entry.sha256) {
      throw new AfgError('AFG_E_MODEL_HASH', `${label}: ${file} has sha256 ${sha256}, the manifest entry records ${entry.sha256} (a different or partly written file; retrain or copy the manifest with the model)`);
    }
    const { session, provider, attempts } = await createSessionWithFallback(bytes, src.providers, { ...(src.options ? { options: src.options } : {}), label });
    const model = new AttentionModel({ name: src.name, entry, file, sha256, session, provider, attempts, layout });
    try {
      checkModelIo(session, entry, label);
      for (const n of src.warmupBatches ?? [1, 8]) await model.warmUp(n);
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
    return model;
  }

  /** Runs n rows (input holds at least n x frames x channels values) as one batch. */
  async run(input: Float32Array, n: number): Promise<ModelRunOutput> {
    if (this.released) throw new AfgError('AFG_E_INFERENCE_RUN', `${this.label} was released`);
    const e = this.entry;
    const x = new ort.Tensor('float32', input.subarray(0, n * this.rowSize), [n, e.input.frames, this.layout.channels]);
    this.inFlight++;
    try {
      const r = await this.session.run({ [e.input.tensor]: x });
      const probs = r[e.output.probs]!;
      const score = r[e.output.score]!;
      if (probs.size !== n * 4 || score.size !== n) throw new AfgError('AFG_E_INFERENCE_RUN', `${this.label} returned ${probs.size} probabilities and ${score.size} scores for ${n} rows`);
      return { probs: probs.data as Float32Array, score: score.data as Float32Array };
    } finally {
      this.inFlight--;
      if (this.inFlight === 0 && this.drained) this.drained();
    }
  }

  /** Frees the session once runs in flight have finished; later runs fail. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.session.release();
  }

  /** An all-missing window through the graph: loads kernels, and checks the outputs are probabilities. */
  private async warmUp(n: number): Promise<void> {
    const input = new Float32Array(n * this.rowSize);
    for (let r = 0; r < n; r++) for (let s = 0; s < this.entry.input.frames; s++) input[(r * this.entry.input.frames + s + 1) * this.layout.channels - 1] = r % 2;
    let out: ModelRunOutput;
    try {
      out = await this.run(input, n);
    } catch (err) {
      if (err instanceof AfgError) throw new AfgError('AFG_E_MODEL_MISMATCH', `${this.label}: warm-up run: ${err.message}`, { cause: err });
      throw new AfgError('AFG_E_MODEL_LOAD', `${this.label}: warm-up run failed: ${(err as Error).message}`, { cause: err });
    }
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let k = 0; k < 4; k++) {
        const p = out.probs[r * 4 + k]!;
        if (!(p >= 0 && p <= 1)) throw new AfgError('AFG_E_MODEL_MISMATCH', `${this.label}: warm-up gave probability ${p}, not within 0..1`);
        sum += p;
      }
      if (Math.abs(sum - 1) > 1e-3) throw new AfgError('AFG_E_MODEL_MISMATCH', `${this.label}: warm-up probabilities sum to ${sum}, not 1`);
      const s = out.score[r]!;
      if (!(s >= 0 && s <= 1)) throw new AfgError('AFG_E_MODEL_MISMATCH', `${this.label}: warm-up gave score ${s}, not within 0..1`);
    }
  }
}
