import type { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import type { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';
import { weightValues, type Layer, type Tensor, type Tf, type Weight } from './layer.ts';
import { smallNormal } from './weight-init.ts';

/**
 * Adds a learned vector per time step to [N, T, D] (self-attention alone does not know the order
 * of the steps). ONNX: Add of a [T, D] initializer (broadcast over N).
 *
 * Cost: N x T x D additions.
 *
 * @example
 *   const pos = new PositionEmbedding(tf, rnd, { name: 'pos', steps: 30, dim: 32 });
 */
export class PositionEmbedding implements Layer {
  readonly kind = 'position_embedding';
  readonly name: string;
  readonly steps: number;
  readonly dim: number;
  readonly weights: readonly Weight[];
  private readonly p: Weight;

  constructor(tf: Tf, rnd: SeededRandom, o: { name: string; steps: number; dim: number }) {
    if (!(Number.isInteger(o.steps) && o.steps > 0 && Number.isInteger(o.dim) && o.dim > 0)) throw new RangeError(`position_embedding ${o.name}: steps and dim must be positive integers`);
    this.name = o.name;
    this.steps = o.steps;
    this.dim = o.dim;
    this.p = smallNormal(tf, rnd, `${o.name}.p`, [o.steps, o.dim]);
    this.weights = [this.p];
  }

  apply(tf: Tf, [x]: Tensor[]): Tensor {
    return tf.add(x!, this.p.variable);
  }

  toOnnx(g: OnnxGraphBuilder, [x]: string[]): string {
    return g.node('Add', [x!, g.initializer(this.p.name, weightValues(this.p), this.p.shape)], {}, this.name);
  }

  describe() {
    return { kind: this.kind, steps: this.steps, dim: this.dim };
  }
}
