import type { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import type { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';
import { weightValues, type Layer, type Tensor, type Tf, type Weight } from '../net/layer.ts';
import { constant, glorotUniform } from '../net/weight-init.ts';

/**
 * Dilated temporal convolution over [N, T, C] (channels last) with a chosen number of future
 * taps: kernel K, dilation d, taps at offsets (j - K + 1 + future) * d for j = 0..K-1, so
 * `future` = 0 is causal and `future` = (K - 1) / 2 centred. Zero padding keeps T; a network of
 * these sees sum(future_i * d_i) steps ahead (its look-ahead) and sum((K - 1 - future_i) * d_i)
 * behind. Dilated causal stacks as in WaveNet (van den Oord et al. 2016, arXiv:1609.03499) and
 * TCNs (Bai, Kolter & Koltun 2018, arXiv:1803.01271).
 *
 * tfjs: im2col (pad, K dilated slices, concat, one MatMul), the wasm backend having no conv
 * gradient kernel. ONNX: Transpose to [N, C, T], Conv(dilations [d], pads [left, right]),
 * Transpose back; W_onnx[o][c][k] = W[k][c][o].
 *
 * Cost: N x T x K x in x out multiply-adds.
 *
 * @example
 *   const c = new DilatedConv1d(tf, rnd, { name: 'b3', in: 32, out: 32, kernel: 3, dilation: 4, future: 1 });
 */
export class DilatedConv1d implements Layer {
  readonly kind = 'dilated_conv1d';
  readonly name: string;
  readonly in: number;
  readonly out: number;
  readonly kernel: number;
  readonly dilation: number;
  readonly future: number;
  readonly weights: readonly Weight[];
  /** steps of zero padding before and after the sequence */
  readonly padLeft: number;
  readonly padRight: number;
  private readonly w: Weight;
  private readonly b: Weight;

  constructor(tf: Tf, rnd: SeededRandom, o: { name: string; in: number; out: number; kernel: number; dilation: number; future: number }) {
    if (!(Number.isInteger(o.kernel) && o.kernel >= 1 && o.kernel <= 16)) throw new RangeError(`dilated_conv1d ${o.name}: kernel must be an integer within 1..16`);
    if (!(Number.isInteger(o.dilation) && o.dilation >= 1 && o.dilation <= 512)) throw new RangeError(`dilated_conv1d ${o.name}: dilation must be an integer within 1..512`);
    if (!(Number.isInteger(o.future) && o.future >= 0 && o.future < o.kernel)) throw new RangeError(`dilated_conv1d ${o.name}: future taps must be an integer within 0..kernel-1`);
    if (!(Number.isInteger(o.in) && o.in > 0 && Number.isInteger(o.out) && o.out > 0)) throw new RangeError(`dilated_conv1d ${o.name}: in and out must be positive integers`);
    this.name = o.name;
    this.in = o.in;
    this.out = o.out;
    this.kernel = o.kernel;
    this.dilation = o.dilation;
    this.future = o.future;
    this.padLeft = (o.kernel - 1 - o.future) * o.dilation;
    this.padRight = o.future * o.dilation;
    this.w = glorotUniform(tf, rnd, `${o.name}.w`, [o.kernel, o.in, o.out], o.kernel * o.in, o.kernel * o.out);
    this.b = constant(tf, `${o.name}.b`, [o.out], 0);
    this.weights = [this.w, this.b];
  }

  apply(tf: Tf, [x]: Tensor[]): Tensor {
    const [n, t] = x!.shape as [number, number, number];
    const padded = tf.pad(x!, [[0, 0], [this.padLeft, this.padRight], [0, 0]]);
    const cols: Tensor[] = [];
    for (let k = 0; k < this.kernel; k++) cols.push(tf.slice(padded, [0, k * this.dilation, 0], [n, t, this.in]));
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
    const conv = g.node('Conv', [nct, wName, bName], { kernel_shape: [K], pads: [this.padLeft, this.padRight], strides: [1], dilations: [this.dilation] }, `${this.name}_conv`);
    return g.node('Transpose', [conv], { perm: [0, 2, 1] }, this.name);
  }

  describe() {
    return { kind: this.kind, in: this.in, out: this.out, kernel: this.kernel, dilation: this.dilation, future: this.future };
  }
}
