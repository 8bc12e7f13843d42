/**
 * Metrics of a K-class probabilistic classifier, for model cards and manifests.
 *
 * - macro-F1: the unweighted mean of per-class F1 (classes absent from both truth and
 *   prediction are left out of the mean, and reported as null).
 * - ECE: expected calibration error of the top-label confidence over equal-width bins,
 *   sum_b (n_b / n) |acc_b - conf_b| (Guo et al. 2017, "On Calibration of Modern Neural
 *   Networks", ICML; Naeini et al. 2015, AAAI), with the reliability table it comes from.
 * - Brier score: mean over rows of sum_k (p_k - y_k)^2 (Brier 1950, Mon. Weather Rev. 78(1)).
 *
 * @example
 *   const m = classificationMetrics(labels, probs, 4, ['attentive', 'distracted', 'drowsy', 'overloaded']);
 *   m.macroF1; m.ece; m.confusion[true][predicted];
 */
export interface ClassificationMetrics {
  n: number;
  accuracy: number;
  macroF1: number;
  perClass: Record<string, { precision: number | null; recall: number | null; f1: number | null; support: number }>;
  /** rows: true class, columns: predicted class, in `labels` order */
  confusion: number[][];
  ece: number;
  brier: number;
  /** per confidence bin: [lower, upper), rows, mean confidence, accuracy */
  reliability: { from: number; to: number; n: number; confidence: number | null; accuracy: number | null }[];
}

export function classificationMetrics(labels: ArrayLike<number>, probs: ArrayLike<number>, K: number, names: readonly string[], bins = 10): ClassificationMetrics {
  const n = labels.length;
  if (probs.length !== n * K) throw new RangeError(`${probs.length} probabilities for ${n} rows of ${K} classes`);
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const binN = new Array<number>(bins).fill(0);
  const binConf = new Array<number>(bins).fill(0);
  const binHit = new Array<number>(bins).fill(0);
  let correct = 0;
  let brier = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (probs[i * K + k]! > probs[i * K + best]!) best = k;
    const y = labels[i]!;
    confusion[y]![best]!++;
    if (best === y) correct++;
    const conf = probs[i * K + best]!;
    const b = Math.min(bins - 1, Math.floor(conf * bins));
    binN[b]!++;
    binConf[b]! += conf;
    if (best === y) binHit[b]!++;
    for (let k = 0; k < K; k++) brier += (probs[i * K + k]! - (k === y ? 1 : 0)) ** 2;
  }
  const perClass: ClassificationMetrics['perClass'] = {};
  const f1s: number[] = [];
  for (let k = 0; k < K; k++) {
    const tp = confusion[k]![k]!;
    const support = confusion[k]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[k]!, 0);
    const precision = predicted > 0 ? tp / predicted : null;
    const recall = support > 0 ? tp / support : null;
    let f1: number | null = null;
    if (support > 0 || predicted > 0) {
      const p = precision ?? 0;
      const r = recall ?? 0;
      f1 = p + r > 0 ? (2 * p * r) / (p + r) : 0;
      f1s.push(f1);
    }
    perClass[names[k]!] = { precision: r4(precision), recall: r4(recall), f1: r4(f1), support };
  }
  let ece = 0;
  const reliability: ClassificationMetrics['reliability'] = [];
  for (let b = 0; b < bins; b++) {
    const m = binN[b]!;
    if (m > 0) ece += (m / n) * Math.abs(binHit[b]! / m - binConf[b]! / m);
    reliability.push({ from: b / bins, to: (b + 1) / bins, n: m, confidence: m ? r4(binConf[b]! / m) : null, accuracy: m ? r4(binHit[b]! / m) : null });
  }
  return {
    n,
    accuracy: r4(n ? correct / n : 0)!,
    macroF1: r4(f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : 0)!,
    perClass,
    confusion,
    ece: r4(ece)!,
    brier: r4(n ? brier / n : 0)!,
    reliability,
  };
}

function r4(x: number | null): number | null {
  return x === null ? null : Math.round(x * 1e4) / 1e4;
}
