import t from 'tap';
import { readFile } from 'node:fs/promises';
import { SignalSimulator, ROAD_AHEAD_POLYGON_DEG } from '../../firmware-bridge/simulator/signal-simulator.ts';
import { parseScenario, type WearerScenario } from '../../firmware-bridge/simulator/scenario.ts';

const driver = (segments: WearerScenario['segments']): WearerScenario => ({ wearer: 'dr-19c2', role: 'driver', speedMps: 2.5, segments });
const operator = (segments: WearerScenario['segments']): WearerScenario => ({ wearer: 'op-7f3a', role: 'operator', speedMps: 0, segments });

function rmssd(rr: Float32Array): number {
  let s = 0;
  for (let i = 1; i < rr.length; i++) s += (rr[i]! - rr[i - 1]!) ** 2;
  return Math.sqrt(s / (rr.length - 1));
}

t.test('same seed, same signals; incremental generation equals one call', async (t) => {
  const sc = driver([{ at: 1, duration: 2, state: 'glance_away' }]);
  const a = new SignalSimulator({ scenario: sc, seed: 3, gazeRateHz: 250 });
  const b = new SignalSimulator({ scenario: sc, seed: 3, gazeRateHz: 250 });
  const c = new SignalSimulator({ scenario: sc, seed: 4, gazeRateHz: 250 });
  const whole = a.gazeUntil(5000);
  const xs: number[] = [];
  for (let end = 37; end < 5000 + 37; end += 37) xs.push(...b.gazeUntil(Math.min(end, 5000)).x);
  t.equal(xs.length, whole.n);
  t.same(Float32Array.from(xs), whole.x);
  t.not(c.gazeUntil(5000).x[100], whole.x[100], 'another seed differs');
});

t.test('sensor loss is invalid with NaN openness, never closed', async (t) => {
  const sim = new SignalSimulator({ scenario: operator([{ at: 1, duration: 2, state: 'sensor_loss' }]), seed: 1, gazeRateHz: 100 });
  const g = sim.gazeUntil(4000);
  for (let i = 100; i < 300; i++) {
    if (g.valid[i] !== 0 || !Number.isNaN(g.openness[i]!)) return t.fail(`sample ${i} during loss: valid ${g.valid[i]} openness ${g.openness[i]}`);
  }
  t.equal(g.valid[99], 1);
  t.equal(g.valid[300], 1);
});

t.test('glance away leaves the road polygon for the segment, within one saccade', async (t) => {
  const sim = new SignalSimulator({ scenario: driver([{ at: 2, duration: 4, state: 'glance_away' }]), seed: 9, gazeRateHz: 100 });
  const g = sim.gazeUntil(8000);
  const [[x0, y0], , [x1, y1]] = ROAD_AHEAD_POLYGON_DEG as [number, number][];
  const inRoad = (i: number) => g.x[i]! >= x0! && g.x[i]! <= x1! && g.y[i]! >= y0! && g.y[i]! <= y1!;
  let outside = 0;
  for (let i = 0; i < g.n; i++) if (!inRoad(i)) outside++;
  // 4 s away, entered and left by saccades of ~100 ms and bounded by the current fixation end
  t.ok(outside >= 330 && outside <= 420, `outside samples ${outside}`);
  t.ok(!inRoad(450), 'away in the middle of the segment');
});

t.test('microsleep closes the eyes while tracking stays valid', async (t) => {
  const sim = new SignalSimulator({ scenario: driver([{ at: 1, duration: 3, state: 'microsleep', closedS: 3 }]), seed: 2, gazeRateHz: 100 });
  const g = sim.gazeUntil(5000);
  let closed = 0;
  for (let i = 100; i < 400; i++) if (g.valid[i] === 1 && g.openness[i]! < 0.1) closed++;
  t.equal(closed, 300);
});

t.test('drowsiness lengthens blinks and raises the closed share', async (t) => {
  const measure = (state: 'attentive' | 'drowsy') => {
    const sim = new SignalSimulator({ scenario: operator([{ at: 0, duration: 600, state }]), seed: 5, gazeRateHz: 100 });
    const g = sim.gazeUntil(300_000);
    let closed = 0;
    let runs = 0;
    let runLen = 0;
    let total = 0;
    for (let i = 0; i < g.n; i++) {
      const c = g.openness[i]! < 0.2;
      if (c) {
        closed++;
        runLen++;
      } else if (runLen) {
        runs++;
        total += runLen;
        runLen = 0;
      }
    }
    return { share: closed / g.n, meanRunMs: (total / runs) * 10 };
  };
  const a = measure('attentive');
  const d = measure('drowsy');
  t.ok(d.share > 2 * a.share, `closed share ${a.share.toFixed(3)} -> ${d.share.toFixed(3)}`);
  t.ok(d.meanRunMs > a.meanRunMs + 100, `closure run ${a.meanRunMs.toFixed(0)} -> ${d.meanRunMs.toFixed(0)} ms`);
});

t.test('overload: pupil up, heart rate up, RMSSD down', async (t) => {
  const run = (state: 'attentive' | 'overload') => {
    const sim = new SignalSimulator({ scenario: operator([{ at: 0, duration: 600, state }]), seed: 8, gazeRateHz: 60 });
    const g = sim.gazeUntil(120_000);
    let p = 0;
    for (let i = 0; i < g.n; i++) p += g.pupil[i]!;
    const h = sim.heartUntil(300_000);
    const meanRr = h.rrMs.reduce((s, x) => s + x, 0) / h.n;
    return { pupil: p / g.n, hr: 60000 / meanRr, rmssd: rmssd(h.rrMs) };
  };
  const a = run('attentive');
  const o = run('overload');
  t.ok(o.pupil - a.pupil > 0.3, `pupil ${a.pupil.toFixed(2)} -> ${o.pupil.toFixed(2)} mm`);
  t.ok(o.hr - a.hr > 7, `HR ${a.hr.toFixed(1)} -> ${o.hr.toFixed(1)} bpm`);
  t.ok(o.rmssd < 0.75 * a.rmssd, `RMSSD ${a.rmssd.toFixed(1)} -> ${o.rmssd.toFixed(1)} ms`);
});

t.test('scenario validation names the bad field; the demo floor validates', async (t) => {
  t.throws(() => parseScenario('wearers: [{wearer: op-7f3a, role: pilot}]'), { code: 'AFG_E_SCENARIO_INVALID', path: '/wearers/0/role' });
  t.throws(() => parseScenario('wearers: [{wearer: op-7f3a, role: operator, colour: red}]'), { code: 'AFG_E_SCENARIO_INVALID', path: '/wearers/0/colour' });
  t.throws(() => parseScenario('wearers: [{wearer: op-7f3a, role: operator, station: nowhere}]'), { code: 'AFG_E_SCENARIO_INVALID', path: '/wearers/0/station' });
  const demo = parseScenario(await readFile(new URL('../../examples/scenarios/demo-floor.yaml', import.meta.url), 'utf8'));
  t.equal(demo.wearers.filter((w) => w.role === 'operator').length, 6);
  t.equal(demo.wearers.filter((w) => w.role === 'driver').length, 2);
});
