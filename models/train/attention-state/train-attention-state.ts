import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import { loadScenario } from '../../../firmware-bridge/simulator/scenario.ts';
import { FeatureLayout, type WindowSpec } from '../../../gateway/inference/feature-window.ts';
import { ATTENTION_LABELS, type ModelEntry } from '../../../gateway/inference/model-manifest.ts';
import { classificationMetrics, type ClassificationMetrics } from '../classification-metrics.ts';
import { exportDifference } from '../export-check.ts';
import { trainMinibatches } from '../minibatch-trainer.ts';
import type { Tf } from '../net/layer.ts';
import type { Network } from '../net/network.ts';
import { SILENT, type Progress } from '../progress.ts';
import { fitTemperature } from '../temperature-scaling.ts';
import { loadTf } from '../tfjs-backend.ts';
import { featureMoments, modelInput, simulateWindows, type RawWindows, type SimulationJob } from './attention-dataset.ts';
import { attentionManifestEntry } from './attention-state-entry.ts';
import { attentionStateNetwork } from './attention-state-network.ts';
import type { AttentionStateSettings } from './attention-state-settings.ts';
import { concatWindows, withSensorDropout } from './augmentation.ts';
import { generateScenario, type ScenarioFamily } from './scenario-generator.ts';
import { LABEL_RULES } from './attention-labels.ts';

const K = ATTENTION_LABELS.length;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface SetMetrics extends ClassificationMetrics {
  /** mean |score - target| */
  scoreMae: number;
  byRole: Record<'operator' | 'driver', { n: number; accuracy: number; macroF1: number }>;
  /** what the model said per scripted state (e.g. sensor_loss of the heart only: should stay attentive) */
  byScriptedState: Record<string, { n: number; predicted: Record<string, number> }>;
}

export interface AttentionTrainingResult {
  bytes: Uint8Array;
  entry: Omit<ModelEntry, 'sha256' | 'file'> & Record<string, unknown>;
  metrics: Record<string, SetMetrics>;
  temperature: number;
  exportCheck: Record<string, number>;
  lossHistory: number[];
}

/**
 * The whole attention-state training, deterministic for a settings object (seed included):
 *
 * 1. data: scenarios from the generator (training and calibration from the `mixed` family;
 *    held-out seeds: `mixed` with other seeds, i.e. new individuals and new scripts; held-out
 *    types: the `heldout` family) plus every hand-written scenario file in `dataDir`, each run
 *    through the real pipeline in virtual time (attention-dataset.ts);
 * 2. normalisation from the training windows; an augmented copy with sensor-group dropout, and
 *    noise on present values;
 * 3. training (class-weighted cross-entropy + score regression, Adam);
 * 4. temperature scaling on the calibration set, folded into the logits layer;
 * 5. evaluation of every set (macro-F1, per class, confusion, ECE + reliability, Brier, score
 *    error, per role, per scripted state);
 * 6. ONNX export, verified against tfjs on real onnxruntime (max |diff| <= settings bound), and
 *    the manifest entry with provenance, hyper-parameters and metrics.
 *
 * @example
 *   const r = await trainAttentionState(ATTENTION_STATE_SETTINGS, { dataDir: 'examples/scenarios', progress: progressBar() });
 */
