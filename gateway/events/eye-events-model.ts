import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import ort from 'onnxruntime-node';
import { AfgError } from '../core/errors.ts';
import { createSessionWithFallback, type ExecutionProviderName, type ProviderAttempt, type ProviderOptions } from '../inference/execution-providers.ts';
import { checkModelIo } from '../inference/model-io-check.ts';
import { loadManifest, type Manifest, type ModelEntry } from '../inference/model-manifest.ts';
import { EYE_EVENTS_CHANNELS, EYE_EVENTS_FEATURES, EYE_EVENTS_GRID_MS } from './eye-events-features.ts';
import { EventLabel } from './event-labels.ts';

/** The model's output classes, in its output order, with the label each stands for. */
export const EYE_EVENTS_CLASSES = [
  { name: 'fixation', label: EventLabel.Fixation },
  { name: 'saccade', label: EventLabel.Saccade },
  { name: 'pso', label: EventLabel.Pso },
  { name: 'pursuit', label: EventLabel.Pursuit },
  { name: 'blink', label: EventLabel.Blink },
  { name: 'undefined', label: EventLabel.Undefined },
] as const;
export const EYE_EVENTS_K = EYE_EVENTS_CLASSES.length;

export const EYE_EVENTS_MODEL_NAME = 'eye-events';

/** This installation's models/ folder (the default model directory). */
export const DEFAULT_MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models');

/**
 * The task-specific block of an eye-events manifest entry (`eyeEvents`): how the detector feeds
 * the graph and reads it. The detector refuses a model whose features, grid or classes are not
 * exactly this code's.
 */
const EyeEventsBlockSchema = Type.Object(
  {
    /** graph input [batch, time, features.length] and output [batch, time, classes.length] */
    tensor: Type.String({ minLength: 1 }),
    output: Type.String({ minLength: 1 }),
    gridMs: Type.Number({ exclusiveMinimum: 0 }),
    features: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 256 }),
    classes: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 16 }),
    /** grid steps of context an output step depends on, before and after it */
    pastSteps: Type.Integer({ minimum: 0, maximum: 100000 }),
    futureSteps: Type.Integer({ minimum: 0, maximum: 100000 }),
  },
  { additionalProperties: true },
);
export type EyeEventsBlock = Static<typeof EyeEventsBlockSchema>;
export type EyeEventsEntry = ModelEntry & { eyeEvents: EyeEventsBlock };

const validateBlock = new Ajv({ strict: false }).compile<EyeEventsBlock>(EyeEventsBlockSchema);

/** The entry of an eye-events model, checked against this code (features, grid, classes, tensors). */
export function eyeEventsEntry(m: Manifest, name: string = EYE_EVENTS_MODEL_NAME): EyeEventsEntry {
  const e = m.models[name] as (ModelEntry & { eyeEvents?: unknown }) | undefined;
  const at = `/models/${name}`;
  if (!e) throw new AfgError('AFG_E_MODEL_MANIFEST', `manifest has no model '${name}' (it has: ${Object.keys(m.models).join(', ') || 'none'})`, { path: at });
  if (e.task !== 'eye-events') throw new AfgError('AFG_E_MODEL_MANIFEST', `model '${name}' is a '${e.task}' model, not an eye-events model`, { path: `${at}/task` });
  if (!validateBlock(e.eyeEvents)) {
    const err = validateBlock.errors?.[0];
    throw new AfgError('AFG_E_MODEL_MANIFEST', `model '${name}': eyeEvents${err?.instancePath ?? ''} ${err?.message ?? 'is missing'}`, { path: `${at}/eyeEvents${err?.instancePath ?? ''}` });
  }
  const b = e.eyeEvents;
  const label = `model '${name}'`;
  if (b.gridMs !== EYE_EVENTS_GRID_MS) throw new AfgError('AFG_E_MODEL_MISMATCH', `${label} was trained on a ${b.gridMs} ms grid, this gateway computes a ${EYE_EVENTS_GRID_MS} ms grid`);
  const want = EYE_EVENTS_FEATURES.join(',');
  if (b.features.join(',') !== want) throw new AfgError('AFG_E_MODEL_MISMATCH', `${label} was trained on features [${b.features.join(', ')}], this gateway computes [${EYE_EVENTS_FEATURES.join(', ')}]`);
  const classes = EYE_EVENTS_CLASSES.map((c) => c.name).join(',');
  if (b.classes.join(',') !== classes) throw new AfgError('AFG_E_MODEL_MISMATCH', `${label} has classes [${b.classes.join(', ')}], this gateway reads [${classes.replaceAll(',', ', ')}]`);
  const x = e.inputs.find((i) => i.name === b.tensor);
  if (!x || x.shape.length !== 3 || x.shape[2] !== EYE_EVENTS_CHANNELS) throw new AfgError('AFG_E_MODEL_MANIFEST', `${label}: input '${b.tensor}' must be [batch, time, ${EYE_EVENTS_CHANNELS}]`, { path: `${at}/inputs` });
  const y = e.outputs.find((o) => o.name === b.output);
  if (!y || y.shape.length !== 3 || y.shape[2] !== EYE_EVENTS_K) throw new AfgError('AFG_E_MODEL_MANIFEST', `${label}: output '${b.output}' must be [batch, time, ${EYE_EVENTS_K}]`, { path: `${at}/outputs` });
  return e as EyeEventsEntry;
}

export interface EyeEventsModelSource {
  /** folder with manifest.json and the .onnx files; default this installation's models/ */
  dir?: string;
  name?: string;
  /** default ['cpu'] */
  providers?: readonly ExecutionProviderName[];
  options?: ProviderOptions;
}

