import ort from 'onnxruntime-node';
import type { Tf } from './net/layer.ts';
import type { Network } from './net/network.ts';

/**
 * Verifies an exported model against tfjs: the same input rows through a real onnxruntime
 * session and through the network's tfjs forward pass; returns the largest absolute difference
 * per output. The training CLI refuses to write a model whose difference exceeds the bound.
 *
 * @example
 *   const d = await exportDifference(tf, net, bytes, x, rows);  // { probs: 2e-7, score: 1e-7 }
 */
export async function exportDifference(tf: Tf, net: Network, onnxBytes: Uint8Array, x: Float32Array, rows: number): Promise<Record<string, number>> {
  const per = net.input.dims.reduce((a, b) => a * b, 1);
  const session = await ort.InferenceSession.create(onnxBytes, { executionProviders: ['cpu'] });
  try {
    const input = x.subarray(0, rows * per);
    const onnxOut = await session.run({ [net.input.name]: new ort.Tensor('float32', input, [rows, ...net.input.dims]) });
    const out: Record<string, number> = {};
    tf.tidy(() => {
      const y = net.forward(tf, tf.tensor(input, [rows, ...net.input.dims]));
      for (const o of net.outputs) {
        const a = y[o.name]!.dataSync();
        const b = onnxOut[o.name]!.data as Float32Array;
        let d = a.length === b.length ? 0 : Infinity;
        for (let i = 0; i < a.length && d !== Infinity; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
        out[o.name] = d;
      }
    });
    return out;
  } finally {
    await session.release();
  }
}
