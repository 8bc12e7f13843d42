import type { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import type { Tf, Weight } from './layer.ts';

/**
 * Weight initialisation from a seeded stream (never tf.random*, whose state is global), so a
 * network built with the same seed starts from the same bits on every run. tfjs variable names
 * are global too, so a weight's name lives in Weight.name and the tfjs variable is unnamed.
 *
 * Glorot/Xavier uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)), Glorot & Bengio 2010,
 * AISTATS, "Understanding the difficulty of training deep feedforward neural networks".
 */
export function glorotUniform(tf: Tf, rnd: SeededRandom, name: string, shape: number[], fanIn: number, fanOut: number): Weight {
  const n = shape.reduce((a, b) => a * b, 1);
  const a = Math.sqrt(6 / (fanIn + fanOut));
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rnd.range(-a, a);
  return { name, shape, variable: tf.variable(tf.tensor(v, shape), true) };
}

export function constant(tf: Tf, name: string, shape: number[], value: number): Weight {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, shape, variable: tf.variable(tf.tensor(new Float32Array(n).fill(value), shape), true) };
}

/** Small normal values (sd 0.02), for embeddings. */
export function smallNormal(tf: Tf, rnd: SeededRandom, name: string, shape: number[], sd = 0.02): Weight {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rnd.normal(0, sd);
  return { name, shape, variable: tf.variable(tf.tensor(v, shape), true) };
}
