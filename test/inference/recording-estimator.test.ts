import t from 'tap';
import { pino } from 'pino';
import { startGateway } from '../../gateway/app/gateway-app.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import type { AttentionEstimate } from '../../gateway/core/types.ts';
import { estimatorForRecording } from '../../gateway/inference/recording-estimator.ts';
import { readRecording } from '../../gateway/record/recording.ts';
import { replayRecording } from '../../gateway/record/replay.ts';
import { writeTinyAttentionModel } from './tiny-attention-model.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

t.test('a run with an ONNX model is recorded with the model, and its replay gives the same estimates', async (t) => {
  const dir = t.testdir();
  const models = `${dir}/models`;
  await writeTinyAttentionModel(models, { version: '7.0.0' });
  const config = validateConfig({
    dataDir: `${dir}/data`,
    mqtt: { embeddedPort: 0 },
    dashboard: { enabled: false },
    inference: { estimator: 'attention-state', modelDir: models, hotSwap: { enabled: false } },
    simulation: { enabled: true, scenario: `${ROOT}/examples/scenarios/sensor-loss.yaml` },
  });
  const file = `${dir}/run.afgrec`;
  const gw = await startGateway({ config, baseDir: dir, version: 'test', record: file, logger: pino({ level: 'silent' }) });
  const live: AttentionEstimate[] = [];
  gw.bus.on('estimate', (e) => live.push(e));
  const deadline = Date.now() + 30_000;
  while (live.filter((e) => e.probs !== null).length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await gw.stop();
  const { header } = await readRecording(file);
  t.equal(header.estimator, 'attention-state/7.0.0');
  t.equal(header.model?.name, 'attention-state');

  const bus = new EventBus();
  const replayed = new Map<string, AttentionEstimate>();
  bus.on('estimate', (e) => replayed.set(`${e.wearer}@${e.t}`, e));
  await replayRecording(file, { bus, estimatorFor: (h) => estimatorForRecording(h, models) });
  const compared = live.filter((e) => replayed.has(`${e.wearer}@${e.t}`));
  t.ok(compared.length >= live.length - 2, `${compared.length} of ${live.length} live estimates replayed (the last tick may not be flushed)`);
  t.ok(compared.some((e) => e.probs !== null), 'with model estimates among them');
  t.same(compared, compared.map((e) => replayed.get(`${e.wearer}@${e.t}`)), 'identical estimates, model and sensor_lost alike');

  // another file in the model folder: the replay refuses instead of silently differing
  await writeTinyAttentionModel(models, { version: '7.0.0', seed: 99 });
  await t.rejects(replayRecording(file, { estimatorFor: (h) => estimatorForRecording(h, models) }), { code: 'AFG_E_MODEL_HASH', message: /would not reproduce it/ });
});
