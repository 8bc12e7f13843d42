import { FEATURE_NAMES } from '../../gateway/features/feature-names.ts';
import type { WindowSpec } from '../../gateway/inference/feature-window.ts';
import { attentionManifestEntry } from '../../models/train/attention-state/attention-state-entry.ts';
import { attentionStateNetwork } from '../../models/train/attention-state/attention-state-network.ts';
import { writeModelFiles } from '../../models/train/model-files.ts';
import { loadTf } from '../../models/train/tfjs-backend.ts';

export interface TinyModelOptions {
  seed?: number;
  version?: string;
  name?: string;
  features?: readonly string[];
  frames?: number;
  strideMs?: number;
}

/** The window of a tiny test model: all gateway features, 6 steps 100 ms apart, unit normalisation. */
export function tinyWindow(o: TinyModelOptions = {}): WindowSpec {
  const features = o.features ?? FEATURE_NAMES;
  return { features, frames: o.frames ?? 6, strideMs: o.strideMs ?? 100, mean: features.map(() => 0), std: features.map(() => 1), clip: 6 };
}

/**
 * A real, small attention-state model (random weights from a seed; the real architecture at
 * width 8) written with its manifest entry into `dir`, for tests of loading, batching and hot
 * swap against real onnxruntime sessions.
 */
export async function writeTinyAttentionModel(dir: string, o: TinyModelOptions = {}): Promise<{ sha256: string; file: string; bytes: Uint8Array }> {
  const tf = await loadTf();
  const window = tinyWindow(o);
  const net = attentionStateNetwork(tf, o.seed ?? 1, { frames: window.frames, channels: 2 * window.features.length + 1, dim: 8, kernel: 3, heads: 2, hidden: 8 });
  const bytes = net.toOnnx({ producerVersion: 'test' });
  for (const w of net.weights()) w.variable.dispose();
  const r = await writeModelFiles(dir, o.name ?? 'attention-state', bytes, attentionManifestEntry({ net, window, version: o.version ?? '0.0.1-test' }));
  return { sha256: r.sha256, file: r.file, bytes };
}
