import t from 'tap';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../firmware-bridge/simulator/scenario.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { runOfflineSimulation } from '../../gateway/devices/offline-simulation.ts';

const scenarioFile = fileURLToPath(new URL('../../examples/scenarios/glance-away.yaml', import.meta.url));

/*
 * The same DriverPolicy runs live: observations derived from the AOI feature ("road_ahead"),
 * eye openness (closure) and the vehicle speed signal, through emulated devices and the real
 * decoders in virtual time. Feature windows add latency, so times are checked within a band.
 */
t.test('live: glances away while moving give the table levels; the glance at standstill gives none', async (t) => {
  const scenario = await loadScenario(scenarioFile);
  const { alerts } = await runOfflineSimulation({ config: validateConfig({ simulation: { seed: 1 } }), scenario, durationMs: 75_000 });
  const d = alerts.filter((a) => a.kind === 'distraction').map((a) => [Math.round(a.raisedAt / 100) / 10, a.level] as const);
  // 2 s glance at 10 s: nothing; 4 s at 25 s: level 1 at ~28 s; 7 s at 45 s: level 1 ~48 s, level 2 ~50 s
  t.notOk(d.some(([tt]) => tt >= 10 && tt < 20), 'the 2 s glance raises nothing');
  const l1 = d.filter(([tt, l]) => l === 1 && tt >= 25 && tt < 35);
  t.equal(l1.length, 1, `level 1 once for the 4 s glance: ${JSON.stringify(d)}`);
  t.ok(l1[0]![0] >= 27.9 && l1[0]![0] <= 28.6, `level 1 at 3 s off road (${l1[0]![0]} s)`);
  const l2 = d.filter(([tt, l]) => l === 2 && tt >= 45 && tt < 60);
  t.equal(l2.length, 1, 'level 2 for the 7 s glance');
  t.ok(l2[0]![0] >= 49.9 && l2[0]![0] <= 50.6, `level 2 at 5 s off road (${l2[0]![0]} s)`);
  t.notOk(d.some(([tt, l]) => l > 0 && tt >= 65 && tt < 75), 'no level at standstill (65-70 s at 0 m/s)');
  t.ok(alerts.every((a) => a.role === 'driver' && a.audience === 'wearer'), 'in-cab alerts address the driver');
});