/**
 * A loaded eye-events model: manifest entry, verified file hash, an onnxruntime session on the
 * first execution provider that works (gateway/inference's fallback), and `run` over windows of
 * feature steps. `load` refuses a model whose file, hash, graph or features disagree with its
 * manifest entry, each with its own code and what differs.
 *
 * Cost: load = file read + sha256 + session creation + one warm-up run; run = one session.run.
 *
 * @example
 *   const m = await EyeEventsModel.load({ providers: ['cpu'] });
 *   const probs = await m.run(x, windows, steps); // x: windows x steps x channels
 */
export class EyeEventsModel {
  readonly name: string;
  readonly entry: EyeEventsEntry;
  readonly file: string;
  readonly sha256: string;
  readonly provider: ExecutionProviderName;
  readonly attempts: readonly ProviderAttempt[];
  /** 'eye-events/1.0.0' */
  readonly label: string;
  readonly pastSteps: number;
  readonly futureSteps: number;
  private readonly session: ort.InferenceSession;
  private released = false;

  private constructor(o: { name: string; entry: EyeEventsEntry; file: string; sha256: string; session: ort.InferenceSession; provider: ExecutionProviderName; attempts: ProviderAttempt[] }) {
    this.name = o.name;
    this.entry = o.entry;
    this.file = o.file;
    this.sha256 = o.sha256;
    this.session = o.session;
    this.provider = o.provider;
    this.attempts = o.attempts;
    this.label = `${o.name}/${o.entry.version}`;
    this.pastSteps = o.entry.eyeEvents.pastSteps;
    this.futureSteps = o.entry.eyeEvents.futureSteps;
  }

  static async load(src: EyeEventsModelSource = {}, manifest?: Manifest): Promise<EyeEventsModel> {
    const dir = src.dir ?? DEFAULT_MODEL_DIR;
    const name = src.name ?? EYE_EVENTS_MODEL_NAME;
    const m = manifest ?? (await loadManifest(dir));
    const entry = eyeEventsEntry(m, name);
    const file = path.resolve(dir, entry.file);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new AfgError('AFG_E_MODEL_LOAD', `model '${name}': cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    return EyeEventsModel.fromBytes(bytes, entry, { name, file, providers: src.providers ?? ['cpu'], ...(src.options ? { options: src.options } : {}) });
  }

  /** A model from bytes and its entry (training evaluates a fresh model this way, before writing it). */
  static async fromBytes(bytes: Uint8Array, entry: EyeEventsEntry, o: { name?: string; file?: string; providers?: readonly ExecutionProviderName[]; options?: ProviderOptions; checkHash?: boolean } = {}): Promise<EyeEventsModel> {
    const name = o.name ?? EYE_EVENTS_MODEL_NAME;
    const label = `model '${name}' (${entry.file})`;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (o.checkHash !== false && sha256 !== entry.sha256) {
      throw new AfgError('AFG_E_MODEL_HASH', `${label}: ${o.file ?? entry.file} has sha256 ${sha256}, the manifest entry records ${entry.sha256} (a different or partly written file; retrain or copy the manifest with the model)`);
    }
    const { session, provider, attempts } = await createSessionWithFallback(bytes, o.providers ?? ['cpu'], { ...(o.options ? { options: o.options } : {}), label });
    const model = new EyeEventsModel({ name, entry, file: o.file ?? entry.file, sha256, session, provider, attempts });
    try {
      checkModelIo(session, entry, label);
      await model.warmUp();
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
    return model;
  }

  /** Class probabilities [windows, steps, K] of windows [windows, steps, channels]. */
  async run(x: Float32Array, windows: number, steps: number): Promise<Float32Array> {
    if (this.released) throw new AfgError('AFG_E_EYE_EVENTS_RUN', `${this.label} was released`);
    const b = this.entry.eyeEvents;
    const r = await this.session.run({ [b.tensor]: new ort.Tensor('float32', x.subarray(0, windows * steps * EYE_EVENTS_CHANNELS), [windows, steps, EYE_EVENTS_CHANNELS]) });
    const p = r[b.output]!;
    if (p.size !== windows * steps * EYE_EVENTS_K) throw new AfgError('AFG_E_EYE_EVENTS_RUN', `${this.label} returned ${p.size} probabilities for ${windows} x ${steps} steps`);
    return p.data as Float32Array;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }

  /** One all-lost window through the graph: loads kernels, checks the outputs are probabilities. */
  private async warmUp(): Promise<void> {
    const steps = this.pastSteps + this.futureSteps + 1;
    const x = new Float32Array(steps * EYE_EVENTS_CHANNELS);
    for (let s = 0; s < steps; s++) x[s * EYE_EVENTS_CHANNELS] = 1;
    let p: Float32Array;
    try {
      p = await this.run(x, 1, steps);
    } catch (err) {
      throw new AfgError('AFG_E_MODEL_MISMATCH', `${this.label}: warm-up run failed: ${(err as Error).message}`, { cause: err });
    }
    for (let s = 0; s < steps; s++) {
      let sum = 0;
      for (let k = 0; k < EYE_EVENTS_K; k++) {
        const v = p[s * EYE_EVENTS_K + k]!;
        if (!(v >= 0 && v <= 1)) throw new AfgError('AFG_E_MODEL_MISMATCH', `${this.label}: warm-up gave probability ${v}, not within 0..1`);
        sum += v;
      }
      if (Math.abs(sum - 1) > 1e-3) throw new AfgError('AFG_E_MODEL_MISMATCH', `${this.label}: warm-up probabilities sum to ${sum}, not 1`);
    }
  }
}
