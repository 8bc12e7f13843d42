import type { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import type { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';
import { Dense } from './dense.ts';
import type { Layer, Tensor, Tf, Weight } from './layer.ts';

/**
 * Multi-head scaled dot-product self-attention over time, [N, T, D] -> [N, T, D]: Vaswani et al.
 * 2017, "Attention Is All You Need", NeurIPS (softmax(Q K^T / sqrt(d_head)) V per head, then an
 * output projection). No mask: every step may attend to every other step of the window.
 * ONNX: MatMul/Add projections, Reshape + Transpose into heads, MatMul, Mul, Softmax(axis -1),
 * MatMul, Transpose + Reshape back, MatMul/Add.
 *
 * Cost: 4 N T D^2 (projections) + 2 N T^2 D (attention) multiply-adds.
 *
 * @example
 *   const att = new SelfAttention(tf, rnd, { name: 'att', dim: 32, heads: 2 });
 */
export class SelfAttention implements Layer {
  readonly kind = 'self_attention';
  readonly name: string;
  readonly dim: number;
  readonly heads: number;
  readonly weights: readonly Weight[];
  private readonly q: Dense;
  private readonly k: Dense;
  private readonly v: Dense;
  private readonly o: Dense;
  private readonly dHead: number;

  constructor(tf: Tf, rnd: SeededRandom, o: { name: string; dim: number; heads: number }) {
    if (!(Number.isInteger(o.heads) && o.heads >= 1 && Number.isInteger(o.dim) && o.dim % o.heads === 0)) throw new RangeError(`self_attention ${o.name}: dim must be a positive multiple of heads`);
    this.name = o.name;
    this.dim = o.dim;
    this.heads = o.heads;
    this.dHead = o.dim / o.heads;
    this.q = new Dense(tf, rnd, { name: `${o.name}.q`, in: o.dim, out: o.dim });
    this.k = new Dense(tf, rnd, { name: `${o.name}.k`, in: o.dim, out: o.dim });
    this.v = new Dense(tf, rnd, { name: `${o.name}.v`, in: o.dim, out: o.dim });
    this.o = new Dense(tf, rnd, { name: `${o.name}.o`, in: o.dim, out: o.dim });
    this.weights = [...this.q.weights, ...this.k.weights, ...this.v.weights, ...this.o.weights];
  }

  apply(tf: Tf, [x]: Tensor[]): Tensor {
    const [n, t] = x!.shape as [number, number, number];
    const split = (y: Tensor) => tf.transpose(y.reshape([n, t, this.heads, this.dHead]), [0, 2, 1, 3]);
    const q = split(this.q.apply(tf, [x!]));
    const k = split(this.k.apply(tf, [x!]));
    const v = split(this.v.apply(tf, [x!]));
    const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(this.dHead));
    const ctx = tf.matMul(tf.softmax(scores, -1), v);
    const merged = tf.transpose(ctx, [0, 2, 1, 3]).reshape([n, t, this.dim]);
    return this.o.apply(tf, [merged]);
  }

  toOnnx(g: OnnxGraphBuilder, [x]: string[]): string {
    const headsShape = g.int64(`${this.name}.heads_shape`, [0, 0, this.heads, this.dHead]);
    const mergedShape = g.int64(`${this.name}.merged_shape`, [0, 0, this.dim]);
    const split = (y: string, tag: string) => g.node('Transpose', [g.node('Reshape', [y, headsShape], {}, `${this.name}_${tag}_r`)], { perm: [0, 2, 1, 3] }, `${this.name}_${tag}_h`);
    const q = split(this.q.toOnnx(g, [x!]), 'q');
    const k = split(this.k.toOnnx(g, [x!]), 'k');
    const v = split(this.v.toOnnx(g, [x!]), 'v');
    const kT = g.node('Transpose', [k], { perm: [0, 1, 3, 2] }, `${this.name}_kT`);
    const scale = g.initializer(`${this.name}.scale`, [1 / Math.sqrt(this.dHead)], []);
    const scores = g.node('Mul', [g.node('MatMul', [q, kT], {}, `${this.name}_qk`), scale], {}, `${this.name}_scores`);
    const weights = g.node('Softmax', [scores], { axis: -1 }, `${this.name}_softmax`);
    const ctx = g.node('MatMul', [weights, v], {}, `${this.name}_ctx`);
    const merged = g.node('Reshape', [g.node('Transpose', [ctx], { perm: [0, 2, 1, 3] }, `${this.name}_ctx_t`), mergedShape], {}, `${this.name}_merged`);
    return this.o.toOnnx(g, [merged]);
  }

  describe() {
    return { kind: this.kind, dim: this.dim, heads: this.heads };
  }
}
