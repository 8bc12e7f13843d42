import type { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import type { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';
import { weightValues, type Layer, type Tensor, type Tf, type Weight } from './layer.ts';
import { constant, glorotUniform } from './weight-init.ts';

/**
 * Temporal convolution over [N, T, C] (channels last), stride 1, 'same' (centred) or 'causal'
 * (only past and present steps) zero padding; output [N, T, out].
 *
 * tfjs: written as im2col (pad, K shifted slices, concat, one MatMul), because the wasm backend
 * has no gradient kernel for conv (Conv2DBackpropFilter). ONNX: Transpose to [N, C, T], Conv
 * with weights [out, in, K], Transpose back; the weights are the same numbers rearranged
 * (W_onnx[o][c][k] = W[k][c][o]).
 *
 * Cost: N x T x K x in x out multiply-adds.
 *
 * @example
 *   const c = new Conv1d(tf, rnd, { name: 'tcn1', in: 16, out: 16, kernel: 5, padding: 'causal' });
 */
export class Conv1d implements Layer {
  readonly kind = 'conv1d';
  readonly name: string;
  readonly in: number;
  readonly out: number;
  readonly kernel: number;
  readonly padding: 'same' | 'causal';
  readonly weights: readonly Weight[];
  private readonly w: Weight;
  private readonly b: Weight;
  private readonly padLeft: number;
  private readonly padRight: number;

  constructor(tf: Tf, rnd: SeededRandom, o: { name: string; in: number; out: number; kernel: number; padding?: 'same' | 'causal' }) {
    if (!(Number.isInteger(o.kernel) && o.kernel >= 1 && o.kernel <= 64)) throw new RangeError(`conv1d ${o.name}: kernel must be an integer within 1..64`);
    if (!(Number.isInteger(o.in) && o.in > 0 && Number.isInteger(o.out) && o.out > 0)) throw new RangeError(`conv1d ${o.name}: in and out must be positive integers`);
    this.name = o.name;
    this.in = o.in;
    this.out = o.out;
    this.kernel = o.kernel;
    this.padding = o.padding ?? 'same';
    if (this.padding === 'same' && o.kernel % 2 === 0) throw new RangeError(`conv1d ${o.name}: 'same' padding needs an odd kernel`);
    this.padLeft = this.padding === 'causal' ? o.kernel - 1 : (o.kernel - 1) / 2;
    this.padRight = o.kernel - 1 - this.padLeft;
    this.w = glorotUniform(tf, rnd, `${o.name}.w`, [o.kernel, o.in, o.out], o.kernel * o.in, o.kernel * o.out);
    this.b = constant(tf, `${o.name}.b`, [o.out], 0);
    this.weights = [this.w, this.b];
  }

  apply(tf: Tf, [x]: Tensor[]): Tensor {
    const [n, t] = x!.shape as [number, number, number];
    const padded = tf.pad(x!, [[0, 0], [this.padLeft, this.padRight], [0, 0]]);
    const cols: Tensor[] = [];
    for (let k = 0; k < this.kernel; k++) cols.push(tf.slice(padded, [0, k, 0], [n, t, this.in]));
    const unfolded = (this.kernel === 1 ? cols[0]! : tf.concat(cols, 2)).reshape([-1, this.kernel * this.in]);
    const y = tf.add(tf.matMul(unfolded, this.w.variable.reshape([this.kernel * this.in, this.out])), this.b.variable);
    return y.reshape([n, t, this.out]);
  }

  toOnnx(g: OnnxGraphBuilder, [x]: string[]): string {
    const src = weightValues(this.w);
    const K = this.kernel;
    const C = this.in;
    const O = this.out;
    const w = new Float32Array(O * C * K);
    for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) w[(o * C + c) * K + k] = src[(k * C + c) * O + o]!;
    const wName = g.initializer(this.w.name, w, [O, C, K]);
    const bName = g.initializer(this.b.name, weightValues(this.b), [O]);
    const nct = g.node('Transpose', [x!], { perm: [0, 2, 1] }, `${this.name}_nct`);
    const conv = g.node('Conv', [nct, wName, bName], { kernel_shape: [K], pads: [this.padLeft, this.padRight], strides: [1], dilations: [1] }, `${this.name}_conv`);
    return g.node('Transpose', [conv], { perm: [0, 2, 1] }, this.name);
  }

  describe() {
    return { kind: this.kind, in: this.in, out: this.out, kernel: this.kernel, padding: this.padding };
  }
}
