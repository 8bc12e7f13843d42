import t from 'tap';
import { EffectEvaluator } from '../../gateway/effects/effect-evaluator.ts';
import type { EffectRecord } from '../../gateway/effects/effect-record.ts';

const EPOCH0 = 1_767_225_600_000;

/** Feeds one wearer at 20 Hz from `fromS` to `toS` with score(tS) and perclos(tS) (null = unknown). */
function feed(fx: EffectEvaluator, wearer: string, fromS: number, toS: number, score: (s: number) => number | null, perclos: (s: number) => number | null = () => null) {
  for (let k = Math.round(fromS * 20); k < Math.round(toS * 20); k++) {
    const tMs = k * 50;
    fx.observeScore(wearer, tMs, score(tMs / 1000));
    fx.observePerclos(wearer, tMs, perclos(tMs / 1000));
  }
}

t.test('a break: 10 min before vs 10 min after the break, exact means, stored and summarised', async (t) => {
  const records: EffectRecord[] = [];
  const fx = new EffectEvaluator({ wearers: ['op-0001', 'op-0002'], toEpochMs: (x) => EPOCH0 + x, onRecord: (r) => records.push(r) });
  feed(fx, 'op-0001', 0, 600, () => 0.5, () => 0.14);
  fx.begin({ id: 'dc-1', kind: 'break', wearer: 'op-0001', station: 'st-01', tMs: 600_000, delayS: 300 });
  feed(fx, 'op-0001', 600, 900, () => null); // on break: no data (not a state of the person)
  feed(fx, 'op-0001', 900, 1500, () => 0.8, () => 0.05);
  t.same(fx.step(1_499_950), [], 'not before the after window has passed');
  t.equal(fx.waiting, 1);
  const out = fx.step(1_500_000);
  t.equal(out.length, 1);
  t.same(out[0], {
    id: 'dc-1', kind: 'break', wearer: 'op-0001', station: 'st-01', at: EPOCH0 + 600_000,
    before: { score: 0.5, perclos: 0.14, coveredS: 600 },
    after: { score: 0.8, perclos: 0.05, coveredS: 600 },
    deltaScore: 0.3, deltaPerclos: -0.09, beforeS: 600, delayS: 300, afterS: 600,
  });
  t.same(records, out, 'handed to the store');
  t.same(fx.summary(), [
    { kind: 'break', station: null, n: 1, recorded: 1, meanScoreBefore: 0.5, meanScoreAfter: 0.8, meanDeltaScore: 0.3, meanDeltaPerclos: -0.09 },
    { kind: 'break', station: 'st-01', n: 1, recorded: 1, meanScoreBefore: 0.5, meanScoreAfter: 0.8, meanDeltaScore: 0.3, meanDeltaPerclos: -0.09 },
  ]);
});

t.test('a window mostly without data gives null, never a made-up value; it is recorded but not measured', async (t) => {
  const fx = new EffectEvaluator({ wearers: ['op-0001'], toEpochMs: (x) => x, settings: { beforeS: 100, afterS: 100 } });
  feed(fx, 'op-0001', 0, 100, () => 0.6);
  fx.begin({ id: 'al-1', kind: 'ack:fatigue', wearer: 'op-0001', station: 'st-02', tMs: 100_000, delayS: 0 });
  feed(fx, 'op-0001', 100, 140, () => 0.9); // 40 s of 100: below minCoverage 0.5
  const [r] = fx.step(200_000);
  t.same([r!.after.score, r!.after.coveredS, r!.deltaScore], [null, 40, null]);
  t.match(fx.summary()[0], { kind: 'ack:fatigue', n: 0, recorded: 1, meanDeltaScore: null });
  t.equal(fx.factor('ack:fatigue', 'st-02'), 1, 'no measured effect: neutral');
});

