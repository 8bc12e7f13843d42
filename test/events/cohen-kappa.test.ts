import t from 'tap';
import { BinaryKappa } from '../../gateway/events/cohen-kappa.ts';
import { LabelEventStats } from '../../gateway/events/label-events.ts';

t.test('kappa of a 2x2 table worked by hand', async (t) => {
  // 10 samples, event 2: both 3, only a 1, only b 2, neither 4
  // po = 7/10; pa = 4/10, pb = 5/10; pe = .4*.5 + .6*.5 = .5; kappa = (.7-.5)/(1-.5) = .4
  const a = [2, 2, 2, 2, 1, 1, 1, 1, 1, 1];
  const b = [2, 2, 2, 1, 2, 2, 1, 1, 1, 1];
  const k = new BinaryKappa(2);
  k.add(a, b);
  t.equal(k.n, 10);
  t.ok(Math.abs(k.kappa() - 0.4) < 1e-12, String(k.kappa()));
  // pooled: adding the same again leaves kappa unchanged; perfect agreement gives 1
  k.add(a, b);
  t.ok(Math.abs(k.kappa() - 0.4) < 1e-12);
  const p = new BinaryKappa(2);
  p.add(a, a);
  t.equal(p.kappa(), 1);
  const none = new BinaryKappa(3);
  none.add(a, b);
  t.ok(Number.isNaN(none.kappa()), 'nobody saw the event: undefined, not 1');
  const inv = new BinaryKappa(2);
  inv.add([2, 1], [1, 2]);
  t.equal(inv.kappa(), -1);
});

t.test('events from labels: counts and durations to the next event', async (t) => {
  const s = new LabelEventStats();
  s.add([0, 2, 4, 6, 8, 10], [1, 1, 2, 2, 1, 1]);
  t.equal(s.count(1), 2);
  t.equal(s.count(2), 1);
  t.equal(s.meanMs(2), 4);
  t.equal(s.meanMs(1), 4, '(4 + 4) / 2: the last one runs to 10 + the 2 ms step');
  t.ok(Number.isNaN(s.meanMs(3)));
});
