import t, { type Test } from 'tap';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import type { AttentionEstimate } from '../../gateway/core/types.ts';
import { AttentionModel, type AttentionModelSource } from '../../gateway/inference/attention-model.ts';
import { ModelHotSwap, type SwapOutcome } from '../../gateway/inference/model-hot-swap.ts';
import { OnnxAttentionEstimator } from '../../gateway/inference/onnx-attention-estimator.ts';
import { FleetPipeline } from '../../gateway/pipeline/fleet-pipeline.ts';
import { sha256 } from '../../models/train/model-files.ts';
import { writeTinyAttentionModel } from './tiny-attention-model.ts';

const config = validateConfig({ wearers: [{ id: 'op-0001', role: 'operator' }, { id: 'op-0002', role: 'operator' }, { id: 'dr-0003', role: 'driver' }] });

async function setup(t: Test) {
  const dir = t.testdir();
  await writeTinyAttentionModel(dir, { seed: 1, version: '1.0.0' });
  const source: AttentionModelSource = { dir, name: 'attention-state', providers: ['tensorrt', 'cuda', 'cpu'] };
  const errors = new ErrorCounter();
  const logs: string[] = [];
  const swap = new ModelHotSwap({ initial: await AttentionModel.load(source), source, errors, log: (l, m) => logs.push(`${l}: ${m}`) });
  t.teardown(async () => {
    await swap.stop();
    await swap.current.release();
  });
  const bus = new EventBus();
  const fleet = new FleetPipeline({ config, bus, toEpochMs: (x) => x, estimator: new OnnxAttentionEstimator({ models: swap, errors }) });
  const byTick = new Map<number, AttentionEstimate[]>();
  bus.on('estimate', (e) => byTick.set(e.t, [...(byTick.get(e.t) ?? []), e]));
  // every wearer's gaze is valid (the features need samples: a batch of valid gaze per tick)
  let k = 0;
  const tick = async () => {
    k++;
    for (const w of config.wearers) fleet.ingest(w.id, gaze(k * 50 - 50, k * 50));
    await fleet.tick(k * 50);
  };
  return { dir, source, swap, errors, logs, byTick, tick, ticks: () => k };
}

function gaze(from: number, to: number) {
  const n = (to - from) / 10;
  const b = { kind: 'gaze' as const, device: 'et', clock: 'gateway' as const, units: 'deg' as const, n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n).fill(3.5), openness: new Float32Array(n).fill(0.9), valid: new Uint8Array(n).fill(1) };
  for (let i = 0; i < n; i++) {
    b.t[i] = from + (i + 1) * 10;
    b.x[i] = Math.sin(b.t[i]! / 300);
  }
  return b;
}

async function until(check: () => Promise<SwapOutcome>, want: SwapOutcome[], tick: () => Promise<void>): Promise<SwapOutcome> {
  for (let i = 0; i < 50; i++) {
    await tick();
    const o = await check();
    if (want.includes(o)) return o;
  }
  return 'unchanged';
}

t.test('hot swap with real files and sessions: the new model takes over between ticks, no tick is missed', async (t) => {
  const s = await setup(t);
  s.swap.start(50); // the real polling timer, as in the gateway
  for (let i = 0; i < 20; i++) await s.tick();
  const other = path.join(s.dir, 'staging');
  await writeTinyAttentionModel(other, { seed: 2, version: '2.0.0' });
  // deploy: both files renamed into place (as writeModelFiles and the README say)
  await rename(path.join(other, 'attention-state.onnx'), path.join(s.dir, 'attention-state.onnx'));
  await rename(path.join(other, 'manifest.json'), path.join(s.dir, 'manifest.json'));
  const deadline = Date.now() + 30_000;
  while (s.swap.swaps === 0 && Date.now() < deadline) {
    await s.tick();
    await sleep(5);
  }
  for (let i = 0; i < 10; i++) await s.tick();
  t.equal(s.swap.swaps, 1, 'swapped once');
  t.equal(s.swap.current.label, 'attention-state/2.0.0');
  t.match(s.logs.join('\n'), /model hot swap: attention-state\/1\.0\.0 .* -> attention-state\/2\.0\.0/);
  const labels: string[] = [];
  for (let k = 1; k <= s.ticks(); k++) {
    const e = s.byTick.get(k * 50) ?? [];
    t.equal(e.length, 3, `tick ${k}: an estimate for every wearer`);
    t.equal(new Set(e.map((x) => x.estimator)).size, 1, `tick ${k}: one model for the whole tick`);
    labels.push(e[0]!.estimator);
  }
  const firstNew = labels.indexOf('attention-state/2.0.0');
  t.ok(firstNew > 20, 'the old model ran until the swap');
  t.ok(labels.slice(0, firstNew).every((l) => l === 'attention-state/1.0.0') && labels.slice(firstNew).every((l) => l === 'attention-state/2.0.0'), 'v1 then v2, never back');
  const after = s.byTick.get(s.ticks() * 50)!;
  t.ok(after.every((e) => e.probs !== null), 'the windows carried over: the new model estimates at once');
});

