import t from 'tap';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadScenario } from '../../firmware-bridge/simulator/scenario.ts';
import { loadConfigFile } from '../../gateway/config/load-config.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import type { Decision } from '../../gateway/core/types.ts';
import { applyScenarioFloor } from '../../gateway/devices/scenario-fleet-config.ts';
import { runOfflineSimulation } from '../../gateway/devices/offline-simulation.ts';
import { createFloorScheduling } from '../../gateway/scheduler/floor-scheduling.ts';
import { createInferenceEngine } from '../../gateway/inference/inference-engine.ts';

const DEMO = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));

/*
 * The demo floor (examples/demo.yaml) through emulated devices, real decoders and the pipeline
 * in virtual time, with the demo's own estimator (the ONNX model it names in inference) and
 * the scheduler stepped on tick time as the gateway loop does: the
 * drowsy operator gets a micro-break decision within a few minutes, covered by the relief.
 */
t.test('the demo floor produces a break decision for the drowsy operator within 5 minutes', async (t) => {
  const { config: raw, baseDir } = await loadConfigFile(DEMO);
  const scenario = await loadScenario(path.resolve(baseDir, raw.simulation.scenario!));
  const config = applyScenarioFloor(raw, scenario);
  const bus = new EventBus();
  const scheduling = createFloorScheduling({ config, bus, toEpochMs: (x) => x });
  const decisions: Decision[] = [];
  bus.on('decision', (d) => decisions.push(d));
  bus.on('estimate', (e) => scheduling.step(e.t));
  const engine = await createInferenceEngine({ config: raw.inference, baseDir, dataDir: t.testdir(), fleetSize: config.wearers.length });
  t.teardown(() => engine.close());
  t.comment(`estimator: ${engine.summary()}`);
  await runOfflineSimulation({ config: raw, scenario, durationMs: 300_000, bus, estimator: engine.estimator });
  const breaks = decisions.filter((d) => d.kind === 'break' && d.state === 'pending');
  t.ok(breaks.length >= 1, `break decisions: ${decisions.map((d) => `${d.createdAt! / 1000}s ${d.kind} ${d.targets.join('+')} ${d.state}`).join('; ')}`);
  const first = breaks[0]!;
  t.match(first, { targets: ['op-e3c0', 'rl-0001'], station: 'st-06' });
  t.ok(first.createdAt! >= 180_000, 'not during the calibration period');
  t.ok(first.createdAt! <= 300_000, `at ${first.createdAt! / 1000} s`);
  t.match(first.reason, /fatigue/);
  t.notOk(decisions.some((d) => d.kind === 'reassign'), 'no churn on a floor that is well assigned');
});
