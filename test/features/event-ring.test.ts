import t from 'tap';
import fc from 'fast-check';
import { EventRing } from '../../gateway/features/event-ring.ts';

/** Reference: the events of `all` with time in (now - w, now], held by a ring of `cap`. */
function expected(all: [number, number][], cap: number, now: number, w: number) {
  const held = all.slice(Math.max(0, all.length - cap));
  return held.filter(([tt]) => tt > now - w && tt <= now).map(([, v]) => v);
}

t.test('a running window equals a fresh walk, whatever the pattern of pushes and reads', async (t) => {
  // events at increasing times with values of up to 3 decimals; reads at non-decreasing times,
  // sometimes before the newest event (future events must wait); a small ring so eviction happens
  const op = fc.oneof(
    fc.record({ kind: fc.constant('push' as const), dt: fc.integer({ min: 1, max: 400 }), v: fc.integer({ min: 0, max: 900_000 }) }),
    fc.record({ kind: fc.constant('read' as const), back: fc.integer({ min: 0, max: 600 }) }),
  );
  await fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 300 }), fc.integer({ min: 4, max: 64 }), fc.integer({ min: 100, max: 3000 }), (ops, cap, w) => {
      const ring = new EventRing(cap);
      const win = ring.window(w, { over: 450 });
      const all: [number, number][] = [];
      let tt = 0;
      let lastRead = -Infinity;
      for (const o of ops) {
        if (o.kind === 'push') {
          tt += o.dt;
          const v = o.v / 1000;
          ring.push(tt, v);
          all.push([tt, v]);
          continue;
        }
        const now = Math.max(lastRead, tt - o.back);
        lastRead = now;
        win.update(now);
        const want = expected(all, ring.capacity, now, w);
        if (win.n !== want.length) return false;
        const sum = want.reduce((a, b) => a + b, 0);
        // running sums are kept in units of 1/256: at most half a unit off per event
        if (Math.abs(win.sum - sum) > want.length / 512 + 1e-9) return false;
        if (win.over !== want.filter((x) => x > 450).length) return false;
        if (want.length && win.max() !== Math.max(...want)) return false;
        if (want.length >= 2) {
          const m = sum / want.length;
          const sd = Math.sqrt(want.reduce((a, b) => a + (b - m) ** 2, 0) / (want.length - 1));
          if (Math.abs(win.sd - sd) > 1 / 256) return false;
        } else if (!Number.isNaN(win.sd)) return false;
        const out = new Float64Array(ring.capacity);
        const k = win.values(out);
        if (JSON.stringify(Array.from(out.subarray(0, k))) !== JSON.stringify(want)) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
});

t.test('sums are exact: adding and removing the same events leaves exactly zero', async (t) => {
  const ring = new EventRing(16);
  const w = ring.window(100);
  for (let i = 0; i < 10; i++) ring.push(i, 0.1 + i / 3);
  w.update(9);
  t.equal(w.n, 10);
  w.update(10_000);
  t.equal(w.n, 0);
  t.equal(w.sum, 0, 'not 1e-17');
  t.ok(Number.isNaN(w.mean), 'mean of nothing is unknown');
  t.ok(Number.isNaN(w.max()), 'max of nothing is unknown');
});

t.test('time going back rebuilds the window from the ring', async (t) => {
  const ring = new EventRing(8);
  const w = ring.window(1000);
  for (let i = 1; i <= 5; i++) ring.push(i * 100, i);
  t.equal(w.update(500).n, 5);
  t.equal(w.update(250).n, 2, 'events after now are not in the window');
  t.equal(w.sum, 3);
});

t.test('a non-finite value does not poison the sums', async (t) => {
  const ring = new EventRing(8);
  const w = ring.window(1000);
  ring.push(1, 5);
  ring.push(2, Number.NaN);
  ring.push(3, 7);
  w.update(3);
  t.equal(w.n, 3);
  t.equal(w.sum, 12);
  w.update(1002.5);
  t.equal(w.n, 1);
  t.equal(w.sum, 7);
  t.throws(() => new EventRing(0), RangeError);
});
