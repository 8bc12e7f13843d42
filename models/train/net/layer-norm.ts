import type { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';
import { weightValues, type Layer, type Tensor, type Tf, type Weight } from './layer.ts';
import { constant } from './weight-init.ts';

/**
 * Layer normalisation over the last axis with a learned scale and shift: Ba, Kiros & Hinton
 * 2016, "Layer Normalization", arXiv:1607.06450. ONNX: LayerNormalization (opset 17), axis -1.
 *
 * Cost: a few passes over the input.
 *
 * @example
 *   const ln = new LayerNorm(tf, { name: 'ln1', dim: 32 });
 */
export class LayerNorm implements Layer {
  readonly kind = 'layer_norm';
  readonly name: string;
  readonly dim: number;
  readonly epsilon: number;
  readonly weights: readonly Weight[];
  private readonly gamma: Weight;
  private readonly beta: Weight;

  constructor(tf: Tf, o: { name: string; dim: number; epsilon?: number }) {
    if (!(Number.isInteger(o.dim) && o.dim > 0)) throw new RangeError(`layer_norm ${o.name}: dim must be a positive integer`);
    this.name = o.name;
    this.dim = o.dim;
    this.epsilon = o.epsilon ?? 1e-5;
    if (!(this.epsilon > 0 && this.epsilon < 1)) throw new RangeError(`layer_norm ${o.name}: epsilon must be within (0, 1)`);
    this.gamma = constant(tf, `${o.name}.gamma`, [o.dim], 1);
    this.beta = constant(tf, `${o.name}.beta`, [o.dim], 0);
    this.weights = [this.gamma, this.beta];
  }

  apply(tf: Tf, [x]: Tensor[]): Tensor {
    const { mean, variance } = tf.moments(x!, -1, true);
    const z = tf.div(tf.sub(x!, mean), tf.sqrt(tf.add(variance, this.epsilon)));
    return tf.add(tf.mul(z, this.gamma.variable), this.beta.variable);
  }

  toOnnx(g: OnnxGraphBuilder, [x]: string[]): string {
    const gamma = g.initializer(this.gamma.name, weightValues(this.gamma), [this.dim]);
    const beta = g.initializer(this.beta.name, weightValues(this.beta), [this.dim]);
    return g.node('LayerNormalization', [x!, gamma, beta], { axis: -1, epsilon: { float: this.epsilon } }, this.name);
  }

  describe() {
    return { kind: this.kind, dim: this.dim, epsilon: this.epsilon };
  }
}
