import type { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';
import type { Layer, Tensor, Tf } from './layer.ts';

export type ActivationKind = 'relu' | 'sigmoid' | 'tanh' | 'softmax';

const ONNX_OP: Record<ActivationKind, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softmax: 'Softmax' };

/**
 * An element-wise activation, or softmax over the last axis. ONNX: Relu / Sigmoid / Tanh /
 * Softmax(axis -1, opset 13+ semantics: over that axis alone).
 *
 * Cost: one pass over the input.
 *
 * @example
 *   const probs = new Activation({ name: 'probs', fn: 'softmax' });
 */
export class Activation implements Layer {
  readonly kind = 'activation';
  readonly name: string;
  readonly fn: ActivationKind;
  readonly weights = [] as const;

  constructor(o: { name: string; fn: ActivationKind }) {
    if (!(o.fn in ONNX_OP)) throw new RangeError(`activation ${o.name}: unknown function '${o.fn}'`);
    this.name = o.name;
    this.fn = o.fn;
  }

  apply(tf: Tf, [x]: Tensor[]): Tensor {
    switch (this.fn) {
      case 'relu':
        return tf.relu(x!);
      case 'sigmoid':
        return tf.sigmoid(x!);
      case 'tanh':
        return tf.tanh(x!);
      case 'softmax':
        return tf.softmax(x!, -1);
    }
  }

  toOnnx(g: OnnxGraphBuilder, [x]: string[]): string {
    return g.node(ONNX_OP[this.fn], [x!], this.fn === 'softmax' ? { axis: -1 } : {}, this.name);
  }

  describe() {
    return { kind: this.kind, fn: this.fn };
  }
}
