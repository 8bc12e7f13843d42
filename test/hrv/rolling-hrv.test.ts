import t from 'tap';
import { FeatureQuality } from '../../gateway/core/types.ts';
import { emptyHrv } from '../../gateway/hrv/hrv-metrics.ts';
import { BeatSource, RollingHrv } from '../../gateway/hrv/rolling-hrv.ts';

/** Pushes back-to-back intervals (beat time = running sum), starting after `t0`. */
function feed(h: RollingHrv, rrs: number[], t0 = 0, source: BeatSource = BeatSource.Strap): number {
  let tt = t0;
  for (const rr of rrs) {
    tt += rr;
    h.push(tt, rr, source);
  }
  return tt;
}

t.test('a removed interval breaks the succession: differences only between adjacent NN', async (t) => {
  const h = new RollingHrv({ windowMs: 60_000 });
  // 40 clean beats of 800 ms, then 800 850 [400 rejected: ectopic] 790 800
  const end = feed(h, [...new Array(40).fill(800), 850, 400, 790, 800]);
  const m = emptyHrv();
  t.equal(h.timeDomain(end, m), FeatureQuality.Good, '1 of 44 intervals rejected: 2.3%');
  // accepted: 40 x 800, 850, 790, 800 (43 NN); adjacent differences: 39 x 0, +50 (850 - 800),
  // +10 (800 - 790): 41. 790 follows the rejected interval, so 790 - 850 is NOT a successive
  // difference: RMSSD = sqrt((2500 + 100) / 41) = 7.9634 (with it: sqrt(6200 / 42) = 12.150)
  t.ok(Math.abs(m.rmssd - Math.sqrt(2600 / 41)) < 1e-9, `rmssd ${m.rmssd}`);
  t.equal(m.nni_50, 0, '+50 is not more than 50');
  t.equal(m.nni_20, 1);
  t.ok(Math.abs(m.pnni_20 - 100 / 41) < 1e-9, 'divided by the 41 adjacent pairs');
  t.equal(m.mean_nni, (40 * 800 + 850 + 790 + 800) / 43);
  t.ok(Math.abs(h.artefactShare - 1 / 44) < 1e-12);
});

t.test('grading: share of rejected intervals in the window', async (t) => {
  const good = new RollingHrv({ windowMs: 60_000 });
  const e1 = feed(good, [...new Array(70).fill(800), 400, 800, 800]); // 1 of 73
  t.equal(good.timeDomain(e1, emptyHrv()), FeatureQuality.Good);
  t.ok(good.artefactShare < 0.05);
  const proxy = new RollingHrv({ windowMs: 60_000 });
  const e2 = feed(proxy, Array.from({ length: 70 }, (_, k) => (k % 10 === 5 ? 400 : 800))); // 7 of 70
  t.equal(proxy.timeDomain(e2, emptyHrv()), FeatureQuality.Proxy);
  const none = new RollingHrv({ windowMs: 60_000 });
  const e3 = feed(none, Array.from({ length: 70 }, (_, k) => (k % 3 === 1 ? 400 : 800)));
  const m = emptyHrv();
  t.equal(none.timeDomain(e3, m), FeatureQuality.Unknown);
  t.ok(Number.isNaN(m.rmssd) && Number.isNaN(m.mean_nni), 'unknown is NaN, never a number');
});

t.test('a beat missing in time (no interval reported for it) also breaks the succession', async (t) => {
  const h = new RollingHrv({ windowMs: 60_000 });
  let tt = feed(h, new Array(40).fill(800));
  tt += 1600; // the strap lost a beat: two intervals' worth of time, one reported
  h.push(tt, 820);
  tt = feed(h, new Array(10).fill(820), tt);
  const m = emptyHrv();
  h.timeDomain(tt, m);
  // adjacent differences: 39 x 0, 9 x 0 after the gap, plus 820 - 820 ...; 820 - 800 across the gap is not one
  t.equal(m.nni_20, 0, 'the +20 across the gap is not a successive difference');
  t.equal(m.rmssd, 0);
});

t.test('too little data: fewer than 10 intervals, or NN covering less than half the window', async (t) => {
  const few = new RollingHrv({ windowMs: 60_000 });
  t.equal(few.timeDomain(feed(few, new Array(9).fill(800)), emptyHrv()), FeatureQuality.Unknown);
  const sparse = new RollingHrv({ windowMs: 60_000 });
  t.equal(sparse.timeDomain(feed(sparse, new Array(30).fill(800)), emptyHrv()), FeatureQuality.Unknown, '24 s of 60');
  const enough = new RollingHrv({ windowMs: 60_000 });
  t.equal(enough.timeDomain(feed(enough, new Array(40).fill(800)), emptyHrv()), FeatureQuality.Good, '32 s of 60');
});

t.test('beats from our ECG R-peak detector grade as Proxy', async (t) => {
  const h = new RollingHrv({ windowMs: 60_000 });
  const end = feed(h, new Array(60).fill(800), 0, BeatSource.Ecg);
  t.equal(h.timeDomain(end, emptyHrv()), FeatureQuality.Proxy);
});

t.test('LF/HF: recomputed once per grid step, known with 150 s of beats in the 5 min window', async (t) => {
  const h = new RollingHrv({ spectralWindowMs: 300_000, spectralEveryMs: 10_000, phaseMs: 0 });
  const rrs: number[] = [];
  for (let s = 0; s < 400; ) {
    const rr = 800 + 30 * Math.sin(2 * Math.PI * 0.1 * s);
    rrs.push(rr);
    s += rr / 1000;
  }
  let tt = 0;
  const m = emptyHrv();
  let k = 0;
  for (; tt < 140_000; k++) h.push((tt += rrs[k]!), rrs[k]!);
  t.equal(h.spectral(140_000, m), FeatureQuality.Unknown, '140 s of a 300 s window');
  for (; tt < 350_000; k++) h.push((tt += rrs[k]!), rrs[k]!);
  t.equal(h.spectral(350_000, m), FeatureQuality.Good);
  const lf = m.lf;
  t.ok(Math.abs(lf - 450) / 450 < 0.06, `LF ${lf} near 30^2 / 2 = 450`);
  for (; tt < 359_000; k++) h.push((tt += rrs[k]!), rrs[k]!);
  h.spectral(359_999, m);
  t.equal(m.lf, lf, 'same grid step: the same spectrum');
  h.spectral(360_000, m);
  t.not(m.lf, lf, 'next step: recomputed over the new window');
  t.throws(() => new RollingHrv({ spectralWindowMs: 60_000 }), RangeError);
});

t.test('non-increasing beat times are dropped and counted', async (t) => {
  const h = new RollingHrv();
  t.equal(h.push(1000, 800), true);
  t.equal(h.push(1000, 800), false);
  t.equal(h.push(900, 800), false);
  t.equal(h.outOfOrder, 2);
});
