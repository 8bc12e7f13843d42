import type { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import type { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';
import { weightValues, type Layer, type Tensor, type Tf, type Weight } from './layer.ts';
import { constant, glorotUniform } from './weight-init.ts';

/**
 * Fully connected layer on the last axis: y = x W + b, for [N, in] or [N, T, in] inputs.
 * ONNX: MatMul (broadcasting over the leading axes) + Add.
 *
 * Cost: N (x T) x in x out multiply-adds.
 *
 * @example
 *   const d = new Dense(tf, rnd, { name: 'head', in: 32, out: 4 });
 */
export class Dense implements Layer {
  readonly kind = 'dense';
  readonly name: string;
  readonly in: number;
  readonly out: number;
  readonly weights: readonly Weight[];
  private readonly w: Weight;
  private readonly b: Weight;

  constructor(tf: Tf, rnd: SeededRandom, o: { name: string; in: number; out: number }) {
    if (!(Number.isInteger(o.in) && o.in > 0 && Number.isInteger(o.out) && o.out > 0)) throw new RangeError(`dense ${o.name}: in and out must be positive integers`);
    this.name = o.name;
    this.in = o.in;
    this.out = o.out;
    this.w = glorotUniform(tf, rnd, `${o.name}.w`, [o.in, o.out], o.in, o.out);
    this.b = constant(tf, `${o.name}.b`, [o.out], 0);
    this.weights = [this.w, this.b];
  }

  apply(tf: Tf, [x]: Tensor[]): Tensor {
    const shape = x!.shape;
    const flat = x!.reshape([-1, this.in]);
    const y = tf.add(tf.matMul(flat, this.w.variable), this.b.variable);
    return y.reshape([...shape.slice(0, -1), this.out]);
  }

  toOnnx(g: OnnxGraphBuilder, [x]: string[]): string {
    const w = g.initializer(this.w.name, weightValues(this.w), this.w.shape);
    const b = g.initializer(this.b.name, weightValues(this.b), this.b.shape);
    return g.node('Add', [g.node('MatMul', [x!, w], {}, `${this.name}_mm`), b], {}, this.name);
  }

  describe() {
    return { kind: this.kind, in: this.in, out: this.out };
  }
}
