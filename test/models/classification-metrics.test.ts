import t from 'tap';
import { classificationMetrics } from '../../models/train/classification-metrics.ts';
import { fitTemperature } from '../../models/train/temperature-scaling.ts';
import { SeededRandom } from '../../firmware-bridge/simulator/seeded-random.ts';

t.test('macro-F1, per class and the confusion matrix from a known case', async (t) => {
  // truth:      a a a a b b c c
  // predicted:  a a a b b a c c   (one-hot probabilities)
  const labels = [0, 0, 0, 0, 1, 1, 2, 2];
  const pred = [0, 0, 0, 1, 1, 0, 2, 2];
  const probs = pred.flatMap((p) => [0, 1, 2].map((k) => (k === p ? 1 : 0)));
  const m = classificationMetrics(labels, probs, 3, ['a', 'b', 'c']);
  t.same(m.confusion, [[3, 1, 0], [1, 1, 0], [0, 0, 2]]);
  t.equal(m.accuracy, 0.75);
  t.equal(m.perClass['a']!.precision, 0.75);
  t.equal(m.perClass['a']!.recall, 0.75);
  t.equal(m.perClass['b']!.f1, 0.5);
  t.equal(m.perClass['c']!.f1, 1);
  t.equal(m.macroF1, Math.round(((0.75 + 0.5 + 1) / 3) * 1e4) / 1e4);
  t.equal(m.ece, 0.25, 'confidence 1 everywhere, accuracy 0.75: ECE 0.25');
  t.equal(m.brier, 0.5, 'two wrong rows of 8, each (1 + 1) / 8');
});

t.test('a class absent from truth and predictions is not in the macro mean; calibrated confidences give ECE near 0', async (t) => {
  const m = classificationMetrics([0, 1], [0.9, 0.1, 0, 0.2, 0.8, 0], 3, ['a', 'b', 'c']);
  t.equal(m.perClass['c']!.f1, null);
  t.equal(m.macroF1, 1);
  const rnd = new SeededRandom(3);
  const labels: number[] = [];
  const probs: number[] = [];
  for (let i = 0; i < 20000; i++) {
    const conf = 0.5 + 0.5 * rnd.uniform();
    const right = rnd.uniform() < conf;
    labels.push(right ? 0 : 1);
    probs.push(conf, 1 - conf);
  }
  const c = classificationMetrics(labels, probs, 2, ['a', 'b']);
  t.ok(c.ece < 0.02, `ECE of calibrated scores ${c.ece}`);
  t.equal(c.reliability.length, 10);
});

t.test('temperature scaling recovers the temperature that generated over-confident logits', async (t) => {
  const rnd = new SeededRandom(5);
  const K = 4;
  const logits: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const z = Array.from({ length: K }, () => rnd.normal(0, 1.5));
    const p = z.map((v) => Math.exp(v));
    const s = p.reduce((a, b) => a + b, 0);
    let u = rnd.uniform() * s;
    let y = 0;
    while (u > p[y]!) u -= p[y++]!;
    labels.push(Math.min(y, K - 1));
    logits.push(...z.map((v) => v * 2)); // a model twice as confident as the truth
  }
  const r = fitTemperature(logits, labels, K);
  t.ok(Math.abs(r.temperature - 2) < 0.15, `T = ${r.temperature}`);
  t.ok(r.nllAfter < r.nllBefore);
});
