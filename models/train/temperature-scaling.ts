/**
 * Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks", ICML): the
 * one number T that, dividing the logits, minimises the negative log-likelihood on held-out
 * rows. It changes confidence, never the predicted class. Found by a fixed grid then a finer
 * grid around the best (deterministic, no optimiser state).
 *
 * Cost: O(grid x rows x K).
 *
 * @example
 *   const T = fitTemperature(logits, labels, 4); // then logits / T
 */
export function fitTemperature(logits: ArrayLike<number>, labels: ArrayLike<number>, K: number): { temperature: number; nllBefore: number; nllAfter: number } {
  const nll = (T: number) => {
    let s = 0;
    const n = labels.length;
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let k = 0; k < K; k++) m = Math.max(m, logits[i * K + k]! / T);
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(logits[i * K + k]! / T - m);
      s += -(logits[i * K + labels[i]!]! / T - m - Math.log(z));
    }
    return s / Math.max(1, n);
  };
  let best = 1;
  let bestNll = nll(1);
  for (let T = 0.25; T <= 5.0001; T += 0.05) {
    const v = nll(T);
    if (v < bestNll - 1e-12) {
      best = T;
      bestNll = v;
    }
  }
  const coarse = best;
  for (let T = coarse - 0.05; T <= coarse + 0.05 + 1e-9; T += 0.005) {
    if (T <= 0) continue;
    const v = nll(T);
    if (v < bestNll - 1e-12) {
      best = T;
      bestNll = v;
    }
  }
  return { temperature: Math.round(best * 1000) / 1000, nllBefore: nll(1), nllAfter: bestNll };
}
