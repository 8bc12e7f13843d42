import t from 'tap';
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../../models/train/model-files.ts';
import { metricValue, spawnGateway, waitFor, writeConfig } from '../helpers/gateway-process.ts';
import { writeTinyAttentionModel } from '../inference/tiny-attention-model.ts';

// Issue 10 §4 "a model file replaced by garbage", at the gateway level: `afg start` with the
// ONNX estimator and hot swap on; while it runs, the model file is replaced by random bytes —
// first alone (its sha256 no longer matches the manifest), then with a manifest that vouches for
// the garbage (the hash matches, onnxruntime cannot load it). Each time the new files are refused
// with their code and counted, and the old session keeps estimating every tick.
const ALERT_STORM = fileURLToPath(new URL('../integration/fixtures/alert-storm.yaml', import.meta.url));

interface Health {
  status: string;
  inference: { estimator: string; executionProvider: string; model: { sha256: string } | null; hotSwap: { swaps: number; refusals: number; last: { outcome: string; code?: string } | null } | null; failedRuns: number };
}

t.test('model file replaced by garbage while the gateway runs: refused with its code, counted, the old model keeps running', async (t) => {
  const dir = t.testdir();
  const models = path.join(dir, 'models');
  const tiny = await writeTinyAttentionModel(models, { seed: 3, version: '1.0.0' });
  const gw = spawnGateway({
    config: writeConfig(path.join(dir, 'plant.json'), {
      site: 'plant-1',
      gateway: 'gw-a',
      dataDir: path.join(dir, 'data'),
      dashboard: { port: 0 },
      mqtt: { embeddedPort: 0 },
      inference: { estimator: 'attention-state', modelDir: models, executionProviders: ['cpu'], hotSwap: { enabled: true, pollMs: 200 } },
      simulation: { enabled: true, scenario: ALERT_STORM, gazeRateHz: 30 },
    }),
  });
  t.teardown(() => void gw.kill());
  await gw.dashboardUrl;
  const health = async () => (await gw.health()) as unknown as Health | null;
  const runs = async () => metricValue(await gw.metrics(), 'afg_inference_duration_seconds_count');
  t.ok(await waitFor(async () => (await health())?.status !== 'starting' && (await runs()) > 20, 60_000), 'the model estimates before the fault');
  const before = (await health())!;
  t.equal(before.inference.model?.sha256, tiny.sha256, 'the tiny model is the one running');

  const refusedWith = async (code: string, n: number) => {
    t.ok(await waitFor(async () => ((await health())?.inference.hotSwap?.refusals ?? 0) >= n, 20_000), `refusal ${n} seen in /health`);
    const h = (await health())!;
    t.equal(h.inference.hotSwap?.last?.code, code, `refused with ${code}`);
    t.equal(h.inference.model?.sha256, tiny.sha256, 'the old model is still the one running');
    t.equal(h.inference.hotSwap?.swaps, 0, 'nothing was swapped in');
    const m = await gw.metrics();
    t.ok(metricValue(m, 'afg_errors_total', `code="${code}"`) >= 1, `counted in afg_errors_total{code="${code}"}`);
    t.equal(metricValue(m, 'afg_model_swaps_total', 'outcome="refused"'), n, 'and in afg_model_swaps_total{outcome="refused"}');
    const r0 = await runs();
    await new Promise((r) => setTimeout(r, 2000));
    const r1 = await runs();
    t.ok(r1 - r0 >= 20, `the old session keeps running every tick (${r1 - r0} model runs in 2 s)`);
    t.equal((await health())!.inference.failedRuns, 0, 'no failed run: no tick fell back to the rules');
    t.match(gw.output(), new RegExp(`model hot swap refused, .*keeps running: ${code}`), 'the log says what was refused and what keeps running');
  };

  // 1. garbage renamed over the model file (how a deploy writes files): the hash check refuses it
  const file = path.join(models, 'attention-state.onnx');
  const garbage = randomBytes(tiny.bytes.length);
  await writeFile(`${file}.tmp`, garbage);
  await rename(`${file}.tmp`, file);
  await refusedWith('AFG_E_MODEL_HASH', 1);

  // 2. a manifest that vouches for the garbage: the hash matches, onnxruntime refuses the bytes
  const manifestFile = path.join(models, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { models: Record<string, { sha256: string }> };
  manifest.models['attention-state']!.sha256 = sha256(garbage);
  await writeFile(`${manifestFile}.tmp`, JSON.stringify(manifest, null, 2));
  await rename(`${manifestFile}.tmp`, manifestFile);
  await refusedWith('AFG_E_MODEL_LOAD', 2);

  t.equal(await gw.stop(), 0, 'clean stop');
});