t.test('partial windows average only what is known; a late step still finds its data', async (t) => {
  const fx = new EffectEvaluator({ wearers: ['op-0001'], toEpochMs: (x) => x, settings: { beforeS: 100, afterS: 100 } });
  feed(fx, 'op-0001', 0, 50, () => 0.2);
  feed(fx, 'op-0001', 50, 100, () => 0.6);
  fx.begin({ id: 'dc-2', kind: 'reassign', wearer: 'op-0001', station: 'st-03', tMs: 100_000, delayS: 0 });
  feed(fx, 'op-0001', 100, 160, () => 0.7);
  feed(fx, 'op-0001', 160, 200, () => null);
  feed(fx, 'op-0001', 200, 280, () => 0.1); // after the window: must not count
  const [r] = fx.step(280_000);
  t.same([r!.before.score, r!.after.score, r!.after.coveredS], [0.4, 0.7, 60]);
});

t.test('feedback factor: shrunk toward 1 with few samples, bounded, per station with the kind-wide fallback', async (t) => {
  const rec = (id: string, station: string | null, d: number): EffectRecord => ({
    id, kind: 'break', wearer: 'op-0001', station, at: 0,
    before: { score: 0.5, perclos: null, coveredS: 600 }, after: { score: 0.5 + d, perclos: null, coveredS: 600 },
    deltaScore: d, deltaPerclos: null, beforeS: 600, delayS: 300, afterS: 600,
  });
  const fx = new EffectEvaluator({ wearers: [], toEpochMs: (x) => x, history: [rec('a', 'st-01', 0.06), rec('b', 'st-02', -0.05), rec('c', 'st-02', -0.05), rec('d', 'st-02', -0.05)] });
  t.ok(Math.abs(fx.factor('break', 'st-01') - (1 + 0.06 / 6 / 0.1)) < 1e-9, 'one sample of +0.06 with prior 5: 1.1');
  t.ok(Math.abs(fx.factor('break', 'st-02') - (1 - 0.15 / 8 / 0.1)) < 1e-9, 'three of -0.05: 0.8125');
  t.ok(Math.abs(fx.factor('break', 'st-09') - (1 + (0.06 - 0.15) / 9 / 0.1)) < 1e-9, 'unknown station: the kind across all stations (0.9)');
  t.equal(fx.factor('reassign', 'st-01'), 1, 'no data for the kind: neutral');
  const strong = new EffectEvaluator({ wearers: [], toEpochMs: (x) => x, history: Array.from({ length: 50 }, (_, i) => rec(`x${i}`, 'st-01', 0.5)) });
  t.equal(strong.factor('break', 'st-01'), 1.5, 'bounded by maxFactor');
  const harmful = new EffectEvaluator({ wearers: [], toEpochMs: (x) => x, history: Array.from({ length: 50 }, (_, i) => rec(`y${i}`, 'st-01', -0.5)) });
  t.equal(harmful.factor('break', 'st-01'), 1 / 1.5, 'and by 1 / maxFactor');
  t.same(fx.summary().find((r) => r.station === 'st-02'), { kind: 'break', station: 'st-02', n: 3, recorded: 3, meanScoreBefore: 0.5, meanScoreAfter: 0.45, meanDeltaScore: -0.05, meanDeltaPerclos: null }, 'history from the store rebuilds the summary');
});

t.test('unknown wearers and bad settings', async (t) => {
  const fx = new EffectEvaluator({ wearers: ['op-0001'], toEpochMs: (x) => x });
  fx.observeScore('op-9999', 0, 1);
  fx.begin({ id: 'x', kind: 'break', wearer: 'op-9999', station: null, tMs: 0, delayS: 0 });
  t.equal(fx.waiting, 0);
  t.throws(() => new EffectEvaluator({ wearers: [], toEpochMs: (x) => x, settings: { beforeS: 0 } }), RangeError);
  t.throws(() => new EffectEvaluator({ wearers: [], toEpochMs: (x) => x, settings: { minCoverage: 2 } }), RangeError);
});
