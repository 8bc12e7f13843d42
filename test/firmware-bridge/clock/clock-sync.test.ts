import t from 'tap';
import { ClockSync } from '../../../firmware-bridge/clock/clock-sync.ts';

/** A small seeded PRNG so the jitter is the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

t.test('a device clock drifting 100 ppm with jittered arrivals is tracked within 1 ms after 10 s', async (t) => {
  const rnd = prng(7);
  const sync = new ClockSync();
  const bootOffsetUs = 123_456_789; // device clock started long before the gateway's
  const ppm = 100;
  const devAt = (gwMs: number) => bootOffsetUs + gwMs * 1000 * (1 + ppm * 1e-6);
  // 20 batches/s for 10 s; arrival late by 0.2..3 ms of transport delay, plus 5% outliers of 20..50 ms
  for (let gw = 0; gw <= 10_000; gw += 50) {
    const delay = rnd() < 0.05 ? 20 + 30 * rnd() : 0.2 + 2.8 * rnd();
    sync.observeArrival(devAt(gw), gw + delay);
  }
  let worst = 0;
  for (let gw = 10_000; gw <= 11_000; gw += 10) worst = Math.max(worst, Math.abs(sync.toGateway(devAt(gw)) - gw));
  t.ok(sync.ready);
  t.ok(worst < 1, `residual ${worst.toFixed(3)} ms must be < 1 ms`);
  t.ok(Math.abs(sync.driftPpm - ppm) < 10, `drift estimate ${sync.driftPpm.toFixed(1)} ppm near ${ppm}`);
});

t.test('NTP-style exchanges give an unbiased offset under symmetric delay', async (t) => {
  const rnd = prng(3);
  const sync = new ClockSync();
  const devAt = (gwMs: number) => 5e9 + gwMs * 1000 * (1 - 50e-6);
  for (let gw = 0; gw <= 10_000; gw += 100) {
    const d = 1 + 4 * rnd();
    const t1 = gw;
    const t2 = devAt(gw + d);
    const t3 = t2 + 100; // 0.1 ms turnaround in the device
    const t4 = gw + d + 0.1 + d;
    sync.observeExchange(t1, t2, t3, t4);
  }
  const err = Math.abs(sync.toGateway(devAt(10_500)) - 10_500);
  t.ok(err < 1, `error ${err.toFixed(3)} ms`);
});

t.test('unready until observed; converts columns in place', async (t) => {
  const sync = new ClockSync();
  t.notOk(sync.ready);
  t.ok(Number.isNaN(sync.toGateway(1)));
  sync.observeArrival(1_000_000, 10);
  const col = Float64Array.of(1_000_000, 1_001_000, 1_002_000);
  sync.toGatewayInPlace(col, 3);
  t.same(Array.from(col), [10, 11, 12]);
  t.throws(() => new ClockSync({ window: 2 }), RangeError);
});