export async function trainAttentionState(s: AttentionStateSettings, o: { dataDir: string; progress?: Progress; command?: string }): Promise<AttentionTrainingResult> {
  const tf = await loadTf();
  const p = o.progress ?? SILENT;
  const base = s.seed * 100;
  const gen = (family: ScenarioFamily, seed: number): SimulationJob => ({ scenario: generateScenario({ family, seed, wearers: s.data.wearersPerScenario, durationS: s.data.durationS }), durationS: s.data.durationS, seed });
  const range = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + i);
  const jobs: Record<string, SimulationJob[]> = {
    train: range(s.data.trainScenarios, base + 1).map((x) => gen('mixed', x)),
    calibration: range(s.data.calibrationScenarios, base + 41).map((x) => gen('mixed', x)),
    'held-out seeds': range(s.data.testSeedScenarios, base + 61).map((x) => gen('mixed', x)),
    'held-out types': range(s.data.testTypeScenarios, base + 81).map((x) => gen('heldout', x)),
    'hand-written scenarios': await exampleJobs(o.dataDir, s),
  };

  // 1. simulate
  const totalS = Object.values(jobs).flat().reduce((a, j) => a + j.durationS, 0);
  p.phase('simulating scenarios', Math.round(totalS), 'simulated s');
  const sets: Record<string, RawWindows> = {};
  for (const [name, js] of Object.entries(jobs)) {
    const every = name === 'train' ? s.sampling.trainEveryMs : s.sampling.evalEveryMs;
    sets[name] = await simulateWindows(name, js, { frames: s.window.frames, strideMs: s.window.strideMs, sampleEveryMs: every, warmupMs: s.sampling.warmupMs, tickMs: s.sampling.tickMs, gazeRateHz: s.sampling.gazeRateHz }, (sec) => p.advance(Math.round(sec)));
  }
  p.done();
  const train = sets['train']!;
  const fingerprint = await dataFingerprint(s, jobs['train']![0]!);

  // 2. normalisation, augmentation, inputs
  const moments = featureMoments(train, s.features);
  const window: WindowSpec = { features: [...s.features], frames: s.window.frames, strideMs: s.window.strideMs, mean: moments.mean, std: moments.std, clip: s.window.clip };
  const layout = new FeatureLayout(window);
  const trainAll = concatWindows('train', [train, withSensorDropout(train, SeededRandom.stream(s.seed, 'dropout'), s.training.dropoutProb)]);
  const xTrain = modelInput(trainAll, layout);
  addNoise(xTrain, layout, SeededRandom.stream(s.seed, 'noise'), s.training.noiseSd);

  // 3. train
  const net = attentionStateNetwork(tf, s.seed, { frames: s.window.frames, channels: layout.channels, ...s.architecture });
  const rowSize = s.window.frames * layout.channels;
  const weights = classWeights(trainAll.label, s.training.classWeightPower);
  const batches = Math.ceil(trainAll.n / s.training.batchSize);
  p.phase('training', s.training.epochs * batches, 'batches');
  const lossHistory = await trainMinibatches({
    tf,
    net,
    n: trainAll.n,
    epochs: s.training.epochs,
    batchSize: s.training.batchSize,
    learningRate: s.training.learningRate,
    rnd: SeededRandom.stream(s.seed, 'shuffle'),
    loss: (rows) => batchLoss(tf, net, xTrain, rowSize, trainAll, weights, rows, s.training.scoreLossWeight),
    onBatch: (e, _b, _n, l) => p.advance(1, { epoch: e + 1, loss: l.toFixed(3) }),
  });
  p.done();

  // 4. calibrate on held-out rows of the training family
  const evalNames = Object.keys(sets).filter((n) => n !== 'train');
  p.phase('evaluating', evalNames.reduce((a, n) => a + sets[n]!.n, 0) * 2, 'rows');
  const calib = sets['calibration']!;
  const calibPred = predict(tf, net, modelInput(calib, layout), calib.n, rowSize, (k) => p.advance(k));
  const temp = fitTemperature(calibPred.logits, calib.label, K);
  foldTemperature(net, temp.temperature);

  // 5. evaluate (after calibration)
  const metrics: Record<string, SetMetrics> = {};
  const inputs: Record<string, Float32Array> = {};
  for (const name of evalNames) {
    const set = sets[name]!;
    inputs[name] = modelInput(set, layout);
    const pred = predict(tf, net, inputs[name]!, set.n, rowSize, (k) => p.advance(k));
    metrics[name] = setMetrics(set, pred);
  }
  p.done();

  // 6. export and verify
  const bytes = net.toOnnx({ producerVersion: s.version, docString: 'afg attention-state: FeatureFrame window -> state probabilities + attention score (see attention-state.md)', metadata: { model: 'attention-state', version: s.version, seed: String(s.seed) } });
  const checkSet = inputs['held-out seeds']!;
  const checkRows = Math.min(s.export.checkRows, sets['held-out seeds']!.n);
  const exportCheck = await exportDifference(tf, net, bytes, checkSet, checkRows);
  for (const [k, d] of Object.entries(exportCheck)) {
    if (!(d <= s.export.maxAbsDiff)) throw new Error(`export check failed: output ${k} differs from tfjs by ${d} (> ${s.export.maxAbsDiff}); the model is not written`);
  }
  for (const w of net.weights()) w.variable.dispose();

  const counts = Object.fromEntries(Object.entries(sets).map(([n, set]) => [n, { windows: set.n, wearers: new Set(set.wearer).size, labels: labelCounts(set.label) }]));
  const entry = attentionManifestEntry({
    net,
    window,
    version: s.version,
    card: 'attention-state.md',
    extra: {
      training: {
        command: o.command ?? `npm run train -- attention-state --seed ${s.seed}`,
        seed: s.seed,
        framework: 'tfjs 4 (wasm backend), exported with onnx-proto (IR 8, opset 17)',
        dataSource: {
          kind: 'synthetic',
          simulator: 'firmware-bridge/simulator (scripted scenarios, seeded individual baselines) through emulated devices, real decoders and the real feature pipeline (gateway/devices/offline-simulation.ts)',
          generator: 'models/train/attention-state/scenario-generator.ts: family mixed (training, calibration, held-out seeds), family heldout (held-out types)',
          handWritten: `${path.relative(ROOT, o.dataDir) || '.'}/*.yaml`,
          labels: { rules: LABEL_RULES, source: 'models/train/attention-state/attention-labels.ts' },
          sets: counts,
        },
        hyperParameters: { window: s.window, sampling: s.sampling, data: s.data, architecture: s.architecture, training: s.training, parameters: net.parameterCount() },
        layers: net.describe(),
        dataFingerprint: fingerprint,
        temperature: temp.temperature,
        calibrationNll: { before: round4(temp.nllBefore), after: round4(temp.nllAfter) },
        lossHistory: lossHistory.map(round4),
      },
      exportCheck: { rows: checkRows, maxAbsDiff: Object.fromEntries(Object.entries(exportCheck).map(([k, v]) => [k, Number(v.toExponential(2))])), bound: s.export.maxAbsDiff },
      metrics,
    },
  });
  return { bytes, entry, metrics, temperature: temp.temperature, exportCheck, lossHistory };
}

