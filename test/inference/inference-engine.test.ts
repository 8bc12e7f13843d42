import t from 'tap';
import { pino } from 'pino';
import { startGateway } from '../../gateway/app/gateway-app.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { createInferenceEngine, selectedModel } from '../../gateway/inference/inference-engine.ts';
import { writeTinyAttentionModel } from './tiny-attention-model.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

t.test('inference.estimator selects the rule-based estimator, onnx (inference.model) or a named model', async (t) => {
  t.equal(selectedModel({ estimator: 'rule-based', model: 'attention-state' }), null);
  t.equal(selectedModel({ estimator: 'onnx', model: 'attention-state' }), 'attention-state');
  t.equal(selectedModel({ estimator: 'attention-state-v2', model: 'attention-state' }), 'attention-state-v2');
  t.throws(() => validateConfig({ inference: { estimator: 'Rule Based' } }), { code: 'AFG_E_CONFIG_INVALID', path: '/inference/estimator' });
  t.throws(() => validateConfig({ inference: { executionProviders: ['cuda', 'cuda'] } }), { code: 'AFG_E_CONFIG_INVALID', path: '/inference/executionProviders' });
  t.throws(() => validateConfig({ inference: { tensorrt: { fp32: true } } }), { code: 'AFG_E_CONFIG_INVALID', path: '/inference/tensorrt/fp32' });
  const d = validateConfig({});
  t.equal(d.inference.estimator, 'rule-based');
  t.same(d.inference.tensorrt, { deviceId: 0, fp16: true, workspaceMb: 1024, engineCache: true, engineCacheDir: 'tensorrt-cache' });
  t.same(d.inference.hotSwap, { enabled: true, pollMs: 2000 });
  t.equal(d.inference.cpuThreads, 1);

  const rb = await createInferenceEngine({ config: d.inference, baseDir: ROOT, dataDir: ROOT });
  t.equal(rb.kind, 'rule-based');
  t.equal(rb.estimator.name, 'rule-based/1');
  t.equal(rb.summary(), 'cpu (rule-based estimator)');
});

t.test('a model that cannot be loaded stops the engine with its code and the config field', async (t) => {
  const dir = t.testdir();
  const cfg = validateConfig({ inference: { estimator: 'onnx', modelDir: dir } });
  await t.rejects(createInferenceEngine({ config: cfg.inference, baseDir: dir, dataDir: dir }), { code: 'AFG_E_MODEL_MANIFEST', path: '/inference/estimator', message: /model folder/ });
  await writeTinyAttentionModel(dir);
  const missing = validateConfig({ inference: { estimator: 'eye-events', modelDir: dir } });
  await t.rejects(createInferenceEngine({ config: missing.inference, baseDir: dir, dataDir: dir }), { code: 'AFG_E_MODEL_MANIFEST', message: /no model 'eye-events'/ });
});

t.test('the gateway reports the provider in use and why the others failed: start, /health, /metrics', async (t) => {
  const dir = t.testdir();
  await writeTinyAttentionModel(dir, { version: '4.5.6' });
  const config = validateConfig({
    dataDir: `${dir}/data`,
    mqtt: { embeddedPort: 0 },
    dashboard: { port: 0 },
    inference: { estimator: 'onnx', modelDir: dir, hotSwap: { enabled: false } },
    simulation: { enabled: true, scenario: `${ROOT}/examples/scenarios/attentive.yaml` },
    logLevel: 'fatal',
  });
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  const gw = await startGateway({ config, baseDir: dir, version: 'test', logger });
  t.teardown(() => gw.stop());
  t.equal(gw.executionProvider, 'cpu');
  t.equal(gw.inference.estimator.name, 'attention-state/4.5.6');
  t.match(gw.inference.summary(), /^cpu — attention-state\/4\.5\.6 on onnxruntime \(tensorrt, cuda unavailable, see log\)$/);
  const log = lines.join('');
  t.match(log, /execution provider tensorrt unavailable: .*Failed to load shared library/);
  t.match(log, /execution provider cuda unavailable: .*Failed to load shared library/);
  t.match(log, /attention model attention-state\/4\.5\.6 .* runs on cpu/);

  // wait for ticks with estimates from the model (the window fills in a few seconds)
  const deadline = Date.now() + 30_000;
  let modelEstimates = 0;
  gw.bus.on('estimate', (e) => {
    if (e.estimator === 'attention-state/4.5.6' && e.probs) modelEstimates++;
  });
  while (modelEstimates === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.ok(modelEstimates > 0, 'the model estimates the simulated wearers');

  const health = (await (await fetch(`${gw.dashboardUrl}/health`)).json()) as Record<string, any>;
  t.equal(health['executionProvider'], 'cpu');
  t.equal(health['estimator'], 'attention-state/4.5.6');
  t.same(health['inference'].providers.map((p: { provider: string; ok: boolean }) => [p.provider, p.ok]), [['tensorrt', false], ['cuda', false], ['cpu', true]]);
  t.match(health['inference'].providers[0].error, /Failed to load shared library/);
  t.equal(health['inference'].model.version, '4.5.6');
  t.match(health['inference'].model.sha256, /^[0-9a-f]{64}$/);

  const metrics = await (await fetch(`${gw.dashboardUrl}/metrics`)).text();
  t.match(metrics, /afg_execution_provider_info\{provider="cpu",estimator="attention-state\/4\.5\.6"\} 1/);
  t.match(metrics, /afg_execution_provider_available\{provider="tensorrt"\} 0/);
  t.match(metrics, /afg_execution_provider_available\{provider="cuda"\} 0/);
  t.match(metrics, /afg_execution_provider_available\{provider="cpu"\} 1/);
  t.match(metrics, /afg_inference_duration_seconds_count [1-9]/);
  t.match(metrics, /afg_inference_batch_rows 2/);
  t.equal(gw.errors.get('AFG_E_INFERENCE_RUN'), 0, 'no failed runs');
});
