import t, { type Test } from 'tap';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import type { AttentionEstimate, FeatureFrame, Role } from '../../gateway/core/types.ts';
import { FEATURE_NAMES, featureIndex } from '../../gateway/features/feature-names.ts';
import { AttentionModel } from '../../gateway/inference/attention-model.ts';
import { FeatureHistory, FeatureLayout } from '../../gateway/inference/feature-window.ts';
import { OnnxAttentionEstimator, type InferenceRunStats } from '../../gateway/inference/onnx-attention-estimator.ts';
import { tinyWindow, writeTinyAttentionModel } from './tiny-attention-model.ts';

/** input channels of a window step: values and presence of every gateway feature, and the role */
const C = 2 * FEATURE_NAMES.length + 1;

const VALID = featureIndex('gaze_valid_ratio');
const HR = featureIndex('hr_bpm');

function frame(wearer: string, t: number, o: { valid?: number; hr?: number; seed?: number } = {}): FeatureFrame {
  const values = new Float32Array(FEATURE_NAMES.length);
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(i + t / 1000 + (o.seed ?? 0));
  values[VALID] = o.valid ?? 1;
  values[HR] = o.hr ?? 70;
  return { wearer, t, values, quality: new Uint8Array(FEATURE_NAMES.length).fill(2) };
}

async function setup(t: Test) {
  const dir = t.testdir();
  await writeTinyAttentionModel(dir, { version: '1.0.0' });
  const model = await AttentionModel.load({ dir, name: 'attention-state', providers: ['cpu'] });
  t.teardown(() => model.release());
  const runs: InferenceRunStats[] = [];
  const errors = new ErrorCounter();
  const est = new OnnxAttentionEstimator({ models: { current: model }, errors, onRun: (s) => runs.push(s) });
  return { model, est, runs, errors };
}

t.test('one batched run per tick for all wearers; sensor loss and a filling window never reach the model', async (t) => {
  const { est, runs } = await setup(t);
  const ids = ['op-0001', 'op-0002', 'dr-0003', 'op-0004'];
  const roles: Role[] = ['operator', 'operator', 'driver', 'operator'];
  // 6 slots, 100 ms stride: half the window (3 committed slots) takes 3 ticks of 100 ms
  let first = true;
  for (let k = 1; k <= 10; k++) {
    const tMs = k * 100;
    const frames = ids.map((w, i) => frame(w, tMs, { seed: i, valid: w === 'op-0002' ? 0.1 : 1 }));
    const e = await est.estimateBatch(frames, roles);
    t.equal(e.length, 4);
    t.equal(e[1]!.state, 'sensor_lost', `tick ${k}: lost gaze is sensor_lost`);
    t.equal(e[1]!.probs, null);
    t.equal(e[1]!.score, null);
    if (k < 3) {
      t.equal(e[0]!.state, 'unknown', `tick ${k}: window not half full yet`);
      t.equal(e[0]!.probs, null);
    } else {
      for (const i of [0, 2, 3]) {
        const p = e[i]!.probs!;
        t.ok(Math.abs(p.attentive + p.distracted + p.drowsy + p.overloaded - 1) < 1e-5);
        t.ok(e[i]!.score! >= 0 && e[i]!.score! <= 1);
        t.equal(e[i]!.estimator, 'attention-state/1.0.0');
      }
      if (first) t.equal(runs.length, 1, 'the first run comes with the first full-enough window');
      first = false;
    }
  }
  t.equal(runs.length, 8, 'one run per tick from tick 3 on');
  t.ok(runs.every((r) => r.rows === 3), 'each run holds the three wearers with gaze (not the lost one)');
});

t.test("the model's estimate equals a direct run on the window the history builds", async (t) => {
  const { model, est } = await setup(t);
  const h = new FeatureHistory(model.layout);
  let last;
  for (let k = 1; k <= 12; k++) {
    const f = frame('dr-0001', k * 50, { seed: 3, hr: k % 4 === 0 ? NaN : 70 });
    h.push(f, true);
    last = (await est.estimateBatch([f], ['driver']))[0]!;
  }
  const input = new Float32Array(6 * C);
  h.write(model.layout, 'driver', input, 0);
  const direct = await model.run(input, 1);
  t.ok(Math.abs(last!.probs!.attentive - direct.probs[0]!) < 1e-6);
  t.ok(Math.abs(last!.score! - direct.score[0]!) < 1e-6);
});