t.test('a bad file is refused with its code and the old model keeps running; it is not retried until it changes', async (t) => {
  const s = await setup(t);
  for (let i = 0; i < 10; i++) await s.tick();
  const manifestFile = path.join(s.dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));

  // 1. garbage with a matching hash: onnxruntime cannot load it
  const junk = new TextEncoder().encode('definitely not onnx');
  await writeFile(path.join(s.dir, 'attention-state.onnx'), junk);
  manifest.models['attention-state'].sha256 = sha256(junk);
  manifest.models['attention-state'].version = '9.9.9';
  await writeFile(manifestFile, JSON.stringify(manifest));
  t.equal(await until(() => s.swap.check(), ['refused', 'swapped'], s.tick), 'refused');
  t.equal(s.errors.get('AFG_E_MODEL_LOAD'), 1);
  t.equal(s.swap.last?.code, 'AFG_E_MODEL_LOAD');
  t.match(s.logs.join('\n'), /hot swap refused, attention-state\/1\.0\.0 .* keeps running/);
  for (let i = 0; i < 5; i++) await s.tick();
  t.equal(await s.swap.check(), 'unchanged', 'the same bad files are not loaded again');
  const e = s.byTick.get(s.ticks() * 50)!;
  t.ok(e.every((x) => x.estimator === 'attention-state/1.0.0' && x.probs !== null), 'the old model still answers');

  // 2. a real model for another window: the graph does not match the entry
  const seven = await writeTinyAttentionModel(path.join(s.dir, 'seven'), { frames: 7 });
  await writeFile(path.join(s.dir, 'attention-state.onnx'), seven.bytes);
  manifest.models['attention-state'].sha256 = seven.sha256;
  await writeFile(manifestFile, JSON.stringify(manifest));
  t.equal(await until(() => s.swap.check(), ['refused', 'swapped'], s.tick), 'refused');
  t.equal(s.errors.get('AFG_E_MODEL_MISMATCH'), 1);
  t.match(s.swap.last?.message, /dimension 1 is 7, the manifest says 6/);

  // 3. the model file lands before its manifest: refused on the hash, then swapped when both are there
  const v3 = await writeTinyAttentionModel(path.join(s.dir, 'v3'), { seed: 3, version: '3.0.0' });
  await writeFile(path.join(s.dir, 'attention-state.onnx'), v3.bytes);
  t.equal(await until(() => s.swap.check(), ['refused', 'swapped'], s.tick), 'refused');
  t.equal(s.errors.get('AFG_E_MODEL_HASH'), 1);
  await writeFile(manifestFile, await readFile(path.join(s.dir, 'v3', 'manifest.json')));
  t.equal(await until(() => s.swap.check(), ['refused', 'swapped'], s.tick), 'swapped');
  t.equal(s.swap.current.label, 'attention-state/3.0.0');
  t.equal(s.swap.refusals, 3);
  for (let k = 1; k <= s.ticks(); k++) t.equal(s.byTick.get(k * 50)?.length, 3, `tick ${k} complete`);
});
