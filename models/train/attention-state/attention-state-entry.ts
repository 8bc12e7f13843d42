import { ATTENTION_LABELS, type ModelEntry } from '../../../gateway/inference/model-manifest.ts';
import type { WindowSpec } from '../../../gateway/inference/feature-window.ts';
import type { Network } from '../net/network.ts';

/**
 * The manifest entry of an attention-state network (everything but file and sha256, which
 * writeModelFiles adds): graph inputs/outputs, the window and normalisation the gateway must
 * reproduce, the label order, and whatever provenance the caller adds (training, metrics).
 *
 * @example
 *   const entry = attentionManifestEntry({ net, window, version: '1.0.0', extra: { training } });
 */
export function attentionManifestEntry(o: { net: Network; window: WindowSpec; version: string; card?: string; extra?: Record<string, unknown> }): Omit<ModelEntry, 'sha256' | 'file'> & Record<string, unknown> {
  const w = o.window;
  return {
    task: 'attention-state',
    version: o.version,
    ...(o.card ? { card: o.card } : {}),
    inputs: [{ name: o.net.input.name, dtype: 'float32', shape: ['batch', ...o.net.input.dims] }],
    outputs: o.net.outputs.map((x) => ({ name: x.name, dtype: 'float32' as const, shape: ['batch', ...x.dims] })),
    input: {
      tensor: o.net.input.name,
      features: [...w.features],
      frames: w.frames,
      strideMs: w.strideMs,
      mean: [...w.mean],
      std: [...w.std],
      clip: w.clip,
    },
    output: { probs: 'probs', score: 'score', labels: [...ATTENTION_LABELS] },
    ...o.extra,
  };
}
