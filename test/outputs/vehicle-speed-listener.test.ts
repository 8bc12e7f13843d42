import t from 'tap';
import mqtt from 'mqtt';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { MqttSink } from '../../gateway/outputs/mqtt-sink.ts';
import { Outbox } from '../../gateway/outputs/outbox.ts';
import { VehicleSpeedListener } from '../../gateway/outputs/vehicle-speed-listener.ts';
import { FleetPipeline } from '../../gateway/pipeline/fleet-pipeline.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { requireBinary } from '../helpers/system-binary.ts';

const skip = requireBinary('mosquitto');
const BASE = 'afg/v1/plant-1/gw-a';

async function until(cond: () => boolean, ms = 10_000, what = 'condition') {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A listener on a fake transport: messages go straight to handle(), time is set by the test. */
function offline(staleAfterMs = 3000) {
  let now = 1_767_225_600_000;
  const set: [string, number][] = [];
  const errors = new ErrorCounter();
  const transport = { topics: { base: BASE } as never, subscribe: () => undefined };
  const l = new VehicleSpeedListener({ transport, drivers: new Map([['dr-19c2', 2.5]]), target: { setVehicleSpeed: (w, v) => set.push([w, v]) }, errors, staleAfterMs, now: () => now });
  const msg = (wearer: string, body: unknown, retain = false) => l.handle(`${BASE}/vehicles/${wearer}/speed`, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), { retain });
  return { l, set, errors, msg, advance: (ms: number) => (now += ms), now: () => now };
}

t.test('a fresh speed goes to the fleet; bad ones are dropped and counted by reason', async (t) => {
  const { l, set, errors, msg, now } = offline();
  msg('dr-19c2', { speedMps: 0, ts: now() - 100 });
  msg('dr-19c2', { speedMps: 4.2 });
  t.same(set, [['dr-19c2', 0], ['dr-19c2', 4.2]]);
  t.ok(l.hasLiveSpeed('dr-19c2'));
  msg('op-7f3a', { speedMps: 1 }); // an operator has no vehicle
  msg('dr-ffff', { speedMps: 1 });
  for (const bad of [{ speedMps: -1 }, { speedMps: 61 }, { speedMps: '3' }, { speedMps: 3, extra: true }, {}, 'not json', '[]', { speedMps: 3, ts: 1.5 }]) msg('dr-19c2', bad);
  msg('dr-19c2', { speedMps: 3, ts: now() - 3500 }); // older than staleAfterMs
  msg('dr-19c2', { speedMps: 3, ts: now() + 60_000 }); // a clock far ahead
  msg('dr-19c2', { speedMps: 3 }, true); // retained, age unknown
  t.same(set.length, 2, 'none of them reached the fleet');
  t.same(l.rejected, { malformed: 8, unknown_driver: 2, stale: 2, future: 1 });
  t.equal(errors.get('AFG_E_MQTT_INPUT_INVALID'), 11);
  t.equal(errors.get('AFG_E_VEHICLE_SPEED_STALE'), 2);
  t.equal(l.accepted, 2);
  msg('dr-19c2', { speedMps: 1.5, ts: now() - 10 }, true); // retained but fresh: fine
  t.same(set.at(-1), ['dr-19c2', 1.5]);
});

t.test('a signal that stops is not a standstill: after staleAfterMs the assumed speed is back', async (t) => {
  const { l, set, errors, msg, advance } = offline(3000);
  msg('dr-19c2', { speedMps: 0 });
  advance(2000);
  l.poll();
  t.same(set, [['dr-19c2', 0]], 'still fresh');
  advance(1500);
  l.poll();
  t.same(set, [['dr-19c2', 0], ['dr-19c2', 2.5]], 'configured 2.5 m/s assumed again');
  t.notOk(l.hasLiveSpeed('dr-19c2'));
  t.equal(errors.get('AFG_E_VEHICLE_SPEED_STALE'), 1);
  l.poll();
  t.equal(set.length, 2, 'once per stale transition');
  t.equal(l.staleTransitions, 1);
});

t.test('over a real broker into a real FleetPipeline: the driver policy sees the signalled speed', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const config = validateConfig({ site: 'plant-1', gateway: 'gw-a', wearers: [{ id: 'dr-19c2', role: 'driver', vehicleSpeedMps: 2.5 }, { id: 'op-7f3a', role: 'operator' }] });
  const bus = new EventBus();
  const fleet = new FleetPipeline({ config, bus, toEpochMs: (x) => x });
  const speeds: number[] = [];
  bus.on('observation', (o) => {
    if (o.wearer === 'dr-19c2') speeds.push(o.values['speedMps'] as number);
  });
  const errors = new ErrorCounter();
  const outbox = await Outbox.open({ dir: t.testdir(), errors });
  const sink = new MqttSink({ url: broker.url, site: 'plant-1', gateway: 'gw-a', version: 'test', bus, outbox, errors, toEpochMs: (x) => x });
  const drivers = new Map(config.wearers.filter((w) => w.role === 'driver').map((w) => [w.id, w.vehicleSpeedMps] as const));
  const listener = new VehicleSpeedListener({ transport: sink, drivers, target: fleet, errors });
  listener.start();
  await sink.start(10_000);
  t.teardown(async () => {
    await sink.stop(300);
    await outbox.close();
  });
  fleet.tick(50);
  t.equal(speeds.at(-1), 2.5, 'the configured speed without a signal');
  const pub = mqtt.connect(broker.url);
  t.teardown(() => void pub.end(true));
  await new Promise<void>((r) => pub.on('connect', () => r()));
  pub.publish(`${BASE}/vehicles/dr-19c2/speed`, JSON.stringify({ speedMps: 0.2, ts: Date.now() }), { qos: 0 });
  pub.publish(`${BASE}/vehicles/op-7f3a/speed`, JSON.stringify({ speedMps: 9 }), { qos: 0 });
  await until(() => listener.accepted === 1 && listener.rejected.unknown_driver === 1, 10_000, 'both messages');
  fleet.tick(100);
  t.equal(speeds.at(-1), 0.2, 'the next tick uses the signalled speed');
  t.equal(errors.get('AFG_E_MQTT_INPUT_INVALID'), 1);
});
