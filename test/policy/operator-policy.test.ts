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

t.test('shelve hides a kind for a time, never forever; it comes back active and escalates from there', async (t) => {
  const p = new OperatorPolicy({ settings: noCalibration });
  drive(p, 0, 25, () => ({ drowsy: 0.9 }));
  t.equal(p.level('fatigue'), 1);
  t.same(p.shelve('fatigue', 25_000, 625_000, { by: 'tl-03', note: 'break at 10:30' }), { t: 25_000, kind: 'fatigue', level: 1, state: 'shelved', until: 625_000, by: 'tl-03', note: 'break at 10:30' });
  t.equal(p.state('fatigue', 30_000), 'shelved');
  const trs = drive(p, 25, 620, () => ({ drowsy: 0.9 }));
  t.same(trs, [], 'no escalation while shelved');
  const after = drive(p, 620, 1000, () => ({ drowsy: 0.9 }));
  t.same(after.map((x) => [x.t, x.level, x.state]), [[625_000, 1, 'active'], [745_000, 2, 'active'], [925_000, 3, 'active']], 'back to the operator, then team lead 120 s and supervisor 300 s later');
  t.throws(() => p.shelve('fatigue', 10, 5), { code: 'AFG_E_INPUT_INVALID' });
  t.throws(() => p.shelve('fatigue', 0, 3_600_001), { code: 'AFG_E_INPUT_INVALID' }, 'longer than maxShelveS');
});

t.test('a shelve ends early when the condition clears; a new episode starts unshelved', async (t) => {
  const p = new OperatorPolicy({ settings: noCalibration });
  drive(p, 0, 25, () => ({ drowsy: 0.9 }));
  p.shelve('fatigue', 25_000, 1_000_000);
  const a = drive(p, 25, 100, () => ({ attentive: 1 }));
  t.same(a.map((x) => [x.t, x.level, x.state]), [[55_000, 0, 'cleared']], 'hold 30 s after the raise at 20 s; exit 30 s from 25 s');
  const b = drive(p, 100, 130, () => ({ drowsy: 0.9 }));
  t.same(b.map((x) => [x.t, x.level, x.state]), [[120_000, 1, 'active']], 'the shelve belonged to the cleared episode: a new one is seen (fatigueEnterS 20 s)');
});

t.test('ack is audited and only once per episode; acked alerts do not escalate after a shelve either', async (t) => {
  const p = new OperatorPolicy({ settings: noCalibration });
  drive(p, 0, 40, () => ({ overloaded: 0.9 }));
  t.same(p.ack('overload', 40_000, { by: 'op-7f3a', note: 'short staffing' }), { t: 40_000, kind: 'overload', level: 1, state: 'acked', by: 'op-7f3a', note: 'short staffing' });
  t.equal(p.state('overload', 41_000), 'acked');
  t.equal(p.ack('fatigue', 40_000), null, 'nothing to acknowledge');
  t.same(drive(p, 40, 600, () => ({ overloaded: 0.9 })), []);
});

t.test("an 'unknown' estimate is neither sensor loss nor evidence", async (t) => {
  const p = new OperatorPolicy({ settings: noCalibration });
  const unknown = (tMs: number): AttentionEstimate => ({ wearer: 'op-7f3a', t: tMs, probs: null, score: null, quality: 0.2, state: 'unknown', estimator: 'test' });
  const out: OperatorTransition[] = [];
  for (let k = 0; k < 600; k++) out.push(...p.step(k * 100, k % 2 ? unknown(k * 100) : est(k * 100, { overloaded: 0.9 })));
  t.same(out, [], 'interleaved unknowns restart the evidence: no overload, no sensor_lost');
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
  const trs = drive(p, 0, 300, (s) => (s < 20 ? null : s < 100 ? { distracted: 0.9, overloaded: 0.9 } : { overloaded: 0.9 }));
  const kinds = trs.filter((x) => x.t < 180_000).map((x) => x.kind);
  t.ok(kinds.includes('sensor_lost'), 'sensor_lost fires during calibration');
  t.ok(kinds.includes('distraction'), 'distraction at a safety-critical station fires during calibration');
  t.notOk(kinds.includes('overload'), 'overload waits for the end of calibration');
  t.same(trs.filter((x) => x.kind === 'overload').map((x) => [x.t, x.level]), [[210_000, 1]], 'evidence counts from the end of calibration (180 s) for overloadEnterS (30 s)');
});

