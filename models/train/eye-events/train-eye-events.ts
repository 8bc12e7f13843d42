import { mkdtemp, rm } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import os from 'node:os';
import path from 'node:path';
import { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import { EYE_EVENTS_DETECTOR_SETTINGS, eyeEventsLookAheadMs } from '../../../gateway/events/eye-events-detector.ts';
import { EYE_EVENTS_CHANNELS, EYE_EVENTS_FEATURES, EYE_EVENTS_GRID_MS, EYE_EVENTS_PAD } from '../../../gateway/events/eye-events-features.ts';
import { EYE_EVENTS_CLASSES, EYE_EVENTS_K } from '../../../gateway/events/eye-events-model.ts';
import { runEventsEval, type EvalReport } from '../../../gateway/events/events-cli.ts';
import type { ModelEntry } from '../../../gateway/inference/model-manifest.ts';
import { writeModelFiles } from '../model-files.ts';
import type { Tensor, Tf } from '../net/layer.ts';
import { SILENT, type Progress } from '../progress.ts';
import { loadTf } from '../tfjs-backend.ts';
import { EyeEventsNetwork } from './eye-events-network.ts';
import type { EyeEventsSettings } from './eye-events-settings.ts';
import { gridSequence, type GridSequence } from './grid-sequences.ts';
import { CORRECTIONS_FOLDER, loadLund2013, splitByParticipant, STIMULUS_TYPES, type LundRecording, type StimulusType } from './lund-dataset.ts';

/** Kappa per event type (detector vs MN, vs RA, vs both stacked), one stimulus type pooled. */
export type KappaTable = Record<string, Record<string, number | null>>;

export interface EyeEventsMetrics {
  /** held-out recordings: stimulus type -> detector -> kappa table */
  heldOut: Record<StimulusType, Record<string, KappaTable>>;
  /** the training recordings (in-sample for eye-events), same layout, for reference */
  training: Record<StimulusType, Record<string, KappaTable>>;
  /** stimulus type -> recordings and samples evaluated */
  sets: Record<'heldOut' | 'training', Record<StimulusType, { recordings: string[]; samples: number }>>;
}

export interface EyeEventsTrainingResult {
  bytes: Uint8Array;
  entry: Omit<ModelEntry, 'sha256' | 'file'> & Record<string, unknown>;
  metrics: EyeEventsMetrics;
  exportCheck: number;
  lossHistory: number[];
  lookAheadMs: number;
  labelLatencyMs: number;
  parameters: number;
}

export const COMPARED_DETECTORS = ['eye-events', 'apd', 'ivt'] as const;

/**
 * The whole eye-events training, deterministic for a settings object and data folder:
 *
 * 1. data: the Lund 2013 recordings (img with the Zemblys 2018 correction, dots), split by
 *    participant into training and held-out (settings.heldOutParticipants, fixed);
 * 2. each training recording through the detector's own feature code onto the 2 ms grid (plus
 *    thinned copies as slower trackers), soft targets from both coders;
 * 3. training on random crops (seeded) with the network's context around them: class-weighted
 *    cross-entropy, Adam with a cosine learning rate;
 * 4. ONNX export, verified against tfjs on real onnxruntime (max |diff| <= settings bound);
 * 5. evaluation with `afg events eval`'s own code (runEventsEval: event k vs not-k, pooled per
 *    stimulus type, vs each coder and both stacked) on the held-out recordings, for eye-events
 *    through the real detector and onnxruntime session, and for apd and ivt on the same files;
 * 6. the manifest entry with data source, licence, split, hyper-parameters, look-ahead, metrics.
 *
 * @example
 *   const r = await trainEyeEvents(EYE_EVENTS_SETTINGS, { dataDir: '../shared/datasets/lund2013' });
 */
export async function trainEyeEvents(s: EyeEventsSettings, o: { dataDir: string; progress?: Progress; command?: string; evaluate?: boolean }): Promise<EyeEventsTrainingResult> {
  const tf = await loadTf();
  const p = o.progress ?? SILENT;
  const recs = await loadLund2013(o.dataDir);
  const { train, test } = splitByParticipant(recs, s.heldOutParticipants);
  if (!train.length || !test.length) throw new Error(`the split leaves ${train.length} training and ${test.length} held-out recordings`);

  // 2. grid sequences
  const rnd = SeededRandom.stream(s.seed, 'eye-events-data');
  p.phase('features', train.length * (1 + s.training.rateThinning.length), 'recordings');
  const seqs: GridSequence[] = [];
  for (const r of train) {
    seqs.push(gridSequence(r));
    p.advance(1);
    for (const k of s.training.rateThinning) {
      // a 200 Hz file thinned by k is k times slower still; thin by what keeps the target rate
      const thin = Math.max(1, Math.round((k * 2) / r.intervalMs));
      if (thin > 1) seqs.push(gridSequence(r, thin, Math.floor(rnd.uniform() * thin)));
      p.advance(1);
    }
  }
  p.done();
  const classW = classWeights(seqs, s.training.classWeightPower);

  // 3. train
  const net = new EyeEventsNetwork(tf, s.seed, { channels: EYE_EVENTS_CHANNELS, classes: EYE_EVENTS_K, ...s.architecture });
  const lossHistory = await train_(tf, net, seqs, classW, s, p);

  // 4. export and verify
  const bytes = net.toOnnx({ producerVersion: s.version, docString: 'afg eye-events: 2 ms grid gaze features -> per-step probabilities of fixation, saccade, PSO, pursuit, blink, undefined (see eye-events.md)', metadata: { model: 'eye-events', version: s.version, seed: String(s.seed) } });
  const checkSeq = gridSequence(test[0]!);
  const exportCheck = await exportDifference(tf, net, bytes, checkSeq, Math.min(s.export.checkSteps, checkSeq.steps));
  if (!(exportCheck <= s.export.maxAbsDiff)) throw new Error(`export check failed: probabilities differ from tfjs by ${exportCheck} (> ${s.export.maxAbsDiff}); the model is not written`);

  const labelLatencyMs = EYE_EVENTS_GRID_MS * (EYE_EVENTS_DETECTOR_SETTINGS.chunkSteps + net.futureSteps);
  const lookAheadMs = eyeEventsLookAheadMs(EYE_EVENTS_DETECTOR_SETTINGS, labelLatencyMs);
  const base = {
    task: 'eye-events',
    version: s.version,
    card: 'eye-events.md',
    inputs: [{ name: net.inputName, dtype: 'float32' as const, shape: ['batch', 'time', EYE_EVENTS_CHANNELS] }],
    outputs: [{ name: net.outputName, dtype: 'float32' as const, shape: ['batch', 'time', EYE_EVENTS_K] }],
    eyeEvents: {
      tensor: net.inputName,
      output: net.outputName,
      gridMs: EYE_EVENTS_GRID_MS,
      features: [...EYE_EVENTS_FEATURES],
      classes: EYE_EVENTS_CLASSES.map((c) => c.name),
      pastSteps: net.pastSteps,
      futureSteps: net.futureSteps,
      lookAhead: {
        modelFutureMs: net.futureSteps * EYE_EVENTS_GRID_MS,
        modelPastMs: net.pastSteps * EYE_EVENTS_GRID_MS,
        labelLatencyMs,
        lookAheadMs,
        note: `a label is final ${labelLatencyMs} ms after its sample (${net.futureSteps * EYE_EVENTS_GRID_MS} ms of future context + a ${EYE_EVENTS_DETECTOR_SETTINGS.chunkSteps * EYE_EVENTS_GRID_MS} ms window), except in tracker gaps, held until they end or reach ${EYE_EVENTS_DETECTOR_SETTINGS.maxBlinkGapMs} ms, and tracked samples the model calls blink up to ${EYE_EVENTS_DETECTOR_SETTINGS.blinkBeforeMs} ms before a gap, held until the gap is judged (${lookAheadMs} ms at most)`,
      },
    },
  };

  // 5. evaluate through the CLI's code on the model just trained
  const metrics = o.evaluate === false ? emptyMetrics() : await evaluate(bytes, base, train, test, o.dataDir, p);
  net.dispose();

  const entry = {
    ...base,
    training: {
      command: o.command ?? `npm run train -- eye-events --data ../shared/datasets/lund2013 --seed ${s.seed}`,
      seed: s.seed,
      framework: 'tfjs 4 (wasm backend), exported with onnx-proto (IR 8, opset 17)',
      dataSource: {
        name: 'Lund 2013 hand-labelled eye-movement data (Andersson, Larsson, Holmqvist, Stridh & Nystrom 2017, Behav Res 49:616-637; Larsson, Nystrom & Stridh 2013, IEEE TBME 60(9):2484-2493)',
        origin: 'github.com/richardandersson/EyeMovementDetectorEvaluation, annotated_data/ ("data used in the article"), as CSV in ../shared/datasets/lund2013 (not in this repository)',
        licence: 'GPL-3.0 (the data); see eye-events.md for what that means for these weights',
        tracker: 'SMI HiSpeed 1250 tower-mounted, 500 Hz (UH47_img_Europe and UL47_img_konijntjes 200 Hz), monocular, 1024 x 768 px screen 0.38 x 0.30 m at 0.67 m',
        labels: 'two expert coders (MN, RA) per sample; both used as soft targets; UH29_img_Europe with the Zemblys et al. (2018) correction of MN (fix_by_Zemblys2018)',
        corrections: CORRECTIONS_FOLDER,
        split: {
          by: 'participant (every recording of a held-out participant is held out, images and dots alike)',
          heldOutParticipants: [...s.heldOutParticipants],
          heldOut: test.map((r) => `${r.stimulus}/${r.name}`),
          training: train.map((r) => `${r.stimulus}/${r.name}`),
        },
        trainingSequences: seqs.map((q) => ({ name: q.name, steps: q.steps })),
      },
      hyperParameters: { architecture: s.architecture, training: s.training, detector: EYE_EVENTS_DETECTOR_SETTINGS, parameters: net.parameterCount() },
      layers: net.describe(),
      classWeights: Object.fromEntries(EYE_EVENTS_CLASSES.map((c, i) => [c.name, round4(classW[i]!)])),
      lossHistory: lossHistory.map(round4),
    },
    exportCheck: { steps: Math.min(s.export.checkSteps, checkSeq.steps), maxAbsDiff: Number(exportCheck.toExponential(2)), bound: s.export.maxAbsDiff },
    metrics,
  };
  return { bytes, entry, metrics, exportCheck, lossHistory, lookAheadMs, labelLatencyMs, parameters: net.parameterCount() };
}

function emptyMetrics(): EyeEventsMetrics {
  return { heldOut: { img: {}, dots: {} }, training: { img: {}, dots: {} }, sets: { heldOut: { img: { recordings: [], samples: 0 }, dots: { recordings: [], samples: 0 } }, training: { img: { recordings: [], samples: 0 }, dots: { recordings: [], samples: 0 } } } };
}

function classWeights(seqs: readonly GridSequence[], power: number): Float32Array {
  const mass = new Float64Array(EYE_EVENTS_K);
  let n = 0;
  for (const q of seqs) {
    for (let i = 0; i < q.steps * EYE_EVENTS_K; i++) mass[i % EYE_EVENTS_K]! += q.y[i]!;
    n += q.steps;
  }
  const w = Float32Array.from(mass, (m) => (m > 0 ? (n / (EYE_EVENTS_K * m)) ** power : 0));
  // mean weight over the training steps = 1
  let mean = 0;
  for (let k = 0; k < EYE_EVENTS_K; k++) mean += (mass[k]! / n) * w[k]!;
  return w.map((v) => v / mean);
}

interface Crop {
  seq: number;
  /** first step of the trained outputs */
  at: number;
}

function crops(seqs: readonly GridSequence[], s: EyeEventsSettings, rnd: SeededRandom): Crop[] {
  const L = s.training.cropSteps;
  const out: Crop[] = [];
  seqs.forEach((q, i) => {
    const n = Math.ceil((q.steps / L) * s.training.cropsPerCover * (q.stimulus === 'dots' ? s.training.dotsOversample : 1));
    for (let c = 0; c < n; c++) out.push({ seq: i, at: Math.floor(rnd.uniform() * Math.max(1, q.steps - L + 1)) });
  });
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd.uniform() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Steps [from, from + W) of a sequence into x at offset, PAD outside the recording. */
function window(q: GridSequence, from: number, W: number, x: Float32Array, offset: number): void {
  const C = EYE_EVENTS_CHANNELS;
  const a = Math.max(0, from);
  const z = Math.min(q.steps, from + W);
  for (let j = from; j < a; j++) x.set(EYE_EVENTS_PAD, offset + (j - from) * C);
  if (z > a) x.set(q.x.subarray(a * C, z * C), offset + (a - from) * C);
  for (let j = Math.max(a, z); j < from + W; j++) x.set(EYE_EVENTS_PAD, offset + (j - from) * C);
}

async function train_(tf: Tf, net: EyeEventsNetwork, seqs: readonly GridSequence[], classW: Float32Array, s: EyeEventsSettings, p: Progress): Promise<number[]> {
  const L = s.training.cropSteps;
  const P = net.pastSteps;
  const F = net.futureSteps;
  const W = P + L + F;
  const K = EYE_EVENTS_K;
  const rnd = SeededRandom.stream(s.seed, 'eye-events-crops');
  const vars = net.weights().map((w) => w.variable);
  const optimizer = tf.train.adam(s.training.learningRate);
  const perEpoch = crops(seqs, s, SeededRandom.stream(s.seed, 'eye-events-count')).length;
  const batches = Math.ceil(perEpoch / s.training.batchSize);
  p.phase('training', s.training.epochs * batches, 'batches');
  const history: number[] = [];
  try {
    for (let e = 0; e < s.training.epochs; e++) {
      const frac = s.training.epochs > 1 ? e / (s.training.epochs - 1) : 0;
      const lr = s.training.learningRate * (s.training.finalLearningRateFraction + (1 - s.training.finalLearningRateFraction) * 0.5 * (1 + Math.cos(Math.PI * frac)));
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const list = crops(seqs, s, rnd);
      let sum = 0;
      let count = 0;
      for (let b = 0; b < list.length; b += s.training.batchSize) {
        const batch = list.slice(b, b + s.training.batchSize);
        const B = batch.length;
        const xb = new Float32Array(B * W * EYE_EVENTS_CHANNELS);
        const yb = new Float32Array(B * L * K);
        const wb = new Float32Array(B * L);
        let wsum = 0;
        batch.forEach((c, i) => {
          const q = seqs[c.seq]!;
          window(q, c.at - P, W, xb, i * W * EYE_EVENTS_CHANNELS);
          for (let j = 0; j < L; j++) {
            const step = c.at + j;
            if (step >= q.steps) continue;
            let w = 0;
            for (let k = 0; k < K; k++) {
              const v = q.y[step * K + k]!;
              yb[(i * L + j) * K + k] = v;
              w += v * classW[k]!;
            }
            wb[i * L + j] = w;
            wsum += w;
          }
        });
        const lossT = optimizer.minimize(() => {
          const { logits } = net.forward(tf, tf.tensor(xb, [B, W, EYE_EVENTS_CHANNELS]));
          const mid = tf.slice(logits, [0, P, 0], [B, L, K]);
          const ce = tf.neg(tf.sum(tf.mul(tf.tensor(yb, [B, L, K]), tf.logSoftmax(mid)), -1));
          return tf.div(tf.sum(tf.mul(ce, tf.tensor(wb, [B, L]))), Math.max(wsum, 1e-6)) as ReturnType<typeof tf.scalar>;
        }, true, vars) as Tensor;
        const l = (await lossT.data())[0]!;
        lossT.dispose();
        sum += l * B;
        count += B;
        p.advance(1, { epoch: e + 1, loss: l.toFixed(3) });
      }
      history.push(sum / Math.max(1, count));
    }
  } finally {
    optimizer.dispose();
    p.done();
  }
  return history;
}

/** max |p_onnx - p_tfjs| over one window of `steps` steps of a held-out recording. */
export async function exportDifference(tf: Tf, net: EyeEventsNetwork, bytes: Uint8Array, q: GridSequence, steps: number): Promise<number> {
  const x = new Float32Array(steps * EYE_EVENTS_CHANNELS);
  window(q, 0, steps, x, 0);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    const r = await session.run({ [net.inputName]: new ort.Tensor('float32', x, [1, steps, EYE_EVENTS_CHANNELS]) });
    const b = r[net.outputName]!.data as Float32Array;
    return tf.tidy(() => {
      const a = net.forward(tf, tf.tensor(x, [1, steps, EYE_EVENTS_CHANNELS])).probs.dataSync();
      let d = a.length === b.length ? 0 : Infinity;
      for (let i = 0; i < a.length && d !== Infinity; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
      return d;
    });
  } finally {
    await session.release();
  }
}

async function evaluate(bytes: Uint8Array, base: Omit<ModelEntry, 'sha256' | 'file'> & Record<string, unknown>, train: LundRecording[], test: LundRecording[], dataDir: string, p: Progress): Promise<EyeEventsMetrics> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'afg-eye-events-'));
  try {
    await writeModelFiles(tmp, 'eye-events', bytes, base);
    const m = emptyMetrics();
    const jobs: { set: 'heldOut' | 'training'; stim: StimulusType; det: string; recs: LundRecording[] }[] = [];
    for (const set of ['heldOut', 'training'] as const) {
      for (const stim of STIMULUS_TYPES) {
        const recs = (set === 'heldOut' ? test : train).filter((r) => r.stimulus === stim);
        m.sets[set][stim] = { recordings: recs.map((r) => r.name), samples: recs.reduce((a, r) => a + r.csv.n, 0) };
        for (const det of COMPARED_DETECTORS) jobs.push({ set, stim, det, recs });
      }
    }
    p.phase('evaluating', jobs.reduce((a, j) => a + j.recs.length, 0), 'recordings');
    for (const j of jobs) {
      const r = await evalFiles(dataDir, j.stim, j.recs, j.det, tmp);
      m[j.set][j.stim][j.det] = r.kappa;
      p.advance(j.recs.length, { set: j.set, stim: j.stim, detector: j.det });
    }
    p.done();
    return m;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** `afg events eval <data>/<stim> --units px [--corrections] --only <exact names> --detector det`, in process. */
export function evalFiles(dataDir: string, stim: StimulusType, recs: readonly LundRecording[], detector: string, modelDir?: string): Promise<EvalReport> {
  return runEventsEval(path.join(dataDir, stim), {
    units: 'px',
    detector,
    only: recs.map((r) => `${r.name}.csv`).join(','),
    ...(stim === 'img' ? { corrections: path.join(dataDir, CORRECTIONS_FOLDER) } : {}),
    ...(modelDir ? { detectorOptions: { modelDir } } : {}),
  });
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
