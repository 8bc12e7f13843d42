import type * as tfType from '@tensorflow/tfjs';
import type { SeededRandom } from '../../firmware-bridge/simulator/seeded-random.ts';
import type { Tensor, Tf } from './net/layer.ts';
import type { Network } from './net/network.ts';

export interface MinibatchOptions {
  tf: Tf;
  net: Network;
  /** number of training rows */
  n: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** shuffles the rows each epoch (seeded, so the order is reproducible) */
  rnd: SeededRandom;
  /** the loss of one batch of row indices, built from tensors it creates (disposed by the trainer) */
  loss: (rows: Int32Array) => tfType.Scalar;
  /** after each batch: epoch (0-based), batch index, batches per epoch, batch loss */
  onBatch?: (epoch: number, batch: number, batches: number, loss: number) => void;
  /** after each epoch, with its mean training loss */
  onEpoch?: (epoch: number, meanLoss: number) => void;
}

/**
 * Mini-batch training with Adam (Kingma & Ba 2015, ICLR) over a network's weights: each epoch
 * shuffles the rows with the seeded stream (Fisher-Yates), splits them into batches and takes
 * one optimiser step per batch. Nothing random comes from tfjs, so the same seed, data and
 * backend give the same weights.
 *
 * Cost: epochs x (forward + backward) over n rows.
 *
 * @example
 *   await trainMinibatches({ tf, net, n, epochs: 10, batchSize: 128, learningRate: 3e-3, rnd, loss: (rows) => ... });
 */
export async function trainMinibatches(o: MinibatchOptions): Promise<number[]> {
  const { tf, net } = o;
  const vars = net.weights().map((w) => w.variable);
  const optimizer = tf.train.adam(o.learningRate);
  const order = new Int32Array(o.n).map((_, i) => i);
  const batches = Math.ceil(o.n / o.batchSize);
  const history: number[] = [];
  try {
    for (let e = 0; e < o.epochs; e++) {
      for (let i = o.n - 1; i > 0; i--) {
        const j = Math.floor(o.rnd.uniform() * (i + 1));
        const tmp = order[i]!;
        order[i] = order[j]!;
        order[j] = tmp;
      }
      let sum = 0;
      for (let b = 0; b < batches; b++) {
        const rows = order.subarray(b * o.batchSize, Math.min(o.n, (b + 1) * o.batchSize));
        const lossT = optimizer.minimize(() => o.loss(rows), true, vars) as Tensor;
        const l = (await lossT.data())[0]!;
        lossT.dispose();
        sum += l * rows.length;
        o.onBatch?.(e, b, batches, l);
      }
      history.push(sum / o.n);
      o.onEpoch?.(e, sum / o.n);
    }
  } finally {
    optimizer.dispose();
  }
  return history;
}
