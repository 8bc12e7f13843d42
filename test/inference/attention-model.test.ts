import t from 'tap';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AttentionModel } from '../../gateway/inference/attention-model.ts';
import { loadManifest } from '../../gateway/inference/model-manifest.ts';
import { sha256 } from '../../models/train/model-files.ts';
import { FEATURE_NAMES } from '../../gateway/features/feature-names.ts';
import { writeTinyAttentionModel } from './tiny-attention-model.ts';

/** input channels of a window step: values and presence of every gateway feature, and the role */
const C = 2 * FEATURE_NAMES.length + 1;

const NAME = 'attention-state';
const load = (dir: string) => AttentionModel.load({ dir, name: NAME, providers: ['cpu'] });

async function editManifest(dir: string, edit: (entry: Record<string, unknown>) => void): Promise<void> {
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(await readFile(file, 'utf8'));
  edit(m.models[NAME]);
  await writeFile(file, JSON.stringify(m));
}

t.test('a real model loads, is validated against its manifest, warmed up, and runs a batch', async (t) => {
  const dir = t.testdir();
  const w = await writeTinyAttentionModel(dir, { version: '1.2.3' });
  const m = await load(dir);
  t.teardown(() => m.release());
  t.equal(m.label, 'attention-state/1.2.3');
  t.equal(m.provider, 'cpu');
  t.equal(m.sha256, w.sha256);
  t.equal(m.layout.channels, C);
  const n = 5;
  const input = new Float32Array(n * 6 * C);
  for (let i = 0; i < input.length; i++) input[i] = Math.sin(i);
  const out = await m.run(input, n);
  t.equal(out.probs.length, n * 4);
  t.equal(out.score.length, n);
  for (let r = 0; r < n; r++) t.ok(Math.abs(out.probs[r * 4]! + out.probs[r * 4 + 1]! + out.probs[r * 4 + 2]! + out.probs[r * 4 + 3]! - 1) < 1e-5, `row ${r} sums to 1`);
  t.not(out.probs[0], out.probs[4], 'rows differ with different inputs');
  await m.release();
  await t.rejects(m.run(input, 1), { code: 'AFG_E_INFERENCE_RUN' }, 'a released model refuses to run');
});

t.test('a missing or unparsable model file is AFG_E_MODEL_LOAD', async (t) => {
  const dir = t.testdir();
  const w = await writeTinyAttentionModel(dir);
  await rm(w.file);
  await t.rejects(load(dir), { code: 'AFG_E_MODEL_LOAD', message: /cannot read .*attention-state\.onnx/ });
  const junk = new TextEncoder().encode('this is not a protobuf');
  await writeFile(w.file, junk);
  await editManifest(dir, (e) => (e['sha256'] = sha256(junk)));
  await t.rejects(load(dir), { code: 'AFG_E_MODEL_LOAD', message: /onnxruntime cannot load it/ });
});

t.test('a file whose sha256 differs from the manifest is AFG_E_MODEL_HASH, with both hashes', async (t) => {
  const dir = t.testdir();
  const w = await writeTinyAttentionModel(dir);
  const other = path.join(dir, 'other');
  const o = await writeTinyAttentionModel(other, { seed: 9 });
  await writeFile(w.file, o.bytes);
  await t.rejects(load(dir), { code: 'AFG_E_MODEL_HASH', message: new RegExp(`has sha256 ${o.sha256}, the manifest entry records ${w.sha256}`) });
});

t.test('a graph whose inputs differ from the manifest is AFG_E_MODEL_MISMATCH, saying what differs', async (t) => {
  const dir = t.testdir();
  await writeTinyAttentionModel(dir, { frames: 6 });
  // a model trained for a 7-step window, put in place with a correct hash but the old entry
  const other = path.join(dir, 'seven');
  const seven = await writeTinyAttentionModel(other, { frames: 7 });
  await writeFile(path.join(dir, 'attention-state.onnx'), seven.bytes);
  await editManifest(dir, (e) => (e['sha256'] = seven.sha256));
  await t.rejects(load(dir), { code: 'AFG_E_MODEL_MISMATCH', message: /input 'x' dimension 1 is 7, the manifest says 6/ });

  await editManifest(dir, (e) => {
    (e['outputs'] as { name: string }[])[1]!.name = 'attention_score';
    (e['output'] as { score: string }).score = 'attention_score';
    (e['inputs'] as { shape: unknown[] }[])[0]!.shape = ['batch', 7, C];
    (e['input'] as { frames: number }).frames = 7;
  });
  await t.rejects(load(dir), { code: 'AFG_E_MODEL_MISMATCH', message: /output 'attention_score' is missing.*output 'score' is not in the manifest/ });
});

t.test('a model feature this gateway does not compute is AFG_E_MODEL_MISMATCH before anything is loaded', async (t) => {
  const dir = t.testdir();
  await writeTinyAttentionModel(dir, { features: ['perclos', 'gaze_valid_ratio', 'blink_torque_nm'] });
  await t.rejects(load(dir), { code: 'AFG_E_MODEL_MISMATCH', message: /does not compute: blink_torque_nm/ });
});

t.test('manifest problems are AFG_E_MODEL_MANIFEST with the field', async (t) => {
  const dir = t.testdir();
  await t.rejects(load(dir), { code: 'AFG_E_MODEL_MANIFEST', message: /cannot read .*manifest\.json/ });
  await writeTinyAttentionModel(dir);
  await t.rejects(AttentionModel.load({ dir, name: 'eye-events', providers: ['cpu'] }), { code: 'AFG_E_MODEL_MANIFEST', message: /no model 'eye-events' \(it has: attention-state\)/ });
  await editManifest(dir, (e) => (e['sha256'] = 'abc'));
  await t.rejects(loadManifest(dir), { code: 'AFG_E_MODEL_MANIFEST', path: '/models/attention-state/sha256' });
  await writeFile(path.join(dir, 'manifest.json'), '{ nope');
  await t.rejects(loadManifest(dir), { code: 'AFG_E_MODEL_MANIFEST', message: /not valid JSON/ });
});
