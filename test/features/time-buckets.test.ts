import t from 'tap';
import fc from 'fast-check';
import { TimeBuckets } from '../../gateway/features/time-buckets.ts';

t.test('a cached reader equals an uncached sum, with late samples, gaps and jumps', async (t) => {
  const op = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), dt: fc.integer({ min: 0, max: 300 }), late: fc.integer({ min: 0, max: 900 }), v: fc.double({ min: -50, max: 50, noNaN: true }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), ahead: fc.integer({ min: 0, max: 400 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('jump' as const), dt: fc.integer({ min: 1000, max: 40_000 }) }) },
  );
  await fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 400 }), fc.constantFrom(250, 500, 1000), fc.integer({ min: 1, max: 12 }), (ops, bucketMs, nb) => {
      const windowMs = nb * bucketMs;
      const a = new TimeBuckets({ channels: 3, bucketMs, spanMs: windowMs });
      const b = new TimeBuckets({ channels: 3, bucketMs, spanMs: windowMs });
      const r = a.reader(windowMs, { from: 1, to: 3 });
      const ref = new Float64Array(3);
      let tt = 0;
      let now = 0;
      for (const o of ops) {
        if (o.kind === 'jump') {
          tt += o.dt;
          continue;
        }
        if (o.kind === 'add') {
          tt += o.dt;
          const at = Math.max(0, tt - o.late); // sometimes into a bucket that is already complete
          for (const tb of [a, b]) {
            tb.add(at, 0, 1);
            tb.add(at, 1, o.v);
            tb.add(at, 2, Math.abs(o.v));
          }
          continue;
        }
        now = Math.max(now, tt + o.ahead);
        const got = r.read(now);
        b.sumAll(now, windowMs, ref);
        for (let c = 0; c < 2; c++) {
          const want = ref[1 + c]!;
          if (Math.abs(got[c]! - want) > 1e-7 * Math.max(1, Math.abs(want))) return false;
        }
      }
      return true;
    }),
    { numRuns: 300 },
  );
});

t.test('window sums by hand: whole buckets [now - window, now), the live bucket included', async (t) => {
  const tb = new TimeBuckets({ channels: 1, bucketMs: 250, spanMs: 1000 });
  const r = tb.reader(1000);
  for (let ms = 0; ms < 2000; ms += 10) tb.add(ms, 0, 1); // one per 10 ms
  // now = 2000: buckets [1000, 2000) = 100 samples
  t.equal(r.read(2000)[0], 100);
  // now = 2100: buckets 1250..2249 counted, but only samples up to 1990 exist: 75
  t.equal(r.read(2100)[0], 75);
  tb.add(2005, 0, 1);
  t.equal(r.read(2100)[0], 76, 'a new sample in the live bucket counts at once');
  tb.add(1300, 0, 5); // late, into a complete bucket
  t.equal(r.read(2100)[0], 81, 'a late sample invalidates the cached sum');
  t.equal(tb.lateWrites > 0, true);
});
