import t from 'tap';
import fc from 'fast-check';
import type { GazeBatch } from '../../gateway/core/types.ts';
import { ClosureSource, EyeClosure, EyeState } from '../../gateway/detectors/eye-closure.ts';

const STEP = 10; // 100 Hz

/** samples at 0, 10, 20 ... ms; `at` gives openness (NaN = not reported) and validity */
function stream(ms: number, at: (t: number) => { open: number; valid: boolean }): GazeBatch {
  const n = ms / STEP;
  const b: GazeBatch = { kind: 'gaze', device: 'et', clock: 'gateway', units: 'deg', n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n), openness: new Float32Array(n), valid: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const s = at(i * STEP);
    b.t[i] = i * STEP;
    b.openness[i] = s.valid ? s.open : NaN;
    b.valid[i] = s.valid ? 1 : 0;
  }
  return b;
}

function slice(b: GazeBatch, from: number, to: number): GazeBatch {
  return { ...b, n: to - from, t: b.t.subarray(from, to), x: b.x.subarray(from, to), y: b.y.subarray(from, to), pupil: b.pupil.subarray(from, to), openness: b.openness.subarray(from, to), valid: b.valid.subarray(from, to) };
}

function episodes(e: EyeClosure): number[] {
  const out = new Float64Array(64);
  return Array.from(out.subarray(0, e.episodes.valuesSince(-Infinity, out)));
}

const inRange = (tt: number, a: number, b: number) => tt >= a && tt < b;

t.test('openness: blinks of known duration at known times', async (t) => {
  // closed (openness 0.1) during [1000,1150), [3000,3300), [5000,5700); open (0.9) otherwise
  const e = new EyeClosure();
  e.push(stream(8000, (tt) => ({ open: inRange(tt, 1000, 1150) || inRange(tt, 3000, 3300) || inRange(tt, 5000, 5700) ? 0.1 : 0.9, valid: true })));
  // an episode runs from the first closed sample to the first open one: 150, 300, 700 ms
  t.same(episodes(e), [150, 300, 700]);
  const st = { n: 0, sum: 0, max: 0, over: 0 };
  e.blinkStats(-Infinity, st);
  t.equal(st.n, 3);
  t.equal(st.over, 1, 'one long blink (> 500 ms)');
  t.equal(st.max, 700);
  e.blinkStats(2000, st); // only the episodes ending after 2 s
  t.equal(st.n, 2);
  t.equal(e.state, EyeState.Open);
  t.equal(e.source, ClosureSource.Openness);
  t.equal(e.currentClosureMs(), 0);
});

t.test('P80 threshold: openness 0.2 is closed, 0.21 is not', async (t) => {
  const e = new EyeClosure();
  t.equal(e.sample(0, true, 0.21), false);
  t.equal(e.sample(10, true, 0.2), true);
  t.equal(e.state, EyeState.Closed);
});

t.test('eye closed 1.5 s with openness is a closure in progress, not yet an episode', async (t) => {
  const e = new EyeClosure();
  e.push(stream(5000, (tt) => ({ open: tt >= 3500 ? 0.02 : 0.9, valid: true })));
  // closed from the sample at 3500 to the newest at 4990
  t.equal(e.state, EyeState.Closed);
  t.equal(e.currentClosureMs(), 1490);
  t.equal(e.totalEpisodes, 0);
});

t.test('track loss 3 s is NOT closure (with and without openness)', async (t) => {
  for (const open of [0.9, NaN]) {
    const e = new EyeClosure();
    e.push(stream(6000, (tt) => ({ open, valid: !inRange(tt, 2000, 5000) })));
    t.equal(e.totalEpisodes, 0, `no episode (openness ${open})`);
    const mid = new EyeClosure();
    mid.push(stream(4000, (tt) => ({ open, valid: tt < 2000 })));
    t.equal(mid.state, EyeState.Unknown, 'unknown while lost');
    t.ok(Number.isNaN(mid.currentClosureMs()), 'closure duration unknown, never "closed for 2 s"');
  }
});

t.test('a closure interrupted by track loss is not recorded (its end was not seen)', async (t) => {
  const e = new EyeClosure();
  e.push(stream(4000, (tt) => ({ open: tt >= 1000 ? 0.05 : 0.9, valid: tt < 1500 || tt >= 2500 })));
  t.equal(e.totalEpisodes, 0);
  // after the loss the eye is seen closed again: a new closure from 2500 to 3990
  t.equal(e.currentClosureMs(), 1490);
});

t.test('no openness: invalid runs of 50..500 ms are proxy blinks, others are not', async (t) => {
  // invalid runs: [1000,1030) 30 ms (too short, dropout), [2000,2100) 100 ms, [3000,3500) 500 ms,
  // [4000,4510) 510 ms (track loss)
  const e = new EyeClosure();
  const gaps: [number, number][] = [[1000, 1030], [2000, 2100], [3000, 3500], [4000, 4510]];
  e.push(stream(6000, (tt) => ({ open: NaN, valid: !gaps.some(([a, b]) => inRange(tt, a, b)) })));
  t.same(episodes(e), [100, 500]);
  t.equal(e.source, ClosureSource.GapProxy);
  t.equal(e.state, EyeState.Open);
});

t.test('proxy: a blink is only known when it ends; during the gap the eye is unknown', async (t) => {
  const e = new EyeClosure();
  e.push(stream(1100, (tt) => ({ open: NaN, valid: tt < 1000 })));
  t.equal(e.state, EyeState.Unknown);
  t.equal(e.sample(1200, true, NaN), false);
  t.equal(e.proxyClosedMs, 200);
  t.equal(e.totalEpisodes, 1);
});

t.test('same episodes whatever the batch size', async (t) => {
  const whole = stream(20_000, (tt) => {
    const phase = tt % 3700;
    return { open: tt < 10_000 ? (phase < 240 ? 0.1 : 0.8) : NaN, valid: tt < 10_000 ? tt % 7000 > 600 : phase > 180 };
  });
  const ref = new EyeClosure();
  ref.push(whole);
  const want = episodes(ref);
  t.ok(want.length >= 5, `${want.length} episodes in the reference`);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: whole.n - 1 }), { maxLength: 30 }), (cuts) => {
      const e = new EyeClosure();
      const pts = [0, ...cuts.sort((a, b) => a - b), whole.n];
      for (let i = 0; i + 1 < pts.length; i++) e.push(slice(whole, pts[i]!, pts[i + 1]!));
      return JSON.stringify(episodes(e)) === JSON.stringify(want) && e.state === ref.state;
    }),
    { numRuns: 100 },
  );
});

t.test('constructor validates', async (t) => {
  t.throws(() => new EyeClosure({ closedOpenness: 1.2 }), RangeError);
  t.throws(() => new EyeClosure({ proxyMinMs: 600, proxyMaxMs: 500 }), RangeError);
});
