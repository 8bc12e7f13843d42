import t from 'tap';
import { correctRrSeries, RrArtefactFilter } from '../../gateway/hrv/rr-artefacts.ts';

t.test('20% rule is relative to the last ACCEPTED interval, boundaries inclusive', async (t) => {
  const f = new RrArtefactFilter();
  // 1000 first -> accepted; 1200 differs by exactly 20% of 1000 -> accepted (rule rejects > 20%)
  t.equal(f.accept(1000), true);
  t.equal(f.accept(1200), true);
  // 20% of 1200 = 240: 1441 differs by 241 -> rejected; 959 differs by 241 -> rejected
  t.equal(f.accept(1441), false);
  t.equal(f.accept(959), false);
  // 1100 is compared with 1200 (the last accepted), not with the rejected 959
  t.equal(f.accept(1100), true);
  t.equal(f.accepted, 3);
  t.equal(f.rejected, 2);
});

t.test('physiological range 300..2000 ms, inclusive; NaN is an artefact', async (t) => {
  const a = new RrArtefactFilter();
  t.equal(a.accept(299.9), false);
  t.equal(a.accept(300), true);
  const b = new RrArtefactFilter();
  t.equal(b.accept(2000), true);
  t.equal(b.accept(2000.1), false);
  t.equal(b.accept(Number.NaN), false);
  t.equal(b.rejected, 2);
});

t.test('a missed beat (double interval) and an ectopic pair are removed and counted', async (t) => {
  // 800 800 [1600 missed beat] 800 [560 early ectopic] [1040 compensatory pause] 800
  const { nn, rejected } = correctRrSeries([800, 800, 1600, 800, 560, 1040, 800]);
  t.same(Array.from(nn), [800, 800, 800, 800]);
  t.equal(rejected, 3);
});

t.test('a lasting change of rhythm re-anchors after resetAfter rejections', async (t) => {
  // the rate jumps from 1000 ms to 600 ms and stays: 5 rejections, then the 6th is accepted
  const f = new RrArtefactFilter({ resetAfter: 5 });
  f.accept(1000);
  const got = [600, 600, 600, 600, 600, 600, 600].map((rr) => f.accept(rr));
  t.same(got, [false, false, false, false, false, true, true]);
});

t.test('constructor validates its options', async (t) => {
  t.throws(() => new RrArtefactFilter({ maxRelativeChange: 0 }), RangeError);
  t.throws(() => new RrArtefactFilter({ maxRelativeChange: 1.5 }), RangeError);
});
