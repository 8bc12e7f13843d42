import t from 'tap';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { FEATURE_NAMES, featureIndex } from '../../gateway/features/feature-names.ts';
import type { FeatureFrame } from '../../gateway/core/types.ts';
import { FloorHistory } from '../../dashboard/wearer-history.ts';
import { estimate } from './floor-fixture.ts';

function frame(wearer: string, t: number, v: Partial<Record<(typeof FEATURE_NAMES)[number], number>>): FeatureFrame {
  const values = new Float32Array(FEATURE_NAMES.length).fill(Number.NaN);
  for (const [k, x] of Object.entries(v)) values[featureIndex(k)] = x;
  return { wearer, t, values, quality: new Uint8Array(FEATURE_NAMES.length) };
}

/** One pipeline tick as the FleetPipeline emits it: features, then the estimate of the same tick. */
function tick(bus: EventBus, wearer: string, t: number, score: number | null, v: Parameters<typeof frame>[2]) {
  bus.emit('features', frame(wearer, t, v));
  bus.emit('estimate', estimate(wearer, t, score === null ? 'sensor_lost' : 'attentive', score));
}

t.test('one row per period with the latest values of the tick that crossed it; unknown is null, never 0', async (t) => {
  const bus = new EventBus();
  const h = new FloorHistory({ bus, wearers: ['op-1'], periodMs: 1000, windowMs: 10_000, toEpochMs: (x) => 1_700_000_000_000 + x });
  for (let ms = 0; ms <= 3000; ms += 50) tick(bus, 'op-1', ms, ms / 10_000, { perclos: 0.1, blink_rate_per_min: 15, hr_bpm: 70 + ms / 1000 });
  const c = h.columns('op-1')!;
  t.same(c.t, [1_700_000_000_000, 1_700_000_001_000, 1_700_000_002_000, 1_700_000_003_000]);
  t.same(c.series.score, [0, 0.1, 0.2, 0.3], 'the estimate of the same tick, not the one before');
  t.same(c.series.hr_bpm, [70, 71, 72, 73]);
  t.same(c.series.perclos, [0.1, 0.1, 0.1, 0.1]);
  t.same(c.series.rmssd_ms, [null, null, null, null], 'NaN features are null');
  tick(bus, 'op-1', 4000, null, { hr_bpm: Number.NaN });
  t.same(h.columns('op-1')!.series.score.at(-1), null, 'sensor lost: no score, not 0');
  t.same(h.columns('op-1')!.series.hr_bpm.at(-1), null, 'no contact: no heart rate, not 0');
});

t.test('the ring keeps only the window (15 min by default: 900 rows) and memory does not grow', async (t) => {
  const bus = new EventBus();
  const h = new FloorHistory({ bus, wearers: ['op-1'] });
  t.equal(h.rows, 900);
  for (let s = 0; s < 1000; s++) tick(bus, 'op-1', s * 1000, (s % 100) / 100, { perclos: s });
  const c = h.columns('op-1')!;
  t.equal(c.t.length, 900);
  t.equal(c.t[0], 100_000, 'oldest kept row is 900 periods back');
  t.equal(c.series.perclos.at(-1), 999);
  t.equal(c.series.perclos[0], 100);
});

t.test('unknown wearers are ignored; features alone commit when estimates stop; close unsubscribes', async (t) => {
  const bus = new EventBus();
  const h = new FloorHistory({ bus, wearers: ['op-1'], periodMs: 1000 });
  tick(bus, 'op-999', 0, 0.5, {});
  t.equal(h.columns('op-999'), null);
  t.equal(h.has('op-999'), false);
  tick(bus, 'op-1', 0, 0.5, { perclos: 0.2 });
  bus.emit('features', frame('op-1', 1000, { perclos: 0.3 }));
  t.equal(h.columns('op-1')!.t.length, 1, 'the estimate of that tick may still come');
  bus.emit('features', frame('op-1', 2000, { perclos: 0.4 }));
  t.same(h.columns('op-1')!.series.perclos, [0.2, 0.4], 'a whole period without estimates: features commit');
  h.close();
  tick(bus, 'op-1', 5000, 0.9, {});
  t.equal(h.columns('op-1')!.t.length, 2);
  t.throws(() => new FloorHistory({ bus, wearers: [], periodMs: 5 }), RangeError);
});
