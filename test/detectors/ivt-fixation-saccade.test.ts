import t from 'tap';
import fc from 'fast-check';
import type { GazeBatch } from '../../gateway/core/types.ts';
import { IvtFixationSaccade } from '../../gateway/detectors/ivt-fixation-saccade.ts';

function batch(ts: number[], pos: (t: number) => number, valid: (t: number) => boolean = () => true): GazeBatch {
  const n = ts.length;
  const b: GazeBatch = { kind: 'gaze', device: 'et', clock: 'gateway', units: 'deg', n, t: Float64Array.from(ts), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n), openness: new Float32Array(n), valid: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    b.x[i] = pos(ts[i]!);
    b.valid[i] = valid(ts[i]!) ? 1 : 0;
  }
  return b;
}

function slice(b: GazeBatch, from: number, to: number): GazeBatch {
  return { ...b, n: to - from, t: b.t.subarray(from, to), x: b.x.subarray(from, to), y: b.y.subarray(from, to), pupil: b.pupil.subarray(from, to), openness: b.openness.subarray(from, to), valid: b.valid.subarray(from, to) };
}

/** steps of 5 deg every 500 ms, each a linear 40 ms ramp (125 deg/s), starting at t0 = 500 k */
function steps(tt: number): number {
  const k = Math.floor(tt / 500);
  const ph = tt - 500 * k;
  return 5 * k + (ph < 40 ? (5 * ph) / 40 : 5) - 5;
}

const all = (ring: { valuesSince(s: number, o: Float64Array): number }) => {
  const o = new Float64Array(256);
  return Array.from(o.subarray(0, ring.valuesSince(-Infinity, o)));
};

t.test('250 Hz: saccades and fixations of known timing', async (t) => {
  const ts = Array.from({ length: 1250 }, (_, i) => i * 4); // 0 .. 4996 ms
  const ivt = new IvtFixationSaccade();
  ivt.push(batch(ts, steps));
  // Window ends: the samples nearest t_k - 10 and t_k + 10 ms. At 250 Hz both tie (t_k - 12 / - 8,
  // t_k + 8 / + 12) and the later one is taken: window [t_k - 8, t_k + 12], 20 ms. On a 40 ms ramp
  // at 125 deg/s, v = 125 * overlap / 20 with overlap = |window ∩ [t0, t0 + 40]|; v > 30 <=>
  // overlap > 4.8 ms: saccade samples t0 - 4 .. t0 + 40 (overlap 8), fixation from t0 + 44
  // (overlap 4). Saccade 48 ms; fixation t0 + 44 .. t0 + 496 = 452 ms.
  // Ramps start at 0 (the data's first sample: that saccade is cut to 0 .. 44), 500, .. 4500.
  const sacc = all(ivt.saccades);
  t.equal(sacc.length, 10);
  t.same(sacc, [44, 48, 48, 48, 48, 48, 48, 48, 48, 48]);
  const peaks = all(ivt.saccadePeaks);
  t.ok(peaks.every((p) => Math.abs(p - 125) < 0.01), `peaks ${peaks}`);
  const fix = all(ivt.fixations);
  // completed fixations: 9 of 452 ms (the one after the last ramp is still in progress)
  t.same(fix, [452, 452, 452, 452, 452, 452, 452, 452, 452]);
  t.equal(ivt.currentEvent().kind, 'fixation');
});

t.test('60 Hz with jittered timestamps: the same events are found', async (t) => {
  const ts: number[] = [];
  for (let i = 0; i < 300; i++) ts.push(i * (1000 / 60) + ((i * 7919) % 5) * 0.6); // +-3 ms jitter
  const ivt = new IvtFixationSaccade();
  ivt.push(batch(ts, steps));
  t.equal(all(ivt.saccades).length, 10, `saccades ${all(ivt.saccades)}`);
  t.equal(all(ivt.fixations).length, 9);
  const fix = all(ivt.fixations);
  t.ok(fix.every((d) => d > 400 && d < 480), `fixations ${fix}`);
});

t.test('slow drift below 30 deg/s is one long fixation; track loss ends it unrecorded', async (t) => {
  const ts = Array.from({ length: 500 }, (_, i) => i * 4);
  const ivt = new IvtFixationSaccade();
  ivt.push(batch(ts, (tt) => tt * 0.02)); // 20 deg/s
  t.equal(ivt.fixations.size, 0, 'still in progress');
  t.equal(ivt.currentEvent().kind, 'fixation');
  ivt.sample(2000, NaN, NaN, false);
  t.equal(ivt.fixations.size, 0, 'a fixation whose end was not seen is not recorded');
  t.equal(ivt.currentEvent().kind, 'none');
});

t.test('fixations shorter than 60 ms are discarded (Olsen 2012)', async (t) => {
  // two ramps 90 ms apart: the fixation between them is 90 - 52 = 38 ms
  const pos = (tt: number) => (tt < 100 ? 0 : tt < 140 ? ((tt - 100) * 5) / 40 : tt < 190 ? 5 : tt < 230 ? 5 + ((tt - 190) * 5) / 40 : 10);
  const ts = Array.from({ length: 150 }, (_, i) => i * 4);
  const ivt = new IvtFixationSaccade();
  ivt.push(batch(ts, pos));
  t.equal(all(ivt.saccades).length, 2);
  t.same(all(ivt.fixations), [96 - 0]); // only the first fixation (0 .. 96) survives
});

t.test('same events whatever the batch size', async (t) => {
  const ts = Array.from({ length: 2500 }, (_, i) => i * 2 + (i % 3) * 0.3);
  const whole = batch(ts, steps, (tt) => tt % 1700 > 60);
  const ref = new IvtFixationSaccade();
  ref.push(whole);
  const want = JSON.stringify([all(ref.fixations), all(ref.saccades), all(ref.saccadePeaks)]);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: whole.n - 1 }), { maxLength: 40 }), (cuts) => {
      const ivt = new IvtFixationSaccade();
      const pts = [0, ...cuts.sort((a, b) => a - b), whole.n];
      for (let i = 0; i + 1 < pts.length; i++) ivt.push(slice(whole, pts[i]!, pts[i + 1]!));
      return JSON.stringify([all(ivt.fixations), all(ivt.saccades), all(ivt.saccadePeaks)]) === want;
    }),
    { numRuns: 100 },
  );
});

t.test('constructor validates', async (t) => {
  t.throws(() => new IvtFixationSaccade({ thresholdDegS: 0 }), RangeError);
});
