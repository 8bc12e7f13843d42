import t from 'tap';
import { summariseEffects, type EffectLike } from '../../dashboard/effect-summary.ts';

const rec = (kind: string, station: string | null, before: [number | null, number | null], after: [number | null, number | null]): EffectLike => ({
  kind,
  station,
  before: { score: before[0], perclos: before[1] },
  after: { score: after[0], perclos: after[1] },
  deltaScore: before[0] === null || after[0] === null ? null : after[0] - before[0],
  deltaPerclos: before[1] === null || after[1] === null ? null : after[1] - before[1],
});

t.test('effects are aggregated per kind and station, plus an all-stations row per kind', async (t) => {
  const rows = summariseEffects([
    rec('break', 'st-1', [0.5, 0.2], [0.7, 0.1]),
    rec('break', 'st-1', [0.4, 0.3], [0.6, 0.1]),
    rec('break', 'st-2', [0.6, 0.1], [0.5, 0.2]),
    rec('ack:drowsiness', null, [0.3, null], [0.4, null]),
  ]);
  t.same(rows.map((r) => [r.kind, r.station, r.n]), [['ack:drowsiness', null, 1], ['break', null, 3], ['break', 'st-1', 2], ['break', 'st-2', 1]]);
  const st1 = rows.find((r) => r.station === 'st-1')!;
  t.equal(st1.meanDeltaScore, 0.2);
  t.equal(st1.meanDeltaPerclos, -0.15);
  t.equal(st1.meanScoreBefore, 0.45);
  t.equal(st1.meanScoreAfter, 0.65);
  const all = rows.find((r) => r.kind === 'break' && r.station === null)!;
  t.equal(all.meanDeltaScore, 0.1, '(0.2 + 0.2 - 0.1) / 3');
  const ack = rows.find((r) => r.kind === 'ack:drowsiness')!;
  t.equal(ack.meanDeltaPerclos, null, 'unknown PERCLOS stays unknown, not 0');
  t.same(summariseEffects([]), []);
});
