import t from 'tap';
import { AoiTracker } from '../../gateway/detectors/aoi.ts';
import { PupilBaseline } from '../../gateway/detectors/pupil-baseline.ts';
import { Motion } from '../../gateway/detectors/motion.ts';

const ROAD: [number, number][] = [[-20, -10], [20, -10], [20, 10], [-20, 10]];
const MIRROR: [number, number][] = [[25, -5], [35, -5], [35, 5], [25, 5]];

/** 100 Hz: gaze position and validity as functions of time */
function feed(a: AoiTracker, from: number, to: number, at: (t: number) => [number, number, boolean]): void {
  for (let tt = from; tt < to; tt += 10) {
    const [x, y, v] = at(tt);
    a.sample(tt, tt === 0 ? 0 : 10, x, y, v);
  }
}

t.test('glance durations, history and dwell share', async (t) => {
  const a = new AoiTracker([{ name: 'road_ahead', polygon: ROAD }, { name: 'mirror', polygon: MIRROR }], { windowMs: 10_000 });
  // road 0-5 s, mirror 5-7 s, road 7-10 s (a 200 ms blink at 8 s does not split the glance)
  feed(a, 0, 10_000, (tt) => [tt >= 5000 && tt < 7000 ? 30 : 0, 0, !(tt >= 8000 && tt < 8200)]);
  const road = a.indexOf('road_ahead');
  const mirror = a.indexOf('mirror');
  const o = new Float64Array(8);
  // completed glances: road 0 -> 5000 (5000 ms), mirror 5000 -> 7000 (2000 ms)
  t.same(Array.from(o.subarray(0, a.glances[road]!.valuesSince(-Infinity, o))), [5000]);
  t.same(Array.from(o.subarray(0, a.glances[mirror]!.valuesSince(-Infinity, o))), [2000]);
  // current road glance from 7000 to the newest sample 9990 (through the blink)
  t.equal(a.glanceMs(road), 2990);
  t.equal(a.awayMs(road), 0);
  t.equal(a.awayMs(mirror), 2990);
  t.equal(a.inside(road), 1);
  // dwell share over [0, 10 s): each sample stands for the 10 ms before it (the one at 0 for none).
  // road: 10..4990 (4990 ms) + 7000..9990 less the blink 8000..8190 (3000 - 200 = 2800 ms) = 7790;
  // mirror 5000..6990 = 2000; valid 4990 + 2000 + 2800 = 9790
  t.ok(Math.abs(a.dwellShare(road, 10_000) - 7790 / 9790) < 1e-9, `share ${a.dwellShare(road, 10_000)}`);
  t.ok(Math.abs(a.dwellShare(mirror, 10_000) - 2000 / 9790) < 1e-9);
});

t.test('invalid gaze: "in AOI" unknown; track loss > 500 ms ends the glance unrecorded', async (t) => {
  const a = new AoiTracker([{ name: 'road_ahead', polygon: ROAD }]);
  feed(a, 0, 3000, (tt) => [40, 0, tt < 1000]); // away 1 s, then 2 s lost
  t.ok(Number.isNaN(a.inside(0)), 'never "eyes on road" (nor off) from missing data');
  t.ok(Number.isNaN(a.awayMs(0)));
  t.equal(a.glances[0]!.size, 0);
  feed(a, 3000, 3500, () => [40, 0, true]);
  t.equal(a.awayMs(0), 490, 'a new glance away starts when the gaze is seen again');
});

t.test('concave polygon (L shape): even-odd rule', async (t) => {
  const L: [number, number][] = [[0, 0], [10, 0], [10, 2], [2, 2], [2, 10], [0, 10]];
  const a = new AoiTracker([{ name: 'l', polygon: L }]);
  a.sample(0, 0, 1, 5, true);
  t.equal(a.inside(0), 1);
  a.sample(10, 10, 5, 5, true); // in the notch
  t.equal(a.inside(0), 0);
  t.throws(() => new AoiTracker([{ name: 'bad', polygon: [[0, 0], [1, 1]] }]), RangeError);
  t.throws(() => new AoiTracker([{ name: 'x', polygon: L }, { name: 'x', polygon: L }]), RangeError);
});

t.test('pupil relative to own baseline', async (t) => {
  const p = new PupilBaseline({ initialMs: 10_000 });
  let tt = 0;
  for (; tt <= 10_000; tt += 10) p.sample(tt, 3, true);
  t.equal(p.baselineMm(), 3);
  t.ok(Math.abs(p.ratio(tt) - 1) < 1e-12);
  for (; tt <= 30_000; tt += 10) p.sample(tt, 3.6, true);
  // recent level: 20 s of 3.6 with tau 2 s -> 3.6 (within e^-10); baseline follows with tau 10 min:
  // 3 + 0.6 (1 - e^(-20/600)) = 3.01967 -> ratio 3.6 / 3.01967 = 1.19218
  t.ok(Math.abs(p.ratio(tt) - 3.6 / (3 + 0.6 * (1 - Math.exp(-20 / 600)))) < 1e-3, `ratio ${p.ratio(tt)}`);
  t.ok(Number.isNaN(p.ratio(tt + 5_000)), 'stale: unknown');
  t.ok(Number.isNaN(new PupilBaseline().ratio(0)), 'no baseline yet: unknown');
});

t.test('motion: still, tilted 90 degrees, shaking', async (t) => {
  const m = new Motion();
  for (let tt = 0; tt < 2000; tt += 20) m.sample(tt, 0, 0, 1000);
  for (let tt = 2000; tt < 4000; tt += 20) m.sample(tt, 1000, 0, 0);
  t.ok(Math.abs(m.postureChangeDeg(4000) - 90) < 1e-9);
  t.ok(Math.abs(m.activityMg(4000)) < 1e-9, 'still = 0 mG');
  for (let tt = 4000; tt < 9000; tt += 20) m.sample(tt, 1000 + ((tt / 20) % 2 ? 300 : -300), 0, 0);
  t.ok(Math.abs(m.activityMg(9000) - 300) < 1e-9, `activity ${m.activityMg(9000)}`);
  t.ok(Number.isNaN(new Motion().activityMg(1000)), 'no data: unknown');
});
