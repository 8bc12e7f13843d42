import { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import { Activation } from '../net/activation.ts';
import { ConcatLast, Residual } from '../net/combine.ts';
import { Conv1d } from '../net/conv1d.ts';
import { Dense } from '../net/dense.ts';
import type { Tf } from '../net/layer.ts';
import { LayerNorm } from '../net/layer-norm.ts';
import { Network } from '../net/network.ts';
import { PositionEmbedding } from '../net/position-embedding.ts';
import { SelfAttention } from '../net/self-attention.ts';
import { TimePooling } from '../net/time-pooling.ts';

export interface AttentionStateArchitecture {
  /** window steps */
  frames: number;
  /** input channels per step (2 x features + 1) */
  channels: number;
  /** width of the hidden representation */
  dim: number;
  /** temporal convolution kernel (steps) */
  kernel: number;
  heads: number;
  hidden: number;
}

export const DEFAULT_ARCHITECTURE: Omit<AttentionStateArchitecture, 'frames' | 'channels'> = { dim: 32, kernel: 5, heads: 2, hidden: 32 };

/**
 * The attention-state network: per-step embedding, a causal temporal convolution with a residual
 * connection, a self-attention block over the window (learned positions, residual, layer norm),
 * mean and last-step pooling, a hidden layer, and two heads: softmax probabilities of the four
 * states and a sigmoid attention score.
 *
 *   x [N, T, C] -> dense+relu -> conv1d(causal)+relu (+) -> LN -> +pos -> self-attention (+) -> LN
 *     -> [mean over T ; last step] -> dense+relu -> { dense -> softmax = probs [N, 4],
 *                                                     dense -> sigmoid = score [N, 1] }
 *
 * Weights start from a seeded stream (the same seed gives the same network).
 *
 * @example
 *   const net = attentionStateNetwork(tf, 7, { frames: 30, channels: 41, ...DEFAULT_ARCHITECTURE });
 */
export function attentionStateNetwork(tf: Tf, seed: number, a: AttentionStateArchitecture): Network {
  const rnd = SeededRandom.stream(seed, 'attention-state-weights');
  const net = new Network({ name: 'attention_state', input: { name: 'x', dims: [a.frames, a.channels] } });
  net.add(new Dense(tf, rnd, { name: 'embed', in: a.channels, out: a.dim }), ['x']);
  net.add(new Activation({ name: 'embed_relu', fn: 'relu' }), ['embed']);
  net.add(new Conv1d(tf, rnd, { name: 'tcn', in: a.dim, out: a.dim, kernel: a.kernel, padding: 'causal' }), ['embed_relu']);
  net.add(new Activation({ name: 'tcn_relu', fn: 'relu' }), ['tcn']);
  net.add(new Residual({ name: 'tcn_res' }), ['tcn_relu', 'embed_relu']);
  net.add(new LayerNorm(tf, { name: 'ln1', dim: a.dim }), ['tcn_res']);
  net.add(new PositionEmbedding(tf, rnd, { name: 'pos', steps: a.frames, dim: a.dim }), ['ln1']);
  net.add(new SelfAttention(tf, rnd, { name: 'att', dim: a.dim, heads: a.heads }), ['pos']);
  net.add(new Residual({ name: 'att_res' }), ['att', 'pos']);
  net.add(new LayerNorm(tf, { name: 'ln2', dim: a.dim }), ['att_res']);
  net.add(new TimePooling({ name: 'pool_mean', mode: 'mean', steps: a.frames }), ['ln2']);
  net.add(new TimePooling({ name: 'pool_last', mode: 'last', steps: a.frames }), ['ln2']);
  net.add(new ConcatLast({ name: 'pooled' }), ['pool_mean', 'pool_last']);
  net.add(new Dense(tf, rnd, { name: 'hidden', in: 2 * a.dim, out: a.hidden }), ['pooled']);
  net.add(new Activation({ name: 'hidden_relu', fn: 'relu' }), ['hidden']);
  net.add(new Dense(tf, rnd, { name: 'logits', in: a.hidden, out: 4 }), ['hidden_relu']);
  net.add(new Activation({ name: 'probs', fn: 'softmax' }), ['logits']);
  net.add(new Dense(tf, rnd, { name: 'score_logit', in: a.hidden, out: 1 }), ['hidden_relu']);
  net.add(new Activation({ name: 'score', fn: 'sigmoid' }), ['score_logit']);
  net.output('probs', 'probs', [4]);
  net.output('score', 'score', [1]);
  return net;
}