/** What the probe of the training data covers: the first training scenario, its first seconds. */
export const FINGERPRINT_PROBE_S = 100;

/**
 * sha256 of the raw windows of a short probe (the first training scenario, first 100 s): a
 * cheap way to tell later whether the simulator or the feature code has changed since the model
 * was trained (test/models/attention-state-training.test.ts recomputes it), in which case the
 * committed model no longer is what `npm run train` would produce.
 */
export async function dataFingerprint(s: AttentionStateSettings, first: SimulationJob): Promise<{ scenarioSeed: number; durationS: number; windows: number; sha256: string }> {
  const probe = await simulateWindows('probe', [{ ...first, durationS: FINGERPRINT_PROBE_S }], { frames: s.window.frames, strideMs: s.window.strideMs, sampleEveryMs: s.sampling.trainEveryMs, warmupMs: s.sampling.warmupMs, tickMs: s.sampling.tickMs, gazeRateHz: s.sampling.gazeRateHz });
  const h = createHash('sha256');
  h.update(new Uint8Array(probe.raw.buffer, probe.raw.byteOffset, probe.raw.byteLength));
  h.update(probe.label);
  return { scenarioSeed: first.seed, durationS: FINGERPRINT_PROBE_S, windows: probe.n, sha256: h.digest('hex') };
}

/** The first training job of a settings object (what the fingerprint probes). */
export function firstTrainingJob(s: AttentionStateSettings): SimulationJob {
  const seed = s.seed * 100 + 1;
  return { scenario: generateScenario({ family: 'mixed', seed, wearers: s.data.wearersPerScenario, durationS: s.data.durationS }), durationS: s.data.durationS, seed };
}

/** The hand-written scenario files of a folder, each simulated whole (up to maxExampleS). */
async function exampleJobs(dir: string, s: AttentionStateSettings): Promise<SimulationJob[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml') || f.endsWith('.json')).sort();
  const out: SimulationJob[] = [];
  for (const f of files) {
    const scenario = await loadScenario(path.join(dir, f));
    const end = Math.max(0, ...scenario.wearers.flatMap((w) => w.segments.map((g) => g.at + g.duration)));
    out.push({ scenario, durationS: Math.min(s.data.maxExampleS, Math.max(120, scenario.loopS ?? 0, end + 30)), seed: 1 });
  }
  return out;
}

function addNoise(x: Float32Array, layout: FeatureLayout, rnd: SeededRandom, sd: number): void {
  const C = layout.channels;
  const F = layout.nFeatures;
  for (let at = 0; at < x.length; at += C) for (let j = 0; j < F; j++) if (x[at + F + j] === 1) x[at + j]! += rnd.normal(0, sd);
}

