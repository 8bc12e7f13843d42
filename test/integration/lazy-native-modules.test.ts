import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { spawnGateway, waitFor, writeConfig } from '../helpers/gateway-process.ts';
import { whichSync } from '../helpers/system-binary.ts';

// A gateway loads the native addons of what its config uses, and only those (startup time and
// RSS, docs/performance.md): read from the process's own memory map, the kernel's view of
// which shared objects it has loaded.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADDONS = { onnxruntime: /onnxruntime_binding\.node/, zeromq: /zeromq\/.*addon\.node/, serialport: /bindings-cpp\/.*\.node/, noble: /noble|bluetooth-hci-socket/, tfjs: /tfjs/ };

function mappedAddons(pid: number): string[] {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
  return Object.entries(ADDONS).filter(([, re]) => re.test(maps)).map(([name]) => name);
}

async function startedGateway(t: { testdir(): string; teardown(fn: () => unknown): void; ok(v: unknown, m: string): void }, brokerUrl: string, inference: Record<string, unknown>) {
  const dir = t.testdir();
  const cfg = writeConfig(path.join(dir, 'gateway.json'), {
    site: 'lazy',
    gateway: `gw-${Object.values(inference).join('') || 'rules'}`,
    dataDir: path.join(dir, 'data'),
    mqtt: { url: brokerUrl },
    dashboard: { port: 0 },
    logLevel: 'warn',
    inference,
    simulation: { enabled: true, scenario: path.join(ROOT, 'examples/scenarios/demo-floor.yaml'), seed: 1, gazeRateHz: 120 },
  });
  const gw = spawnGateway({ config: cfg });
  t.teardown(() => gw.stop());
  const ready = await waitFor(async () => (await gw.health())?.status === 'ready', 60_000, 100);
  t.ok(ready, ready ? 'ready' : `not ready within 60 s:\n${gw.output().slice(-600)}`);
  return gw;
}

t.test('native addons are loaded only for what the config uses', { skip: whichSync('mosquitto') ? false : 'mosquitto is not installed' }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());

  const rules = await startedGateway(t, broker.url, {});
  t.same(mappedAddons(rules.pid), [], 'rule-based estimator, simulated devices, plant broker: no onnxruntime, zeromq, serialport, noble or tfjs');
  await rules.stop();

  const model = await startedGateway(t, broker.url, { estimator: 'attention-state' });
  t.same(mappedAddons(model.pid), ['onnxruntime'], 'the ONNX model: onnxruntime and nothing else');
});
