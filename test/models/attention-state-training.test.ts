import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AttentionModel } from '../../gateway/inference/attention-model.ts';
import { attentionStateEntry, loadManifest } from '../../gateway/inference/model-manifest.ts';
import { ATTENTION_STATE_SETTINGS, type AttentionStateSettings } from '../../models/train/attention-state/attention-state-settings.ts';
import { dataFingerprint, firstTrainingJob, trainAttentionState } from '../../models/train/attention-state/train-attention-state.ts';
import { sha256, writeModelFiles } from '../../models/train/model-files.ts';

const MODELS = new URL('../../models', import.meta.url).pathname;

/** The real training, shrunk: 1 wearer per set, 140 s scripts, 2 epochs. */
const reduced: AttentionStateSettings = {
  ...ATTENTION_STATE_SETTINGS,
  sampling: { ...ATTENTION_STATE_SETTINGS.sampling, trainEveryMs: 2000, evalEveryMs: 4000 },
  data: { ...ATTENTION_STATE_SETTINGS.data, trainScenarios: 1, calibrationScenarios: 1, testSeedScenarios: 1, testTypeScenarios: 1, wearersPerScenario: 1, durationS: 140, maxExampleS: 60 },
  training: { ...ATTENTION_STATE_SETTINGS.training, epochs: 2 },
  export: { ...ATTENTION_STATE_SETTINGS.export, checkRows: 16 },
};

const SCENARIO = `
wearers:
  - wearer: op-00aa
    role: operator
    seed: 5
    segments: [{ at: 30, duration: 20, state: idle }]
`;

t.test('training is deterministic: the same settings give the same bytes and the same manifest entry', async (t) => {
  const dataDir = t.testdir({ 'tiny.yaml': SCENARIO });
  const a = await trainAttentionState(reduced, { dataDir });
  const b = await trainAttentionState(reduced, { dataDir });
  t.equal(sha256(a.bytes), sha256(b.bytes), 'bit-identical model files');
  t.same(a.entry, b.entry, 'identical manifest entries (metrics included)');
  for (const [k, d] of Object.entries(a.exportCheck)) t.ok(d <= 1e-5, `export of ${k} matches tfjs on onnxruntime: ${d.toExponential(2)}`);
  t.ok(a.lossHistory[1]! < a.lossHistory[0]!, `the loss falls (${a.lossHistory.join(' -> ')})`);
  for (const set of ['calibration', 'held-out seeds', 'held-out types', 'hand-written scenarios']) t.ok(a.metrics[set], `metrics for ${set}`);

  const c = await trainAttentionState({ ...reduced, seed: 2 }, { dataDir });
  t.not(sha256(c.bytes), sha256(a.bytes), 'another seed, another model');

  const dir = t.testdir();
  await writeModelFiles(dir, 'attention-state', a.bytes, a.entry);
  const m = await AttentionModel.load({ dir, name: 'attention-state', providers: ['cpu'] });
  t.teardown(() => m.release());
  t.same(m.entry.input.features, reduced.features, 'the gateway loads it with the trained feature list');
});

t.test('the committed model is the file its manifest entry and model card describe', async (t) => {
  const manifest = await loadManifest(MODELS);
  const e = attentionStateEntry(manifest, 'attention-state');
  const bytes = await readFile(path.join(MODELS, e.file));
  t.equal(sha256(bytes), e.sha256, 'manifest sha256 = file');
  const extra = e as unknown as Record<string, unknown>;
  const training = extra['training'] as { seed: number; command: string; hyperParameters: { training: unknown; architecture: unknown; window: unknown } };
  t.equal(training.seed, ATTENTION_STATE_SETTINGS.seed, 'trained with the recorded seed');
  t.equal(training.command, `npm run train -- attention-state --seed ${ATTENTION_STATE_SETTINGS.seed}`);
  t.same(training.hyperParameters.training, ATTENTION_STATE_SETTINGS.training, 'with the settings in the repository');
  t.same(training.hyperParameters.architecture, ATTENTION_STATE_SETTINGS.architecture);
  t.same(e.input.features, ATTENTION_STATE_SETTINGS.features);
  const metrics = extra['metrics'] as Record<string, { macroF1: number; ece: number; confusion: number[][] }>;
  for (const set of ['held-out seeds', 'held-out types', 'hand-written scenarios']) {
    t.ok(metrics[set] && metrics[set].macroF1 > 0 && metrics[set].confusion.length === 4, `${set}: macro-F1, ECE and confusion recorded`);
  }
  const check = extra['exportCheck'] as { maxAbsDiff: Record<string, number>; bound: number };
  t.ok(Object.values(check.maxAbsDiff).every((d) => d <= 1e-5), 'export verified against tfjs at training time');
  const card = await readFile(path.join(MODELS, 'attention-state.md'), 'utf8');
  t.match(card, new RegExp(`sha256 \`${e.sha256}\``), 'the card reports the committed file');
  t.match(card, /training data is synthetic/i);
  const m = await AttentionModel.load({ dir: MODELS, name: 'attention-state', providers: ['cpu'] });
  t.teardown(() => m.release());
  t.equal(m.label, `attention-state/${ATTENTION_STATE_SETTINGS.version}`);
});

t.test('the committed model is still what training would produce: the training data has not drifted', async (t) => {
  const manifest = await loadManifest(MODELS);
  const e = attentionStateEntry(manifest, 'attention-state') as unknown as { training: { dataFingerprint: { sha256: string; windows: number } } };
  const now = await dataFingerprint(ATTENTION_STATE_SETTINGS, firstTrainingJob(ATTENTION_STATE_SETTINGS));
  t.equal(now.windows, e.training.dataFingerprint.windows, 'same number of probe windows');
  t.equal(
    now.sha256,
    e.training.dataFingerprint.sha256,
    'the probe of the training data (simulator -> devices -> decoders -> features) is unchanged; if this fails, the simulator or the feature code changed since the model was trained: run `npm run train -- attention-state` and commit models/',
  );
});
