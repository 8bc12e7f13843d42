import t from 'tap';
import fc from 'fast-check';
import type { EcgBatch } from '../../gateway/core/types.ts';
import { RPeakDetector } from '../../gateway/detectors/r-peak-detector.ts';
import { EcgWaveform } from '../../firmware-bridge/simulator/ecg-waveform.ts';
import { SeededRandom } from '../../firmware-bridge/simulator/seeded-random.ts';

const FS = 130;

/** 60 s of synthetic ECG: beats with RR 600..1100 ms, baseline wander and noise. */
function recording(seed: number) {
  const rnd = new SeededRandom(seed);
  const beats: number[] = [];
  for (let b = 500; b < 60_000; b += 600 + 500 * rnd.uniform()) beats.push(b);
  const wave = new EcgWaveform();
  for (const b of beats) wave.addBeat(b);
  const n = Math.floor((60_000 * FS) / 1000);
  const batch: EcgBatch = { kind: 'ecg', device: 'h10', clock: 'gateway', n, t: new Float64Array(n), uV: new Float32Array(n) };
  // EcgWaveform keeps the last 8 beats: synthesise with a fresh one per sample neighbourhood
  let k = 0;
  const local = new EcgWaveform();
  for (let i = 0; i < n; i++) {
    const tMs = (i * 1000) / FS;
    while (k < beats.length && beats[k]! <= tMs + 400) local.addBeat(beats[k++]!);
    batch.t[i] = tMs;
    batch.uV[i] = local.sample(tMs) + 150 * Math.sin((2 * Math.PI * 0.25 * tMs) / 1000) + rnd.normal(0, 20);
  }
  return { beats, batch };
}

function slice(b: EcgBatch, from: number, to: number): EcgBatch {
  return { ...b, n: to - from, t: b.t.subarray(from, to), uV: b.uV.subarray(from, to) };
}

t.test('finds every beat after the 2 s learning period, within one sample, with wander and noise', async (t) => {
  for (const seed of [1, 2, 3]) {
    const { beats, batch } = recording(seed);
    const found: number[] = [];
    new RPeakDetector({ rateHz: FS, onPeak: (x) => found.push(x) }).push(batch);
    const expected = beats.filter((b) => b > 2500 && b < 59_500);
    const matched = expected.filter((b) => found.some((f) => Math.abs(f - b) <= 1000 / FS));
    const falsePeaks = found.filter((f) => f > 2500 && !beats.some((b) => Math.abs(f - b) <= 1000 / FS));
    t.equal(matched.length, expected.length, `seed ${seed}: ${matched.length}/${expected.length} beats found`);
    t.equal(falsePeaks.length, 0, `seed ${seed}: no false peaks`);
  }
});

t.test('the same peaks whatever the batch boundaries', async (t) => {
  const { batch } = recording(4);
  const want: number[] = [];
  new RPeakDetector({ rateHz: FS, onPeak: (x) => want.push(x) }).push(batch);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: batch.n - 1 }), { maxLength: 30 }), (cuts) => {
      const got: number[] = [];
      const d = new RPeakDetector({ rateHz: FS, onPeak: (x) => got.push(x) });
      const pts = [0, ...cuts.sort((a, b) => a - b), batch.n];
      for (let i = 0; i + 1 < pts.length; i++) d.push(slice(batch, pts[i]!, pts[i + 1]!));
      return got.length === want.length && got.every((x, i) => x === want[i]);
    }),
    { numRuns: 30 },
  );
  t.ok(want.length > 50);
});

t.test('flat or missing signal gives no beats; bad rates are refused', async (t) => {
  const found: number[] = [];
  const d = new RPeakDetector({ rateHz: FS, onPeak: (x) => found.push(x) });
  for (let i = 0; i < 10 * FS; i++) d.sample((i * 1000) / FS, i % 3 === 0 ? NaN : 5);
  t.same(found, []);
  t.throws(() => new RPeakDetector({ rateHz: 50, onPeak: () => undefined }), RangeError);
});
