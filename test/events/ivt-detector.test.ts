import t from 'tap';
import { EventLabel as L } from '../../gateway/events/event-labels.ts';
import { labelRecording } from '../../gateway/events/gaze-event-detector.ts';
import { IvtDetector } from '../../gateway/events/ivt-detector.ts';

/** 500 Hz samples 0 .. ms, position from f(t) */
function rec(ms: number, f: (t: number) => number, rate = 500) {
  const n = Math.round((ms * rate) / 1000);
  const tt = Float64Array.from({ length: n }, (_, i) => (i * 1000) / rate);
  const x = Float64Array.from(tt, f);
  return { n, t: tt, x, y: new Float64Array(n) };
}

/** linear 5 deg ramps at 200 deg/s (25 ms) starting at each of `onsets` */
const ramps = (onsets: number[]) => (tt: number) => onsets.reduce((s, t0) => s + 5 * Math.min(1, Math.max(0, (tt - t0) / 25)), 0);

const runs = (labels: Uint8Array, tt: Float64Array) => {
  const r: [number, number, number][] = [];
  let s = 0;
  for (let i = 1; i <= labels.length; i++) if (i === labels.length || labels[i] !== labels[s]) (r.push([labels[s]!, tt[s]!, tt[i - 1]!]), (s = i));
  return r;
};

t.test('linear ramps: saccade samples are exactly those whose 20 ms window sees more than 30 deg/s', async (t) => {
  // window [t-10, t+10]; v = 200 * overlap(window, ramp) / 20 > 30  <=>  overlap > 3 ms
  // ramp [1000, 1025]: t + 10 - 1000 > 3 and 1025 - (t - 10) > 3  <=>  994 <= t <= 1030 on the 2 ms grid
  const g = rec(2000, ramps([1000]));
  const lab = labelRecording(new IvtDetector(), g);
  t.same(runs(lab, g.t), [[L.Fixation, 0, 992], [L.Saccade, 994, 1030], [L.Fixation, 1032, 1998]]);
});

t.test('gap fill: 60 ms of loss inside a fixation is interpolated; 100 ms is track loss', async (t) => {
  const g = rec(1000, () => 1);
  for (let i = 100; i < 130; i++) g.x[i] = NaN; // 200 .. 258 ms: last valid 198, next 260 -> 62 ms
  for (let i = 300; i < 350; i++) g.x[i] = NaN; // 600 .. 698 ms: 102 ms
  const lab = labelRecording(new IvtDetector(), g);
  t.same(runs(lab, g.t), [[L.Fixation, 0, 598], [L.TrackLoss, 600, 698], [L.Fixation, 700, 998]]);
});

t.test('merge: a one-sample spike between two fixations at the same place becomes fixation', async (t) => {
  const g = rec(1000, () => 2);
  g.x[250] = 3; // 500 ms: 1 deg spike -> 50 deg/s in the windows that end on it
  const plain = labelRecording(new IvtDetector({ settings: { mergeMaxDeg: 1e-9 } }), g);
  t.same(runs(plain, g.t), [[L.Fixation, 0, 488], [L.Saccade, 490, 490], [L.Undefined, 492, 508], [L.Saccade, 510, 510], [L.Fixation, 512, 998]], 'without merging: the spike is seen at both window edges; the 18 ms between is discarded');
  const merged = labelRecording(new IvtDetector(), g);
  t.same(runs(merged, g.t), [[L.Fixation, 0, 998]]);
});

t.test('discard: a fixation shorter than 60 ms between two saccades becomes undefined', async (t) => {
  // ramps at 1000 and 1080: fixation samples between them 1032 .. 1072 (42 ms)
  const g = rec(2000, ramps([1000, 1080]));
  const lab = labelRecording(new IvtDetector(), g);
  t.same(runs(lab, g.t), [[L.Fixation, 0, 992], [L.Saccade, 994, 1030], [L.Undefined, 1032, 1072], [L.Saccade, 1074, 1110], [L.Fixation, 1112, 1998]]);
});

t.test('60 Hz: a ramp still gives one saccade between two fixations', async (t) => {
  const g = rec(2000, ramps([1000]), 60);
  const r = runs(labelRecording(new IvtDetector(), g), g.t);
  t.equal(r.length, 3, JSON.stringify(r));
  t.same(r.map((x) => x[0]), [L.Fixation, L.Saccade, L.Fixation]);
});

t.test('settings are validated', async (t) => {
  t.throws(() => new IvtDetector({ settings: { thresholdDegS: 0 } }), RangeError);
});
