import t from 'tap';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import type { AttentionEstimate, FeatureFrame, Role } from '../../gateway/core/types.ts';
import type { AttentionEstimator } from '../../gateway/estimator/attention-estimator.ts';
import { FleetPipeline } from '../../gateway/pipeline/fleet-pipeline.ts';
import { WearerPipeline } from '../../gateway/pipeline/wearer-pipeline.ts';

const config = validateConfig({
  stations: [{ id: 'st-01', name: 'Press 1' }],
  wearers: [
    { id: 'op-0001', role: 'operator', station: 'st-01' },
    { id: 'op-0002', role: 'operator' },
    { id: 'dr-0003', role: 'driver' },
  ],
});

/** Records every call; answers 'attentive' for all, synchronously or after a macrotask. */
class RecordingEstimator implements AttentionEstimator {
  readonly name = 'recording/1';
  calls: { frames: string[]; roles: Role[]; t: number }[] = [];
  constructor(private readonly async: boolean) {}
  estimateBatch(frames: readonly FeatureFrame[], roles: readonly Role[]): AttentionEstimate[] | Promise<AttentionEstimate[]> {
    this.calls.push({ frames: frames.map((f) => f.wearer), roles: [...roles], t: frames[0]!.t });
    const out = frames.map((f) => ({ wearer: f.wearer, t: f.t, probs: { attentive: 1, distracted: 0, drowsy: 0, overloaded: 0 }, score: 1, quality: 1, state: 'attentive' as const, estimator: this.name }));
    return this.async ? new Promise((r) => setImmediate(() => r(out))) : out;
  }
}

t.test('one estimateBatch per tick with every wearer, then each wearer steps with its own estimate', async (t) => {
  for (const async of [false, true]) {
    const bus = new EventBus();
    const est = new RecordingEstimator(async);
    const fleet = new FleetPipeline({ config, bus, toEpochMs: (x) => x, estimator: est });
    const seen: AttentionEstimate[] = [];
    bus.on('estimate', (e) => seen.push(e));
    for (let k = 1; k <= 5; k++) await fleet.tick(k * 50);
    t.equal(est.calls.length, 5, `${async ? 'async' : 'sync'}: one call per tick`);
    t.same(est.calls[0]!.frames, ['op-0001', 'op-0002', 'dr-0003']);
    t.same(est.calls[0]!.roles, ['operator', 'operator', 'driver']);
    t.same(est.calls.map((c) => c.t), [50, 100, 150, 200, 250]);
    t.equal(seen.length, 15, 'an estimate event per wearer per tick');
    t.ok(seen.every((e) => e.estimator === 'recording/1'));
    t.equal(fleet.estimatorName, 'recording/1');
  }
});

t.test('with a synchronous estimator the tick has happened when tick() returns', async (t) => {
  const bus = new EventBus();
  const fleet = new FleetPipeline({ config, bus, toEpochMs: (x) => x });
  let n = 0;
  bus.on('estimate', () => n++);
  void fleet.tick(50);
  t.equal(n, 3, 'estimates emitted before any await');
  t.equal(fleet.estimatorName, 'rule-based/1', 'the rule-based estimator is the default');
});

t.test('ticks must not overlap; a repeated or older tick is a no-op', async (t) => {
  const bus = new EventBus();
  const est = new RecordingEstimator(true);
  const fleet = new FleetPipeline({ config, bus, toEpochMs: (x) => x, estimator: est });
  const first = fleet.tick(50);
  t.throws(() => fleet.tick(100), /still running; await each tick/);
  await first;
  await fleet.tick(50);
  await fleet.tick(40);
  t.equal(est.calls.length, 1);
  await fleet.tick(100);
  t.equal(est.calls.length, 2);
});

t.test('the per-wearer pipeline keeps its one-call tick and splits into frame + step', async (t) => {
  const w = config.wearers[0]!;
  const a = new WearerPipeline({ wearer: w, aois: [], toEpochMs: (x) => x, tickMs: 50 });
  const b = new WearerPipeline({ wearer: w, aois: [], toEpochMs: (x) => x, tickMs: 50 });
  const r1 = a.tick(50);
  const f = b.frame(50);
  const r2 = b.step(50, f, r1.estimate);
  t.same(r2.observation, r1.observation);
  t.equal(r1.estimate.state, 'sensor_lost', 'no data: sensor_lost, never a state');
});