t.test('distraction is only watched at safety-critical stations', async (t) => {
  const p = new OperatorPolicy({ settings: noCalibration });
  t.same(drive(p, 0, 60, () => ({ distracted: 0.95 })).filter((x) => x.kind === 'distraction'), []);
});

t.test('property: every kind, noisy near its thresholds with dropouts, keeps its minimum spacing', async (t) => {
  // minHoldS above exitS, so the hold itself (not only the exit time) is exercised
  const settings = { ...noCalibration, minHoldS: 60 };
  const S = new OperatorPolicy({ settings }).settings;
  const minRaiseToClear: Record<string, number> = { sensor_lost: S.sensorBackS, distraction: Math.max(S.minHoldS, S.exitS), fatigue: Math.max(S.minHoldS, S.exitS), overload: Math.max(S.minHoldS, S.exitS) };
  const minClearToRaise: Record<string, number> = { sensor_lost: S.sensorLostS, distraction: S.distractionEnterS, fatigue: S.fatigueEnterS, overload: S.overloadEnterS };
  let moved = 0;
  let clearedByEvidence = 0;
  await fc.assert(
    fc.property(
      // each noisy value holds 5..60 s, so both the enter and the exit evidence can build up
      fc.array(fc.record({ d: fc.double({ min: 0.3, max: 0.7, noNaN: true }), f: fc.double({ min: 0.3, max: 0.7, noNaN: true }), o: fc.double({ min: 0.3, max: 0.7, noNaN: true }), perclos: fc.double({ min: 0.05, max: 0.2, noNaN: true }), lost: fc.integer({ min: 0, max: 9 }), hold: fc.integer({ min: 1, max: 12 }) }), { minLength: 120, maxLength: 120 }).map((segs) => segs.flatMap((g) => Array.from({ length: g.hold }, () => g)).slice(0, 120)),
      (noise) => {
        const p = new OperatorPolicy({ safetyCritical: true, settings });
        const last = new Map<string, { t: number; up: boolean }>();
        for (let k = 0; k < 1200; k++) {
          const n = noise[Math.floor(k / 10)]!; // a new noisy value every 5 s, stepped at 2 Hz
          const e = n.lost === 0 ? est(k * 500, null) : est(k * 500, { distracted: n.d, drowsy: n.f, overloaded: n.o });
          for (const tr of p.step(k * 500, e, { perclos: n.perclos })) {
            const up = tr.state === 'active' && tr.level === 1;
            if (!up && tr.state !== 'cleared') continue;
            const prev = last.get(tr.kind);
            if (prev) {
              const gapS = (tr.t - prev.t) / 1000;
              if (prev.up === up) return false;
              if (gapS < (up ? minClearToRaise[tr.kind]! : minRaiseToClear[tr.kind]!)) return false;
            }
            last.set(tr.kind, { t: tr.t, up });
            moved++;
            if (tr.kind !== 'sensor_lost' && !up) clearedByEvidence++;
          }
        }
        return true;
      },
    ),
    { numRuns: 60, seed: 3 },
  );
  t.ok(moved > 50, `noise moved the policy (${moved} raise/clear transitions) within the minimum spacings`);
  t.ok(clearedByEvidence > 20, `including ${clearedByEvidence} clears of fatigue/overload/distraction`);
});

t.test('escalation timing is exact to the step and stops at the supervisor', async (t) => {
  const p = new OperatorPolicy({ settings: { ...noCalibration, teamLeadAfterS: 10, supervisorAfterS: 25 } });
  const trs = drive(p, 0, 200, () => ({ drowsy: 0.9 }));
  t.same(trs.map((x) => [x.t, x.level]), [[20_000, 1], [30_000, 2], [45_000, 3]]);
  t.throws(() => new OperatorPolicy({ settings: { teamLeadAfterS: 100, supervisorAfterS: 50 } }), RangeError);
  t.throws(() => new OperatorPolicy({ settings: { exitProb: 0.9 } }), RangeError);
});
