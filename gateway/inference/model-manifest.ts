import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { AfgError } from '../core/errors.ts';

/**
 * models/manifest.json: one entry per model, keyed by name. The common part says which file,
 * which version, its sha256 and the graph's inputs and outputs; a task-specific part says how the
 * gateway feeds the model (for `attention-state`: the feature names in the order the model was
 * trained on, the window, the normalisation and the label order). Training writes the entry;
 * the gateway refuses a model whose file or graph disagrees with it.
 */
const Dim = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ minLength: 1 })]);
const Tensor = Type.Object({ name: Type.String({ minLength: 1 }), dtype: Type.Literal('float32'), shape: Type.Array(Dim, { minItems: 1, maxItems: 8 }) }, { additionalProperties: false });

export const ATTENTION_LABELS = ['attentive', 'distracted', 'drowsy', 'overloaded'] as const;

const AttentionStateInput = Type.Object(
  {
    /** input tensor name; layout per step: normalised values (F), presence 0/1 (F), role_driver (1) */
    tensor: Type.String({ minLength: 1 }),
    /** FEATURE_NAMES the model was trained on, in its channel order (mapped by name at load) */
    features: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 256 }),
    /** window of frames: `frames` steps, one every `strideMs` (the newest step is the current tick) */
    frames: Type.Integer({ minimum: 1, maximum: 1024 }),
    strideMs: Type.Integer({ minimum: 1, maximum: 60000 }),
    /** per feature: z = clip((v - mean) / std, ±clip); missing values are 0 with presence 0 */
    mean: Type.Array(Type.Number()),
    std: Type.Array(Type.Number({ exclusiveMinimum: 0 })),
    clip: Type.Number({ exclusiveMinimum: 0 }),
  },
  { additionalProperties: false },
);

const AttentionStateOutput = Type.Object(
  {
    /** [batch, labels.length] probabilities in `labels` order */
    probs: Type.String({ minLength: 1 }),
    /** [batch, 1] attention score 0..1 */
    score: Type.String({ minLength: 1 }),
    labels: Type.Array(Type.Union(ATTENTION_LABELS.map((l) => Type.Literal(l))), { minItems: 4, maxItems: 4, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export const ModelEntrySchema = Type.Object(
  {
    task: Type.String({ minLength: 1 }),
    file: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+\\.onnx$' }),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    card: Type.Optional(Type.String()),
    inputs: Type.Array(Tensor, { minItems: 1 }),
    outputs: Type.Array(Tensor, { minItems: 1 }),
    /** task 'attention-state' */
    input: Type.Optional(AttentionStateInput),
    output: Type.Optional(AttentionStateOutput),
  },
  // training provenance, metrics and task-specific blocks of other tasks live beside these
  { additionalProperties: true },
);

export const ManifestSchema = Type.Object(
  {
    schema: Type.Literal(1),
    models: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }), ModelEntrySchema),
  },
  { additionalProperties: true },
);

export type ModelEntry = Static<typeof ModelEntrySchema>;
export type TensorSpec = Static<typeof Tensor>;
export type Manifest = Static<typeof ManifestSchema>;
export type AttentionStateEntry = ModelEntry & { input: Static<typeof AttentionStateInput>; output: Static<typeof AttentionStateOutput> };

const validate = new Ajv({ strict: false, allErrors: false }).compile<Manifest>(ManifestSchema);

export const MANIFEST_FILE = 'manifest.json';

/**
 * Reads and validates `<dir>/manifest.json`. Every problem is AFG_E_MODEL_MANIFEST with the
 * JSON pointer of the bad field.
 *
 * Cost: one file read; called at start and on a hot-swap check.
 *
 * @example
 *   const m = await loadManifest('models');
 *   const e = attentionStateEntry(m, 'attention-state');
 */
export async function loadManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AfgError('AFG_E_MODEL_MANIFEST', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseManifest(text, file);
}

export function parseManifest(text: string, file = MANIFEST_FILE): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AfgError('AFG_E_MODEL_MANIFEST', `${file} is not valid JSON: ${(err as Error).message}`, { path: '/' });
  }
  if (!validate(raw)) {
    const e = validate.errors![0]!;
    const extra = e.keyword === 'additionalProperties' ? `/${(e.params as { additionalProperty: string }).additionalProperty}` : '';
    const at = `${e.instancePath}${extra}` || '/';
    throw new AfgError('AFG_E_MODEL_MANIFEST', `${file} field ${at} ${e.message ?? 'is invalid'}`, { path: at });
  }
  return raw;
}

/** The entry of an attention-state model, checked for the task-specific fields. */
export function attentionStateEntry(m: Manifest, name: string): AttentionStateEntry {
  const e = m.models[name];
  if (!e) throw new AfgError('AFG_E_MODEL_MANIFEST', `manifest has no model '${name}' (it has: ${Object.keys(m.models).join(', ') || 'none'})`, { path: `/models/${name}` });
  const at = `/models/${name}`;
  if (e.task !== 'attention-state') throw new AfgError('AFG_E_MODEL_MANIFEST', `model '${name}' is a '${e.task}' model, not an attention-state model`, { path: `${at}/task` });
  if (!e.input) throw new AfgError('AFG_E_MODEL_MANIFEST', `model '${name}' has no input block`, { path: `${at}/input` });
  if (!e.output) throw new AfgError('AFG_E_MODEL_MANIFEST', `model '${name}' has no output block`, { path: `${at}/output` });
  const F = e.input.features.length;
  if (new Set(e.input.features).size !== F) throw new AfgError('AFG_E_MODEL_MANIFEST', `model '${name}' lists a feature twice`, { path: `${at}/input/features` });
  if (e.input.mean.length !== F) throw new AfgError('AFG_E_MODEL_MANIFEST', `model '${name}': ${e.input.mean.length} means for ${F} features`, { path: `${at}/input/mean` });
  if (e.input.std.length !== F) throw new AfgError('AFG_E_MODEL_MANIFEST', `model '${name}': ${e.input.std.length} standard deviations for ${F} features`, { path: `${at}/input/std` });
  const x = e.inputs.find((i) => i.name === e.input!.tensor);
  if (!x) throw new AfgError('AFG_E_MODEL_MANIFEST', `model '${name}': input.tensor '${e.input.tensor}' is not among its inputs`, { path: `${at}/input/tensor` });
  const want = [e.input.frames, 2 * F + 1];
  if (x.shape.length !== 3 || x.shape[1] !== want[0] || x.shape[2] !== want[1]) {
    throw new AfgError('AFG_E_MODEL_MANIFEST', `model '${name}': input '${x.name}' has shape [${x.shape.join(', ')}], the window needs [batch, ${want.join(', ')}]`, { path: `${at}/inputs` });
  }
  for (const k of ['probs', 'score'] as const) {
    if (!e.outputs.some((o) => o.name === e.output![k])) throw new AfgError('AFG_E_MODEL_MANIFEST', `model '${name}': output.${k} '${e.output[k]}' is not among its outputs`, { path: `${at}/output/${k}` });
  }
  return e as AttentionStateEntry;
}
