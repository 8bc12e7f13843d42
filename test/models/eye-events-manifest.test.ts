import t from 'tap';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { EYE_EVENTS_CHANNELS, EYE_EVENTS_FEATURES } from '../../gateway/events/eye-events-features.ts';
import { EyeEventsModel, eyeEventsEntry, EYE_EVENTS_K } from '../../gateway/events/eye-events-model.ts';
import { ioDifferences } from '../../gateway/inference/model-io-check.ts';
import { loadManifest, parseManifest } from '../../gateway/inference/model-manifest.ts';
import { eyeEventsMetricsMarkdown } from '../../models/train/eye-events/eye-events-report.ts';
import type { EyeEventsMetrics } from '../../models/train/eye-events/train-eye-events.ts';

// The committed models/eye-events.onnx is what its manifest entry says, and the card and docs
// show the entry's own figures.

const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));
const DOCS = fileURLToPath(new URL('../../docs/event-detection.md', import.meta.url));

t.test('the committed eye-events.onnx matches its manifest entry: sha256, inputs, outputs (real onnxruntime session)', async (t) => {
  const m = await loadManifest(MODELS);
  const e = eyeEventsEntry(m);
  const bytes = await readFile(`${MODELS}/${e.file}`);
  t.equal(createHash('sha256').update(bytes).digest('hex'), e.sha256, 'file hash = manifest sha256');
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    t.same(ioDifferences(session, e), [], 'graph inputs and outputs = manifest');
    t.same(session.inputNames, ['x']);
    t.same(session.outputNames, ['probs']);
  } finally {
    await session.release();
  }
  t.same(e.inputs[0]!.shape, ['batch', 'time', EYE_EVENTS_CHANNELS]);
  t.same(e.outputs[0]!.shape, ['batch', 'time', EYE_EVENTS_K]);
  t.same(e.eyeEvents.features, [...EYE_EVENTS_FEATURES], 'trained on the features this gateway computes');
  const model = await EyeEventsModel.load({ dir: MODELS });
  t.equal(model.provider, 'cpu');
  t.equal(model.pastSteps + model.futureSteps > 0, true);
  await model.release();
});

t.test('the manifest entry records data source, licence, split, hyper-parameters, look-ahead and metrics', async (t) => {
  const e = eyeEventsEntry(await loadManifest(MODELS)) as ReturnType<typeof eyeEventsEntry> & Record<string, any>;
  const tr = e['training'];
  t.match(tr.dataSource.licence, /GPL-3\.0/);
  t.match(tr.dataSource.origin, /EyeMovementDetectorEvaluation/);
  t.ok(tr.dataSource.split.heldOutParticipants.length >= 1);
  for (const h of tr.dataSource.split.heldOut as string[]) {
    const participant = h.split('/')[1]!.split('_')[0]!;
    t.ok(tr.dataSource.split.heldOutParticipants.includes(participant), `${h} is of a held-out participant`);
    t.notOk((tr.dataSource.split.training as string[]).some((x) => x.split('/')[1]!.startsWith(`${participant}_`)), `no recording of ${participant} is in training`);
  }
  t.ok(tr.hyperParameters.training.epochs > 0);
  t.equal(typeof tr.seed, 'number');
  t.ok((e.eyeEvents as Record<string, any>)['lookAhead'].labelLatencyMs > 0);
  t.ok(e['exportCheck'].maxAbsDiff <= 1e-5, 'export within 1e-5 of tfjs');
  for (const stim of ['img', 'dots']) for (const det of ['eye-events', 'apd', 'ivt']) t.type(e['metrics'].heldOut[stim][det].saccade.stacked, 'number', `${stim} ${det} saccade kappa recorded`);
});

t.test('the model card and docs/event-detection.md carry the manifest\'s own figures', async (t) => {
  const text = await readFile(`${MODELS}/manifest.json`, 'utf8');
  const e = parseManifest(text).models['eye-events'] as Record<string, any>;
  const block = eyeEventsMetricsMarkdown(e['metrics'] as EyeEventsMetrics, { sha256: e['sha256'], seed: e['training'].seed, lookAheadMs: e['eyeEvents'].lookAhead.lookAheadMs, labelLatencyMs: e['eyeEvents'].lookAhead.labelLatencyMs, exportCheck: e['exportCheck'].maxAbsDiff });
  const card = await readFile(`${MODELS}/eye-events.md`, 'utf8');
  t.ok(card.includes(block), 'card metrics block = regenerated from the manifest');
  t.ok((await readFile(DOCS, 'utf8')).includes(block), 'docs table = regenerated from the manifest');
});
