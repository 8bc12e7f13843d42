import t from 'tap';
import fc from 'fast-check';
import type { AttentionEstimate } from '../../gateway/core/types.ts';
import { OperatorPolicy, type OperatorTransition } from '../../gateway/policy/operator-policy.ts';

function est(tMs: number, p: Partial<Record<'attentive' | 'distracted' | 'drowsy' | 'overloaded', number>> | null): AttentionEstimate {
  if (p === null) return { wearer: 'op-7f3a', t: tMs, probs: null, score: null, quality: 0, state: 'sensor_lost', estimator: 'test' };
  const probs = { attentive: 0, distracted: 0, drowsy: 0, overloaded: 0, ...p };
  return { wearer: 'op-7f3a', t: tMs, probs, score: probs.attentive, quality: 1, state: 'attentive', estimator: 'test' };
}

/** Steps a policy at 10 Hz; `at(tS)` gives the estimate probabilities at each second mark. */
function drive(p: OperatorPolicy, fromS: number, toS: number, at: (tS: number) => Parameters<typeof est>[1]): OperatorTransition[] {
  const out: OperatorTransition[] = [];
  for (let k = Math.round(fromS * 10); k < Math.round(toS * 10); k++) out.push(...p.step(k * 100, est(k * 100, at(k / 10))));
  return out;
}

const noCalibration = { calibrationS: 0 };

t.test('overload is raised after its enter time and escalates when nobody acknowledges', async (t) => {
  const p = new OperatorPolicy({ settings: noCalibration });
  const trs = drive(p, 0, 500, (s) => (s >= 10 ? { overloaded: 0.8 } : { attentive: 1 }));
  t.same(trs.map((x) => [x.t, x.kind, x.level]), [[40_000, 'overload', 1], [160_000, 'overload', 2], [340_000, 'overload', 3]]);
});

t.test('ack stops escalation; the alert clears only after exit time and minimum hold', async (t) => {
  const p = new OperatorPolicy({ settings: noCalibration });
  const a = drive(p, 0, 50, (s) => (s >= 10 ? { overloaded: 0.8 } : { attentive: 1 }));
  t.same(a.map((x) => x.level), [1]);
  t.same(p.ack('overload', 50_000), { t: 50_000, kind: 'overload', level: 1, state: 'acked' });
  t.equal(p.ack('overload', 51_000), null, 'a second ack changes nothing');
  const b = drive(p, 50, 400, (s) => (s < 200 ? { overloaded: 0.8 } : { attentive: 1 }));
  t.same(b.map((x) => [x.t, x.level, x.state]), [[230_000, 0, 'cleared']], 'no escalation after ack; cleared 30 s after the evidence went');
});

t.test('shelve hides a kind for a time, never forever', async (t) => {
  const p = new OperatorPolicy({ settings: noCalibration });
  drive(p, 0, 25, () => ({ drowsy: 0.9 }));
  t.equal(p.level('fatigue'), 1);
  t.same(p.shelve('fatigue', 25_000, 600_000)?.state, 'shelved');
  const trs = drive(p, 25, 400, () => ({ drowsy: 0.9 }));
  t.same(trs, [], 'no escalation while shelved');
  const after = drive(p, 600, 601, () => ({ drowsy: 0.9 }));
  t.same(after.map((x) => x.level), [3], 'escalation resumes when the shelve ends');
  t.throws(() => p.shelve('fatigue', 10, 5), RangeError);
});

t.test('noisy evidence near the thresholds never flickers faster than the minimum durations', async (t) => {
  let transitions = 0;
  await fc.assert(
    // evidence hovering around the enter threshold, changing every 10 s, for 10 minutes
    fc.property(fc.array(fc.double({ min: 0.45, max: 0.75, noNaN: true }), { minLength: 60, maxLength: 60 }), (noise) => {
      const p = new OperatorPolicy({ settings: noCalibration });
      const trs = drive(p, 0, 600, (s) => ({ overloaded: noise[Math.floor(s / 10)]! }));
      const changes = trs.filter((x) => x.kind === 'overload' && ((x.level === 1 && x.state === 'active') || x.state === 'cleared'));
      transitions += changes.length;
      for (let i = 1; i < changes.length; i++) if (changes[i]!.t - changes[i - 1]!.t < 30_000) return false;
      return true;
    }),
    { numRuns: 100, seed: 42 },
  );
  t.ok(transitions > 20, `the noise did make the policy move (${transitions} raise/clear transitions), never within 30 s of each other`);
});

t.test('sensor loss: its own alert; never fatigue or overload', async (t) => {
  const p = new OperatorPolicy({ settings: noCalibration });
  const trs = drive(p, 0, 60, (s) => (s >= 5 && s < 40 ? null : { attentive: 1 }));
  t.same(trs.map((x) => [x.t, x.kind, x.level]), [[8_000, 'sensor_lost', 1], [41_000, 'sensor_lost', 0]]);
});

t.test('calibration: only safety-critical kinds fire in the first minutes', async (t) => {
  const p = new OperatorPolicy({ safetyCritical: true });
  const trs = drive(p, 0, 200, (s) => (s < 20 ? null : s < 100 ? { distracted: 0.9, overloaded: 0.9 } : { overloaded: 0.9 }));
  const kinds = trs.filter((x) => x.t < 180_000).map((x) => x.kind);
  t.ok(kinds.includes('sensor_lost'), 'sensor_lost fires during calibration');
  t.ok(kinds.includes('distraction'), 'distraction at a safety-critical station fires during calibration');
  t.notOk(kinds.includes('overload'), 'overload waits for the end of calibration');
  t.ok(trs.some((x) => x.kind === 'overload' && x.t >= 180_000), 'and fires after it');
});

t.test('distraction is only watched at safety-critical stations', async (t) => {
  const p = new OperatorPolicy({ settings: noCalibration });
  t.same(drive(p, 0, 60, () => ({ distracted: 0.95 })).filter((x) => x.kind === 'distraction'), []);
});
