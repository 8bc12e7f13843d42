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

t.test('state changes are revisions of the same episode; audience follows the escalation level; a clear goes to the last addressee', async (t) => {
  let n = 0;
  const tr = new AlertTracker({ wearer: 'op-7f3a', role: 'operator', station: 'st-02', toEpochMs: (x) => 1000 + x, newId: () => `al-${++n}` });
  const out = [
    ...tr.apply([{ t: 10, kind: 'fatigue', level: 1, state: 'active' }], { perclos: 0.2 }),
    ...tr.apply([{ t: 20, kind: 'fatigue', level: 2, state: 'active' }], { perclos: 0.22 }),
    ...tr.apply([{ t: 30, kind: 'fatigue', level: 2, state: 'shelved', until: 90, by: 'sup-1' }]),
    ...tr.apply([{ t: 30, kind: 'fatigue', level: 2, state: 'shelved', until: 90, by: 'sup-1' }]),
    ...tr.apply([{ t: 90, kind: 'fatigue', level: 2, state: 'active' }], { perclos: 0.3 }),
    ...tr.apply([{ t: 95, kind: 'fatigue', level: 3, state: 'active' }], {}),
    ...tr.apply([{ t: 99, kind: 'fatigue', level: 0 }], { perclos: 0.05 }),
  ];
  t.same(
    out.map((a) => [a.id, a.rev, a.level, a.state, a.audience, a.shelvedUntil ?? null, a.by ?? null, a.raisedAt]),
    [
      ['al-1', 0, 1, 'active', 'wearer', null, null, 1010],
      ['al-1', 1, 2, 'active', 'team_lead', null, null, 1020],
      ['al-1', 2, 2, 'shelved', 'team_lead', 1090, 'sup-1', 1030],
      ['al-1', 3, 2, 'active', 'team_lead', null, 'sup-1', 1090],
      ['al-1', 4, 3, 'active', 'supervisor', null, 'sup-1', 1095],
      ['al-1', 5, 0, 'cleared', 'supervisor', null, 'sup-1', 1099],
    ],
    'the repeated shelve changes nothing; the actor stays on later revisions',
  );
  t.same(out[2]!.evidence, { perclos: 0.22 }, 'a change between ticks repeats the last evidence');
  t.same(out[5]!.evidence, { perclos: 0.05 });
  t.equal(tr.find('al-1'), undefined, 'cleared episodes are no longer open');
});

t.test('driver alerts address the wearer at every level; find() reports open episodes', async (t) => {
  const tr = new AlertTracker({ wearer: 'dr-19c2', role: 'driver', toEpochMs: (x) => x, newId: () => 'al-x' });
  const out = tr.apply([{ t: 1, kind: 'distraction', level: 1 }, { t: 2, kind: 'distraction', level: 3 }], {});
  t.same(out.map((a) => a.audience), ['wearer', 'wearer']);
  t.same(tr.find('al-x'), { id: 'al-x', kind: 'distraction', level: 3, state: 'active', rev: 1 });
  t.equal(tr.find('al-y'), undefined);
});
