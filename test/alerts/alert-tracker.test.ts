import t from 'tap';
import { AlertTracker } from '../../gateway/alerts/alert-tracker.ts';

t.test('an episode keeps its id across level changes and ends cleared', async (t) => {
  let n = 0;
  const tr = new AlertTracker({ wearer: 'dr-19c2', role: 'driver', station: 'st-01', toEpochMs: (x) => 1_000_000 + x, newId: () => `al-${++n}` });
  const a = tr.apply([{ t: 3000, kind: 'distraction', level: 1 }], { aoi: 'road_ahead' });
  const b = tr.apply([{ t: 5000, kind: 'distraction', level: 2 }, { t: 5000, kind: 'vats', level: 1 }], {});
  const c = tr.apply([{ t: 6000, kind: 'distraction', level: 0 }], {});
  t.same(a.map((x) => [x.id, x.rev, x.level, x.state, x.raisedAt, x.station]), [['al-1', 0, 1, 'active', 1_003_000, 'st-01']]);
  t.same(b.map((x) => [x.id, x.kind, x.rev, x.level]), [['al-1', 'distraction', 1, 2], ['al-2', 'vats', 0, 1]]);
  t.same(c.map((x) => [x.id, x.rev, x.level, x.state]), [['al-1', 2, 0, 'cleared']]);
  t.same(tr.activeKinds(), ['vats']);
  const d = tr.apply([{ t: 9000, kind: 'distraction', level: 1 }], {});
  t.equal(d[0]!.id, 'al-3', 'a new raise after clearing is a new episode');
});

t.test('a clear without an open episode and a repeated level emit nothing', async (t) => {
  const tr = new AlertTracker({ wearer: 'op-7f3a', role: 'operator', toEpochMs: (x) => x });
  t.same(tr.apply([{ t: 1, kind: 'fatigue', level: 0 }], {}), []);
  t.equal(tr.apply([{ t: 2, kind: 'fatigue', level: 1 }], {}).length, 1);
  t.same(tr.apply([{ t: 3, kind: 'fatigue', level: 1 }], {}), []);
  t.throws(() => new AlertTracker({ wearer: '', role: 'operator', toEpochMs: (x) => x }));
});
