import t from 'tap';
import { SignalSimulator } from '../../firmware-bridge/simulator/signal-simulator.ts';
import { parseScenario } from '../../firmware-bridge/simulator/scenario.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import type { SampleBatch } from '../../gateway/core/types.ts';
import { SimulatedPolarH10 } from '../../gateway/devices/simulated-polar-h10.ts';

t.test('the emulated H10 delivers HR, ECG with R peaks on the beats, and 200 Hz acceleration, in gateway time', async (t) => {
  const scenario = parseScenario('wearers: [{ wearer: dr-19c2, role: driver, vehicle: { speedMps: 2.5 } }]');
  const mk = () => new SignalSimulator({ scenario: scenario.wearers[0]!, seed: 4, gazeRateHz: 60, accRateHz: 200 });
  const truth = mk().hrUntil(20_000); // the same seed gives the same beats
  const batches: SampleBatch[] = [];
  const errors = new ErrorCounter();
  const t0 = 1000; // the device started 1 s into gateway time
  const h10 = new SimulatedPolarH10({ id: 'h10-19c2', wearer: 'dr-19c2', sim: mk(), driftPpm: 35, startMs: t0, errors, sink: (_w, b) => batches.push(b) });
  await h10.start();
  for (let now = t0 + 50; now <= t0 + 20_000; now += 50) h10.poll(now);
  t.equal(errors.total(), 0, 'every frame decoded');
  t.ok(batches.every((b) => b.clock === 'gateway'));

  const ecg = batches.filter((b): b is Extract<SampleBatch, { kind: 'ecg' }> => b.kind === 'ecg');
  const acc = batches.filter((b): b is Extract<SampleBatch, { kind: 'acc' }> => b.kind === 'acc');
  const hr = batches.filter((b): b is Extract<SampleBatch, { kind: 'hr' }> => b.kind === 'hr');
  const count = (bs: { n: number }[]) => bs.reduce((s, b) => s + b.n, 0);
  t.ok(Math.abs(count(acc) / 20 - 200) < 5, `ACC ~200 Hz (${count(acc) / 20})`);
  t.ok(count(ecg) / 19 > 120, `ECG ~130 Hz (${(count(ecg) / 19).toFixed(1)})`);
  t.ok(hr.length >= 18 && hr.every((b) => b.bpm[0]! > 40 && b.bpm[0]! < 120), 'HR once a second');

  // R peaks: local maxima above 0.8 mV; each must sit on a simulated beat (+ t0), within two
  // samples at 130 Hz plus the clock mapping's error
  const tt: number[] = [];
  const v: number[] = [];
  for (const b of ecg) for (let i = 0; i < b.n; i++) (tt.push(b.t[i]!), v.push(b.uV[i]!));
  const peaks: number[] = [];
  for (let i = 1; i + 1 < v.length; i++) if (v[i]! > 800 && v[i]! >= v[i - 1]! && v[i]! > v[i + 1]!) peaks.push(tt[i]!);
  t.ok(peaks.length >= 15, `${peaks.length} R peaks in 20 s`);
  let worst = 0;
  for (const p of peaks.slice(5)) {
    let best = Infinity;
    for (let k = 0; k < truth.n; k++) best = Math.min(best, Math.abs(p - (truth.beats[k]! + t0)));
    worst = Math.max(worst, best);
  }
  t.ok(worst < 20, `R peaks within ${worst.toFixed(1)} ms of the beats`);
  t.equal(h10.status(t0 + 20_000).state, 'connected');
});
