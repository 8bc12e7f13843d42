import type ort from 'onnxruntime-node';
import { AfgError } from '../core/errors.ts';
import type { ModelEntry, TensorSpec } from './model-manifest.ts';

/**
 * Compares a loaded session's graph inputs and outputs with the manifest entry: the same names,
 * float32, the same rank, equal fixed dimensions, and symbolic dimensions where the manifest
 * has a name (such as 'batch'). Returns every difference, so that the error says all of what
 * differs at once.
 *
 * @example
 *   const diffs = ioDifferences(session, entry); // [] when they agree
 */
export function ioDifferences(session: Pick<ort.InferenceSession, 'inputMetadata' | 'outputMetadata'>, entry: Pick<ModelEntry, 'inputs' | 'outputs'>): string[] {
  return [...compare('input', session.inputMetadata, entry.inputs), ...compare('output', session.outputMetadata, entry.outputs)];
}

/** Throws AFG_E_MODEL_MISMATCH listing every difference. */
export function checkModelIo(session: Pick<ort.InferenceSession, 'inputMetadata' | 'outputMetadata'>, entry: Pick<ModelEntry, 'inputs' | 'outputs'>, label: string): void {
  const d = ioDifferences(session, entry);
  if (d.length) throw new AfgError('AFG_E_MODEL_MISMATCH', `${label} does not match its manifest entry: ${d.join('; ')}`);
}

function compare(kind: 'input' | 'output', actual: readonly ort.InferenceSession.ValueMetadata[], expected: readonly TensorSpec[]): string[] {
  const out: string[] = [];
  const byName = new Map(actual.map((m) => [m.name, m]));
  for (const e of expected) {
    const m = byName.get(e.name);
    if (!m) {
      out.push(`${kind} '${e.name}' is missing (the model has ${kind}s ${actual.map((a) => `'${a.name}'`).join(', ') || 'none'})`);
      continue;
    }
    if (!m.isTensor) {
      out.push(`${kind} '${e.name}' is not a tensor`);
      continue;
    }
    if (m.type !== e.dtype) out.push(`${kind} '${e.name}' is ${m.type}, the manifest says ${e.dtype}`);
    const shape = m.shape;
    if (shape.length !== e.shape.length) {
      out.push(`${kind} '${e.name}' has shape [${shape.join(', ')}], the manifest says [${e.shape.join(', ')}]`);
      continue;
    }
    e.shape.forEach((d, i) => {
      const a = shape[i];
      if (typeof d === 'number' ? a !== d : typeof a === 'number') out.push(`${kind} '${e.name}' dimension ${i} is ${a}, the manifest says ${d}`);
    });
  }
  for (const a of actual) if (!expected.some((e) => e.name === a.name)) out.push(`${kind} '${a.name}' is not in the manifest`);
  return out;
}