function classWeights(labels: Uint8Array, power: number): Float32Array {
  const n = labels.length;
  const counts = new Array<number>(K).fill(0);
  for (const l of labels) counts[l]!++;
  const perClass = counts.map((c) => (c > 0 ? (n / (K * c)) ** power : 0));
  let mean = 0;
  for (const l of labels) mean += perClass[l]!;
  mean /= n;
  return Float32Array.from(perClass, (w) => w / mean);
}

function batchLoss(tf: Tf, net: Network, x: Float32Array, rowSize: number, set: RawWindows, classW: Float32Array, rows: Int32Array, scoreWeight: number) {
  const m = rows.length;
  const xb = new Float32Array(m * rowSize);
  const yb = new Float32Array(m * K);
  const wb = new Float32Array(m);
  const sb = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    const r = rows[i]!;
    xb.set(x.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
    yb[i * K + set.label[r]!] = 1;
    wb[i] = classW[set.label[r]!]!;
    sb[i] = set.score[r]!;
  }
  const out = net.forward(tf, tf.tensor(xb, [m, ...net.input.dims]), ['logits']);
  const ce = tf.neg(tf.sum(tf.mul(tf.tensor(yb, [m, K]), tf.logSoftmax(out['logits']!)), -1));
  const weighted = tf.mean(tf.mul(ce, tf.tensor(wb, [m])));
  const mse = tf.mean(tf.square(tf.sub(out['score']!.reshape([m]), tf.tensor(sb, [m]))));
  return tf.add(weighted, tf.mul(mse, scoreWeight)) as ReturnType<typeof tf.scalar>;
}

function predict(tf: Tf, net: Network, x: Float32Array, n: number, rowSize: number, onRows: (k: number) => void): { logits: Float32Array; probs: Float32Array; score: Float32Array } {
  const logits = new Float32Array(n * K);
  const probs = new Float32Array(n * K);
  const score = new Float32Array(n);
  for (let at = 0; at < n; at += 512) {
    const m = Math.min(512, n - at);
    tf.tidy(() => {
      const out = net.forward(tf, tf.tensor(x.subarray(at * rowSize, (at + m) * rowSize), [m, ...net.input.dims]), ['logits']);
      logits.set(out['logits']!.dataSync(), at * K);
      probs.set(out['probs']!.dataSync(), at * K);
      score.set(out['score']!.dataSync(), at);
    });
    onRows(m);
  }
  return { logits, probs, score };
}

/** Divides the logits layer by T (weights and bias): softmax(z / T) from then on, in tfjs and in the export. */
function foldTemperature(net: Network, T: number): void {
  for (const w of net.weights()) {
    if (w.name === 'logits.w' || w.name === 'logits.b') {
      const scaled = w.variable.div(T);
      w.variable.assign(scaled);
      scaled.dispose();
    }
  }
}

function setMetrics(set: RawWindows, pred: { probs: Float32Array; score: Float32Array }): SetMetrics {
  const base = classificationMetrics(set.label, pred.probs, K, ATTENTION_LABELS);
  let mae = 0;
  for (let i = 0; i < set.n; i++) mae += Math.abs(pred.score[i]! - set.score[i]!);
  const byRole = {} as SetMetrics['byRole'];
  for (const role of ['operator', 'driver'] as const) {
    const idx = [...set.driver.keys()].filter((i) => (set.driver[i] === 1) === (role === 'driver'));
    const m = classificationMetrics(idx.map((i) => set.label[i]!), Float32Array.from(idx.flatMap((i) => [...pred.probs.subarray(i * K, (i + 1) * K)])), K, ATTENTION_LABELS);
    byRole[role] = { n: idx.length, accuracy: m.accuracy, macroF1: m.macroF1 };
  }
  const byScriptedState: SetMetrics['byScriptedState'] = {};
  for (let i = 0; i < set.n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (pred.probs[i * K + k]! > pred.probs[i * K + best]!) best = k;
    const e = (byScriptedState[set.truth[i]!] ??= { n: 0, predicted: {} });
    e.n++;
    e.predicted[ATTENTION_LABELS[best]!] = (e.predicted[ATTENTION_LABELS[best]!] ?? 0) + 1;
  }
  return { ...base, scoreMae: round4(set.n ? mae / set.n : 0), byRole, byScriptedState };
}

function labelCounts(labels: Uint8Array): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(ATTENTION_LABELS.map((l) => [l, 0]));
  for (const l of labels) out[ATTENTION_LABELS[l]!]!++;
  return out;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
