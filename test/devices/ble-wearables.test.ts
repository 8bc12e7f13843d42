import t from 'tap';
import { HrsStrapEmulator } from '../../firmware-bridge/emulators/hrs-strap-emulator.ts';
import { nobleWithBindings } from '../../firmware-bridge/ble/noble-loader.ts';
import { encodeHeartRateMeasurement } from '../../firmware-bridge/ble/heart-rate-measurement.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import type { SampleBatch } from '../../gateway/core/types.ts';
import { BleWearables } from '../../gateway/devices/ble-wearables.ts';
import { startGateway } from '../../gateway/app/gateway-app.ts';
import { FakeHciBindings } from '../firmware-bridge/ble/fake-hci-bindings.fixture.ts';

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const strapDevice = {
  id: 'hrs-7f3a',
  kind: 'hrs-strap' as const,
  transport: { type: 'ble' as const, name: 'HRM-Pro' },
  silenceTimeoutMs: 2000,
  geometry: { type: 'device' as const },
};

t.test('a configured strap reaches its wearer through noble (fake HCI bindings)', async (t) => {
  const bindings = new FakeHciBindings();
  const emu = new HrsStrapEmulator();
  bindings.add({
    uuid: 'u1',
    address: 'aa:bb:cc:dd:ee:01',
    localName: 'HRM-Pro:42',
    serviceUuids: ['180d'],
    services: { '180d': [{ uuid: '2a37', properties: ['notify'] }], '180f': [{ uuid: '2a19', properties: ['read'], value: emu.batteryBytes() }] },
  });
  const got: { wearer: string; b: SampleBatch }[] = [];
  let clock = 5000;
  const ble = new BleWearables({ entries: [{ device: strapDevice, wearer: 'op-7f3a' }], errors: new ErrorCounter(), sink: (wearer, b) => got.push({ wearer, b }), now: () => clock, noble: nobleWithBindings(bindings) });
  t.teardown(() => ble.devices[0]!.stop());
  t.equal(ble.devices.length, 1);
  await ble.devices[0]!.start();
  await until('scan', () => bindings.scanning);
  bindings.advertise('u1');
  await until('connected', () => ble.devices[0]!.status(clock).state === 'connected');
  bindings.notifyValue('u1', '180d', '2a37', encodeHeartRateMeasurement({ bpm: 72, contact: 2, energyKj: null, rr1024: [850] }));
  await until('batches', () => got.length >= 2);
  t.same(got.map((g) => [g.wearer, g.b.kind, g.b.clock]), [['op-7f3a', 'hr', 'gateway'], ['op-7f3a', 'rr', 'gateway']]);
  t.equal((got[0]!.b as Extract<SampleBatch, { kind: 'hr' }>).bpm[0], 72);
  t.equal(got[0]!.b.t[0], 5000, 'stamped with the arrival time');
  const st = ble.devices[0]!.status(clock);
  t.equal(st.transport, 'ble');
  t.equal(st.wearer, 'op-7f3a');
  clock += 3000;
  t.equal(ble.devices[0]!.status(clock).state, 'sensor_lost', 'silent longer than silenceTimeoutMs');
});

t.test('without Bluetooth the gateway starts, reports the BLE device, and runs on', async (t) => {
  const dir = t.testdir();
  const config = validateConfig({
    site: 'ble-test',
    gateway: 'gw-b',
    dataDir: dir,
    mqtt: { embeddedPort: 0 },
    dashboard: { enabled: false },
    wearers: [{ id: 'op-7f3a', role: 'operator', devices: [strapDevice] }],
  });
  const lines: string[] = [];
  const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
  const gw = await startGateway({ config, baseDir: dir, version: 'test', logger: logger as never });
  t.teardown(() => gw.stop());
  await new Promise((r) => setTimeout(r, 300));
  const h = gw.health();
  t.ok(gw.devices.some((d) => d.id === 'hrs-7f3a' && d.transport === 'ble'), 'the device is listed');
  if (lines.some((l) => l.includes('AFG_E_BLE_UNAVAILABLE'))) {
    t.equal(gw.devices[0]!.status(0).state, 'error');
    t.ok(gw.errors.get('AFG_E_BLE_UNAVAILABLE') >= 1, 'counted');
    t.match(h.reasons.join('\n'), /devices not connected: hrs-7f3a/);
  } else {
    t.comment('this machine has Bluetooth: the device is scanning instead');
  }
  t.not(h.status, 'starting', 'the pipeline ticks without the BLE device');
});

t.test('two straps at once: bad payloads are counted per device (and once for the gateway); contact and reconnects per device', async (t) => {
  const bindings = new FakeHciBindings();
  for (const [uuid, name] of [['u1', 'HRM-A'], ['u2', 'HRM-B']] as const) {
    bindings.add({ uuid, address: `aa:bb:cc:dd:ee:0${uuid[1]}`, localName: name, serviceUuids: ['180d'], services: { '180d': [{ uuid: '2a37', properties: ['notify'] }] } });
  }
  const errors = new ErrorCounter();
  const clock = 1000;
  const dev = (id: string, name: string) => ({ ...strapDevice, id, transport: { type: 'ble' as const, name } });
  const ble = new BleWearables({ entries: [{ device: dev('hrs-a', 'HRM-A'), wearer: 'op-000a' }, { device: dev('hrs-b', 'HRM-B'), wearer: 'op-000b' }], errors, sink: () => undefined, now: () => clock, noble: nobleWithBindings(bindings) });
  t.teardown(() => ble.devices[0]!.stop());
  await ble.devices[0]!.start();
  await until('scan', () => bindings.scanning);
  bindings.advertise('u1');
  bindings.advertise('u2');
  await until('both connected', () => ble.devices.every((d) => d.status(clock).state === 'connected'));
  const [a, b] = ble.devices as [typeof ble.devices[0], typeof ble.devices[0]];
  t.equal(a.status(clock).contact, null, 'unknown before the first measurement');
  bindings.notifyValue('u1', '180d', '2a37', Uint8Array.of(0x10, 0x48, 0x54)); // RR flag with half an RR value
  bindings.notifyValue('u1', '180d', '2a37', Uint8Array.of(0x06, 0x48)); // contact, 72
  bindings.notifyValue('u2', '180d', '2a37', Uint8Array.of(0x00, 0x48)); // contact not supported
  await until('contact', () => a.status(clock).contact === 'contact' && b.status(clock).contact === 'unsupported');
  t.same(a.status(clock).errors, { AFG_E_GATT_PAYLOAD: 1 });
  t.same(b.status(clock).errors, {}, "the other strap's count is untouched");
  t.equal(a.status(clock).quality?.inputErrors, 1);
  t.equal(errors.get('AFG_E_GATT_PAYLOAD'), 1, 'counted once for the gateway (afg_errors_total)');
  bindings.drop('u2');
  await until('b reconnected', () => b.status(clock).quality?.reconnects === 1 && b.status(clock).state === 'connected');
  t.equal(a.status(clock).quality?.reconnects, 0);
  t.equal(b.status(clock).errors['AFG_E_DEVICE_IO'], 1, 'the disconnect is counted on its device');
});
