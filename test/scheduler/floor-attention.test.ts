import t from 'tap';
import type { AttentionEstimate } from '../../gateway/core/types.ts';
import { FloorAttention } from '../../gateway/scheduler/floor-attention.ts';

const e = (t: number, drowsy: number | null, score: number | null): AttentionEstimate =>
  drowsy === null ? { wearer: 'op-0001', t, probs: null, score: null, quality: 0, state: 'sensor_lost', estimator: 'x' } : { wearer: 'op-0001', t, probs: { attentive: 1 - drowsy, distracted: 0, drowsy, overloaded: 0 }, score, quality: 1, state: 'attentive', estimator: 'x' };

t.test('exponential smoothing with the time constant; fatigue index from P(drowsy) and PERCLOS', async (t) => {
  const fa = new FloorAttention({ wearers: ['op-0001'], smoothingS: 30, perclosFull: 0.15, calibrationS: 60 });
  fa.observeEstimate(e(0, 0.1, 1));
  for (let k = 1; k <= 600; k++) fa.observeEstimate(e(k * 50, 0.1, 0.5)); // 30 s of 0.5
  const v = fa.view(30_000).get('op-0001')!;
  t.ok(Math.abs(v.score! - (0.5 + 0.5 * Math.exp(-1))) < 1e-9, `one time constant: ${v.score}`);
  t.ok(Math.abs(v.fatigue! - 0.1) < 1e-9);
  t.equal(v.perclos, null, 'no PERCLOS seen yet');
  t.equal(v.calibrating, true);
  fa.observePerclos('op-0001', 0.3);
  fa.observeEstimate(e(30_050, 0.1, 0.5));
  t.ok(fa.view(30_050).get('op-0001')!.fatigue! > 0.1, 'PERCLOS 0.3 (> 0.15) pulls the index toward 1');
  t.equal(fa.view(60_000).get('op-0001')!.calibrating, false, 'calibration counts from the first tick');
});

t.test('sensor loss: values hold, then go unknown (null) after staleS; a fresh start after the loss', async (t) => {
  const fa = new FloorAttention({ wearers: ['op-0001'], smoothingS: 30, perclosFull: 0.15, calibrationS: 0, staleS: 10 });
  for (let k = 0; k <= 200; k++) fa.observeEstimate(e(k * 50, 0.9, 0.2));
  for (let k = 201; k <= 600; k++) fa.observeEstimate(e(k * 50, null, null));
  t.ok(fa.view(15_000).get('op-0001')!.score !== null, 'held 5 s into the loss');
  t.same(fa.view(30_000).get('op-0001'), { score: null, fatigue: null, perclos: null, calibrating: false }, 'missing data is not a state');
  fa.observeEstimate(e(30_050, 0.1, 0.9));
  t.equal(fa.view(30_050).get('op-0001')!.score, 0.9, 'after a stale gap the average starts again');
  t.throws(() => new FloorAttention({ wearers: [], smoothingS: 0, perclosFull: 0.15, calibrationS: 0 }), RangeError);
});
