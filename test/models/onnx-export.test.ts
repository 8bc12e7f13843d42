import t from 'tap';
import ort from 'onnxruntime-node';
import { SeededRandom } from '../../firmware-bridge/simulator/seeded-random.ts';
import { attentionStateNetwork } from '../../models/train/attention-state/attention-state-network.ts';
import { Activation } from '../../models/train/net/activation.ts';
import { ConcatLast, Residual } from '../../models/train/net/combine.ts';
import { Conv1d } from '../../models/train/net/conv1d.ts';
import { Dense } from '../../models/train/net/dense.ts';
import type { Tf } from '../../models/train/net/layer.ts';
import { LayerNorm } from '../../models/train/net/layer-norm.ts';
import { Network } from '../../models/train/net/network.ts';
import { PositionEmbedding } from '../../models/train/net/position-embedding.ts';
import { SelfAttention } from '../../models/train/net/self-attention.ts';
import { TimePooling } from '../../models/train/net/time-pooling.ts';
import { loadTf } from '../../models/train/tfjs-backend.ts';

const T = 7;
const C = 5;

/** Runs the network in tfjs and in a real onnxruntime session on the same input; max |difference| per output. */
async function compare(tf: Tf, net: Network, n = 3, seed = 1): Promise<Record<string, number>> {
  const rnd = new SeededRandom(seed);
  const x = new Float32Array(n * net.input.dims.reduce((a, b) => a * b, 1)).map(() => rnd.normal(0, 2));
  const session = await ort.InferenceSession.create(net.toOnnx({ producerVersion: 'test' }));
  try {
    const onnxOut = await session.run({ [net.input.name]: new ort.Tensor('float32', x, [n, ...net.input.dims]) });
    const xt = tf.tensor(x, [n, ...net.input.dims]);
    const tfOut = net.forward(tf, xt);
    const diffs: Record<string, number> = {};
    for (const o of net.outputs) {
      const a = tfOut[o.name]!.dataSync();
      const b = onnxOut[o.name]!.data as Float32Array;
      if (a.length !== b.length) throw new Error(`${o.name}: ${a.length} vs ${b.length} values`);
      let d = 0;
      for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
      diffs[o.name] = d;
      tfOut[o.name]!.dispose();
    }
    xt.dispose();
    return diffs;
  } finally {
    await session.release();
  }
}

function single(name: string, build: (tf: Tf, rnd: SeededRandom, net: Network) => { from: string; dims: number[] }, tf: Tf): Network {
  const net = new Network({ name, input: { name: 'x', dims: [T, C] } });
  const out = build(tf, SeededRandom.stream(3, name), net);
  net.output('y', out.from, out.dims);
  return net;
}

