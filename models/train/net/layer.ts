import type * as tfType from '@tensorflow/tfjs';
import type { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';

export type Tf = typeof tfType;
export type Tensor = tfType.Tensor;

/** One trainable weight of a layer: its name (unique in the network), shape and tfjs variable. */
export interface Weight {
  name: string;
  shape: number[];
  variable: tfType.Variable;
}

/**
 * A layer of a small network that trains in tfjs and exports to ONNX: `apply` is the tfjs
 * forward pass (differentiable with the ops the wasm backend has gradients for), `toOnnx` adds
 * the same computation as ONNX nodes with the current weights as initializers. The two must
 * compute the same function; test/models/onnx-export.test.ts checks each layer against a real
 * onnxruntime session.
 */
export interface Layer {
  readonly name: string;
  readonly kind: string;
  readonly weights: readonly Weight[];
  apply(tf: Tf, inputs: Tensor[]): Tensor;
  toOnnx(g: OnnxGraphBuilder, inputs: string[]): string;
  /** hyper-parameters as recorded in the manifest */
  describe(): Record<string, number | string>;
}

/** The weights' current values, as a copy (for export). */
export function weightValues(w: Weight): Float32Array {
  return w.variable.dataSync() as Float32Array;
}
