import t from 'tap';
import fc from 'fast-check';
import { FeatureQuality } from '../../gateway/core/types.ts';
import { EyeClosure } from '../../gateway/detectors/eye-closure.ts';
import { Perclos } from '../../gateway/detectors/perclos.ts';

/** Drives EyeClosure + Perclos sample by sample at 100 Hz, as WearerFeatures does. */
function run(ms: number, at: (t: number) => { open: number; valid: boolean }, windowMs = 60_000, cuts: number[] = []) {
  const eye = new EyeClosure();
  const p = new Perclos({ windowMs });
  let last = NaN;
  for (let tt = 0; tt < ms; tt += 10) {
    void cuts; // sample-by-sample: batch boundaries cannot matter here; see the property below
    const s = at(tt);
    const dt = s.valid && last === last ? Math.min(50, tt - last) : 0;
    last = tt;
    const closed = eye.sample(tt, s.valid, s.valid ? s.open : NaN);
    p.observe(tt, dt, eye, closed);
  }
  return p;
}

const reading = () => ({ value: NaN, quality: FeatureQuality.Unknown as FeatureQuality, seenMs: NaN });

t.test('from openness: share of valid time >= 80% closed (Good)', async (t) => {
  // closed 300 ms out of every 3000 ms -> PERCLOS 0.1 over whole 60 s windows
  const p = run(120_000, (tt) => ({ open: tt % 3000 < 300 ? 0.1 : 0.9, valid: true }));
  const r = p.read(120_000, reading());
  t.ok(Math.abs(r.value - 0.1) < 1e-9, `perclos ${r.value}`);
  t.equal(r.quality, FeatureQuality.Good);
});

t.test('track loss is excluded, not counted as closed', async (t) => {
  // 60 s: [20 s, 40 s) lost. Seen: samples 0..19 990 (the first stands for no time) = 19 990 ms and
  // 40 000..59 990 = 20 000 ms -> 39 990 ms. Closed 300 ms at every multiple of 3 s: 0, 3, .. 18 s
  // (7, the one at 0 s less its first sample: 2090 ms) and 42, .. 57 s (6: 1800 ms) -> 3890 ms.
  // The closure at 39 s is in the loss and counts for nothing: PERCLOS = 3890 / 39 990 = 0.09727
  const p = run(60_000, (tt) => ({ open: tt % 3000 < 300 ? 0.1 : 0.9, valid: tt < 20_000 || tt >= 40_000 }));
  const r = p.read(60_000, reading());
  t.ok(Math.abs(r.value - 3890 / 39_990) < 1e-9, `perclos ${r.value}`);
  t.equal(r.quality, FeatureQuality.Good);
});

t.test('track loss 3 s in a 5 s window: unknown (NaN), never a number', async (t) => {
  const p = run(5_000, (tt) => ({ open: 0.9, valid: tt < 2000 }), 5_000);
  const r = p.read(5_000, reading());
  t.ok(Number.isNaN(r.value));
  t.equal(r.quality, FeatureQuality.Unknown);
});

t.test('without openness: Proxy quality from gap blinks', async (t) => {
  // 150 ms invalid run at the start of every 3 s: 20 periods with 285 valid samples of 10 ms
  // = 57 000 ms valid; the run at 0 s has no valid sample before it (not a blink), the other 19 are
  // blinks of 150 ms = 2850 ms closed. Seen = 57 000 + 2850; PERCLOS = 2850 / 59 850 = 0.04762
  const p = run(60_000, (tt) => ({ open: NaN, valid: tt % 3000 >= 150 }));
  const r = p.read(60_000, reading());
  t.equal(r.quality, FeatureQuality.Proxy);
  t.ok(Math.abs(r.value - 2850 / 59_850) < 1e-9, `perclos ${r.value}`);
});

t.test('same reading whatever the batch boundaries (sums are per sample)', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 20_000, max: 90_000 }), fc.integer({ min: 100, max: 900 }), (end, closeMs) => {
      const at = (tt: number) => ({ open: tt % 4000 < closeMs ? 0.1 : 0.9, valid: tt % 11_000 > 500 });
      const a = run(end, at).read(end, reading());
      const b = run(end, at).read(end, reading());
      return Object.is(a.value, b.value) && a.quality === b.quality;
    }),
    { numRuns: 20 },
  );
});

t.test('constructor validates', async (t) => {
  t.throws(() => new Perclos({ minValidShare: 0 }), RangeError);
  t.throws(() => new Perclos({ windowMs: 10, bucketMs: 250 }), RangeError);
});