t.test('each layer exports to ONNX computing what tfjs computes (max |diff| <= 1e-5, real onnxruntime)', async (t) => {
  const tf = await loadTf();
  const cases: [string, (tf: Tf, rnd: SeededRandom, net: Network) => { from: string; dims: number[] }][] = [
    ['dense', (tf, rnd, net) => ({ from: net.add(new Dense(tf, rnd, { name: 'd', in: C, out: 4 }), ['x']), dims: [T, 4] })],
    ['conv1d same', (tf, rnd, net) => ({ from: net.add(new Conv1d(tf, rnd, { name: 'c', in: C, out: 6, kernel: 3, padding: 'same' }), ['x']), dims: [T, 6] })],
    ['conv1d causal', (tf, rnd, net) => ({ from: net.add(new Conv1d(tf, rnd, { name: 'c', in: C, out: 6, kernel: 4, padding: 'causal' }), ['x']), dims: [T, 6] })],
    ['layer norm', (tf, _rnd, net) => ({ from: net.add(new LayerNorm(tf, { name: 'ln', dim: C }), ['x']), dims: [T, C] })],
    ['self-attention, 1 head', (tf, rnd, net) => ({ from: net.add(new SelfAttention(tf, rnd, { name: 'a', dim: C, heads: 1 }), ['x']), dims: [T, C] })],
    [
      'self-attention, 2 heads',
      (tf, rnd, net) => {
        net.add(new Dense(tf, rnd, { name: 'up', in: C, out: 8 }), ['x']);
        return { from: net.add(new SelfAttention(tf, rnd, { name: 'a', dim: 8, heads: 2 }), ['up']), dims: [T, 8] };
      },
    ],
    ['position embedding', (tf, rnd, net) => ({ from: net.add(new PositionEmbedding(tf, rnd, { name: 'p', steps: T, dim: C }), ['x']), dims: [T, C] })],
    ['softmax', (_tf, _rnd, net) => ({ from: net.add(new Activation({ name: 's', fn: 'softmax' }), ['x']), dims: [T, C] })],
    ['relu', (_tf, _rnd, net) => ({ from: net.add(new Activation({ name: 'r', fn: 'relu' }), ['x']), dims: [T, C] })],
    ['sigmoid', (_tf, _rnd, net) => ({ from: net.add(new Activation({ name: 'g', fn: 'sigmoid' }), ['x']), dims: [T, C] })],
    ['tanh', (_tf, _rnd, net) => ({ from: net.add(new Activation({ name: 'h', fn: 'tanh' }), ['x']), dims: [T, C] })],
    ['mean over time', (_tf, _rnd, net) => ({ from: net.add(new TimePooling({ name: 'm', mode: 'mean', steps: T }), ['x']), dims: [C] })],
    ['last step', (_tf, _rnd, net) => ({ from: net.add(new TimePooling({ name: 'l', mode: 'last', steps: T }), ['x']), dims: [C] })],
    [
      'residual + concat',
      (_tf, _rnd, net) => {
        net.add(new Residual({ name: 'r' }), ['x', 'x']);
        return { from: net.add(new ConcatLast({ name: 'c' }), ['r', 'x']), dims: [T, 2 * C] };
      },
    ],
  ];
  for (const [name, build] of cases) {
    const net = single(name.replace(/\W+/g, '_'), build, tf);
    const d = await compare(tf, net);
    t.ok(d['y']! <= 1e-5, `${name}: max |tfjs - onnx| = ${d['y']!.toExponential(2)}`);
  }
});

t.test('the attention-state network exports with probabilities and score matching tfjs', async (t) => {
  const tf = await loadTf();
  const net = attentionStateNetwork(tf, 5, { frames: 30, channels: 41, dim: 32, kernel: 5, heads: 2, hidden: 32 });
  const d = await compare(tf, net, 16, 2);
  t.ok(d['probs']! <= 1e-5, `probs: ${d['probs']!.toExponential(2)}`);
  t.ok(d['score']! <= 1e-5, `score: ${d['score']!.toExponential(2)}`);
  const again = attentionStateNetwork(tf, 5, { frames: 30, channels: 41, dim: 32, kernel: 5, heads: 2, hidden: 32 });
  t.same(again.toOnnx({ producerVersion: 'x' }), net.toOnnx({ producerVersion: 'x' }), 'same seed, same bytes');
  t.notSame(attentionStateNetwork(tf, 6, { frames: 30, channels: 41, dim: 32, kernel: 5, heads: 2, hidden: 32 }).toOnnx({ producerVersion: 'x' }), net.toOnnx({ producerVersion: 'x' }), 'another seed, other weights');
});

t.test('a broken export is caught: a transposed conv kernel differs by far more than 1e-5', async (t) => {
  const tf = await loadTf();
  const net = single('bad_conv', (tf, rnd, n) => ({ from: n.add(new Conv1d(tf, rnd, { name: 'c', in: C, out: 6, kernel: 3 }), ['x']), dims: [T, 6] }), tf);
  // reverse the kernel in tfjs only: the ONNX side keeps the original order
  const w = net.weights()[0]!;
  const flipped = tf.reverse(w.variable, 0);
  const orig = w.variable.clone();
  const d0 = await compare(tf, net);
  w.variable.assign(flipped);
  const bytes = net.toOnnx({ producerVersion: 'x' });
  w.variable.assign(orig);
  const session = await ort.InferenceSession.create(bytes);
  const x = new Float32Array(T * C).map((_, i) => Math.sin(i));
  const a = (await session.run({ x: new ort.Tensor('float32', x, [1, T, C]) }))['y']!.data as Float32Array;
  const b = net.forward(tf, tf.tensor(x, [1, T, C]))['y']!.dataSync();
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  await session.release();
  t.ok(d0['y']! <= 1e-5, 'the right weights agree');
  t.ok(d > 1e-3, `the wrong weights do not (max |diff| ${d.toExponential(2)})`);
});