t.test('a failed run is counted and falls back to the rule-based estimator for that tick', async (t) => {
  const { model, est, errors } = await setup(t);
  const frames = (tMs: number) => [frame('op-0001', tMs), frame('op-0002', tMs)];
  for (let k = 1; k <= 4; k++) await est.estimateBatch(frames(k * 100), ['operator', 'operator']);
  await model.release(); // the session is gone: the next run fails for real
  const e = await est.estimateBatch(frames(500), ['operator', 'operator']);
  t.equal(errors.get('AFG_E_INFERENCE_RUN'), 1);
  t.equal(est.failedRuns, 1);
  t.ok(e.every((x) => x.estimator === 'rule-based/1'), 'estimates say they came from the fallback');
});

t.test('how the model sees missing data: z = 0 and presence 0, the training mean, never a reading', async (t) => {
  const layout = new FeatureLayout({ ...tinyWindow({ features: ['perclos', 'hr_bpm'] }), mean: [0.05, 70], std: [0.05, 10] });
  const out = new Float32Array(5);
  const v = new Float32Array(FEATURE_NAMES.length).fill(NaN);
  v[featureIndex('perclos')] = 0.15;
  layout.writeStep(v, 0, 1, out, 0);
  t.same([...out], [2, 0, 1, 0, 1], 'perclos 0.15 -> z 2 present; hr missing -> 0 absent; role driver');
  v[featureIndex('perclos')] = 5;
  layout.writeStep(v, 0, 0, out, 0);
  t.equal(out[0], 6, 'clipped at 6');
  layout.writeStep(null, 0, 0, out, 0);
  t.same([...out], [0, 0, 0, 0, 0], 'an empty slot is all-missing');
  t.throws(() => new FeatureLayout({ ...tinyWindow({ features: ['perclos', 'nope'] }) }), { code: 'AFG_E_MODEL_MISMATCH' });
});

t.test('the window holds the newest frame and older ones one stride apart', async (t) => {
  const layout = new FeatureLayout({ ...tinyWindow({ features: ['gaze_valid_ratio'], frames: 3, strideMs: 100 }), mean: [0], std: [1] });
  const h = new FeatureHistory(layout);
  const out = new Float32Array(3 * 3);
  const steps = () => [out[0], out[3], out[6]].map((x) => Math.round(x! * 10) / 10);
  const push = (tMs: number, v: number) => h.push(frame('op-0001', tMs, { valid: v }), true);
  push(50, 0.1);
  h.write(layout, 'operator', out, 0);
  t.same(steps(), [0, 0, 0.1], 'two empty slots, then the current frame');
  push(100, 0.2);
  push(150, 0.3);
  h.write(layout, 'operator', out, 0);
  t.same(steps(), [0, 0.2, 0.3], 'a slot opens at 50 ms and takes each frame until the stride has passed (100 ms); 150 ms opens the next');
  t.equal(h.basisSlots(), 2);
  push(150, 0.9);
  h.write(layout, 'operator', out, 0);
  t.equal(Math.round(out[6]! * 10) / 10, 0.3, 'a repeated time is ignored');
});

t.test('on a GPU provider the batch is the whole fleet (constant shape for TensorRT), padded rows all-missing; same estimates', async (t) => {
  const { model } = await setup(t);
  // the same loaded session, reported as running on CUDA: only the batching policy changes
  const onGpu = Object.create(model, { provider: { value: 'cuda' } }) as AttentionModel;
  const batches: number[] = [];
  const cpu = new OnnxAttentionEstimator({ models: { current: model } });
  const gpu = new OnnxAttentionEstimator({ models: { current: onGpu }, onRun: (s) => batches.push(s.batch) });
  const ids = ['op-0001', 'op-0002', 'op-0003', 'dr-0004', 'dr-0005'];
  const roles: Role[] = ['operator', 'operator', 'operator', 'driver', 'driver'];
  let a: AttentionEstimate[] = [];
  let b: AttentionEstimate[] = [];
  for (let k = 1; k <= 8; k++) {
    const fr = () => ids.map((w, i) => frame(w, k * 100, { seed: i, valid: i === 2 && k > 5 ? 0 : 1 }));
    a = await cpu.estimateBatch(fr(), roles);
    b = await gpu.estimateBatch(fr(), roles);
  }
  t.ok(batches.length > 0 && batches.every((n) => n === 5), `every GPU run has batch 5 (${batches.join(',')})`);
  t.equal(b[2]!.state, 'sensor_lost');
  for (const i of [0, 1, 3, 4]) t.ok(Math.abs(a[i]!.probs!.drowsy - b[i]!.probs!.drowsy) < 1e-6 && Math.abs(a[i]!.score! - b[i]!.score!) < 1e-6, `wearer ${i}: padding does not change the estimate`);
});
