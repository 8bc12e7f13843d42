import t from 'tap';
import { createRequire } from 'node:module';
import { AfgError, ErrorCounter } from '../../../gateway/core/errors.ts';
import type { EcgBatch, HrBatch, RrBatch, SampleBatch } from '../../../gateway/core/types.ts';
import { BleTransport } from '../../../firmware-bridge/ble/ble-transport.ts';
import type { BleLinkStatus } from '../../../firmware-bridge/ble/ble-wearable-link.ts';
import { ReconnectBackoff, normaliseUuid } from '../../../firmware-bridge/ble/ble-wearable-link.ts';
import { loadNoble, nobleWithBindings } from '../../../firmware-bridge/ble/noble-loader.ts';
import { PMD_CONTROL_POINT_UUID, PMD_DATA_UUID, PMD_SERVICE_UUID } from '../../../firmware-bridge/ble/pmd-control-point.ts';
import { HrsStrapEmulator } from '../../../firmware-bridge/emulators/hrs-strap-emulator.ts';
import { PolarH10Emulator } from '../../../firmware-bridge/emulators/polar-h10-emulator.ts';
import { FakeHciBindings, type FakePeripheral } from './fake-hci-bindings.fixture.ts';
import { polarH10Peripheral } from './polar-h10-peripheral.fixture.ts';

const hex = (s: string) => Uint8Array.from(s.split(' ').map((b) => parseInt(b, 16)));

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function strap(uuid: string, address: string, name: string): FakePeripheral {
  const emu = new HrsStrapEmulator();
  emu.battery = 87;
  return {
    uuid,
    address,
    localName: name,
    serviceUuids: ['180d'],
    mtu: 23,
    services: {
      '180d': [{ uuid: '2a37', properties: ['notify'] }, { uuid: '2a38', properties: ['read'], value: emu.locationBytes() }],
      '180f': [{ uuid: '2a19', properties: ['read', 'notify'], value: emu.batteryBytes() }],
      '180a': [{ uuid: '2a29', properties: ['read'], value: emu.infoBytes('manufacturer') }],
    },
  };
}

function rig(devices: ConstructorParameters<typeof BleTransport>[0]['devices']) {
  const bindings = new FakeHciBindings();
  const noble = nobleWithBindings(bindings);
  const errors = new ErrorCounter();
  const batches: { device: string; b: SampleBatch; at: number }[] = [];
  const statuses: BleLinkStatus[] = [];
  let clock = 1000;
  const transport = new BleTransport({ devices, errors, noble, now: () => clock, backoff: { initialMs: 5, maxMs: 40 }, opTimeoutMs: 500, onBatch: (device, b, at) => batches.push({ device, b, at }), onStatus: (s) => statuses.push(s) });
  return { bindings, noble, errors, batches, statuses, transport, tick: (ms: number) => (clock += ms) };
}

t.test('noble with fake bindings loads here (no Bluetooth socket needed)', async (t) => {
  const require = createRequire(import.meta.url);
  t.doesNotThrow(() => require('@abandonware/noble/with-bindings')(new FakeHciBindings()));
});

t.test('without Bluetooth, loading noble is a stable AfgError and the transport refuses to start', async (t) => {
  let loaded = false;
  try {
    loadNoble();
    loaded = true;
  } catch (e) {
    t.ok(e instanceof AfgError);
    t.equal((e as AfgError).code, 'AFG_E_BLE_UNAVAILABLE');
  }
  if (loaded) {
    t.comment('this machine has a Bluetooth adapter: nothing to refuse');
    return;
  }
  const errors = new ErrorCounter();
  const tr = new BleTransport({ devices: [{ id: 's', kind: 'hrs-strap' }], errors, onBatch: () => undefined });
  t.throws(() => tr.start(), { code: 'AFG_E_BLE_UNAVAILABLE' });
  t.equal(tr.status()[0]!.state, 'unavailable');
  t.equal(errors.get('AFG_E_BLE_UNAVAILABLE'), 1);
});

t.test('strap: power on, discover, connect, notify HR, disconnect, reconnect with backoff', async (t) => {
  const r = rig([{ id: 'strap-1', kind: 'hrs-strap', name: 'HRM-Pro' }]);
  r.bindings.add({ ...strap('u-other', '11:22:33:44:55:66', 'Other HRM'), serviceUuids: ['180d'] });
  r.bindings.add(strap('u-strap', 'AA:BB:CC:DD:EE:01', 'HRM-Pro:123'));
  r.transport.start();
  await until('scan', () => r.bindings.scanning);
  t.ok(r.bindings.calls.includes('startScanning [] false'));
  r.bindings.advertise('u-other');
  r.bindings.advertise('u-strap');
  await until('connected', () => r.transport.status()[0]!.state === 'connected');
  t.notOk(r.bindings.calls.includes('connect u-other'), 'the name filter skipped the other strap');
  t.notOk(r.bindings.scanning, 'scan stops once every wearable is found');
  const st = r.transport.status()[0]!;
  t.match(st, { battery: 87, location: 'chest', mtu: 23, info: { manufacturer: 'AFG Emulated' }, address: 'AA:BB:CC:DD:EE:01' });
  t.ok(r.bindings.calls.includes('notify 2a37 true'));

  r.bindings.notifyValue('u-strap', '180d', '2a37', hex('16 48 54 01 EC 02'));
  await until('HR', () => r.batches.length >= 2);
  const hr = r.batches[0]!.b as HrBatch;
  const rr = r.batches[1]!.b as RrBatch;
  t.same([hr.kind, hr.device, hr.bpm[0], hr.contact[0], hr.t[0]], ['hr', 'strap-1', 72, 2, 1000]);
  t.same(Array.from(rr.rrMs), [332.03125, 730.46875]);
  // garbled notification: counted, nothing emitted
  r.bindings.notifyValue('u-strap', '180d', '2a37', hex('10 48 54'));
  // skin contact lost: unknown HR, never 0
  r.bindings.notifyValue('u-strap', '180d', '2a37', hex('04 00'));
  await until('no-contact HR', () => r.batches.length >= 3);
  t.ok(Number.isNaN((r.batches[2]!.b as HrBatch).bpm[0]));
  t.equal(r.errors.get('AFG_E_GATT_PAYLOAD'), 1);

  // the link drops; the first reconnect fails; the second succeeds
  r.bindings.peripherals.get('u-strap')!.failConnects = 1;
  r.bindings.drop('u-strap');
  await until('backoff', () => r.transport.status()[0]!.state === 'backoff');
  await until('reconnected', () => r.transport.status()[0]!.state === 'connected' && r.bindings.calls.filter((c) => c === 'connect u-strap').length === 3);
  const attempts = r.statuses.filter((s) => s.state === 'backoff').map((s) => s.attempts);
  t.same(attempts.slice(0, 2), [1, 2], 'second retry after a doubled delay');
  t.equal(r.transport.status()[0]!.attempts, 0, 'reset once connected');
  t.ok(r.errors.get('AFG_E_DEVICE_IO') >= 2);
  r.tick(1000);
  r.bindings.notifyValue('u-strap', '180d', '2a37', hex('06 3C'));
  await until('HR after reconnect', () => r.batches.length >= 4);
  await new Promise((res) => setTimeout(res, 20));
  t.equal(r.batches.length, 4, 'one batch per notification: no listeners left over from the first connection');
  t.same([(r.batches[3]!.b as HrBatch).bpm[0], r.batches[3]!.at], [60, 2000]);

  await r.transport.stop();
  t.equal(r.transport.status()[0]!.state, 'stopped');
  t.ok(r.bindings.calls.includes('disconnect u-strap'));
  const connects = r.bindings.calls.filter((c) => c.startsWith('connect')).length;
  await new Promise((res) => setTimeout(res, 60));
  t.equal(r.bindings.calls.filter((c) => c.startsWith('connect')).length, connects, 'no reconnect after stop');
});

t.test('Polar H10 and a strap at once: PMD started in order, ECG/ACC frames arrive as batches', async (t) => {
  const emu = new PolarH10Emulator();
  const r = rig([
    { id: 'h10', kind: 'polar-h10' },
    { id: 'strap', kind: 'hrs-strap', address: 'aabbccddee02' },
  ]);
  r.bindings.add(polarH10Peripheral(emu, { uuid: 'u-h10' }));
  r.bindings.add(strap('u-s', 'AA:BB:CC:DD:EE:02', 'Generic'));
  r.transport.start();
  await until('scan', () => r.bindings.scanning);
  r.bindings.advertise('u-s');
  r.bindings.advertise('u-h10');
  await until('both connected', () => r.transport.status().every((s) => s.state === 'connected'));
  const writes = r.bindings.calls.filter((c) => c.startsWith('write'));
  t.same(writes, [`write ${PMD_CONTROL_POINT_UUID} 02000001820001010e00`, `write ${PMD_CONTROL_POINT_UUID} 02020001c8000101100002010800`]);
  t.ok(emu.streaming(0) && emu.streaming(2));
  const lastUs = 800_000_000_000_000;
  for (const f of emu.ecgFrames(lastUs, Int32Array.from({ length: 100 }, (_, i) => i * 10 - 500), 100)) r.bindings.notifyValue('u-h10', PMD_SERVICE_UUID, PMD_DATA_UUID, f);
  for (const f of emu.accFrames(lastUs, [1, 2], [3, 4], [1000, 1001], 2)) r.bindings.notifyValue('u-h10', PMD_SERVICE_UUID, PMD_DATA_UUID, f);
  r.bindings.notifyValue('u-s', '180d', '2a37', hex('16 48 54 01 EC 02'));
  await until('batches', () => r.batches.length >= 5);
  const ecg = r.batches.filter((x) => x.b.kind === 'ecg').map((x) => x.b as EcgBatch);
  t.equal(ecg.length, 2);
  t.equal(ecg[0]!.clock, 'device');
  t.same([...ecg[0]!.uV, ...ecg[1]!.uV], Array.from({ length: 100 }, (_, i) => i * 10 - 500));
  t.ok(Math.abs(ecg[1]!.t[ecg[1]!.n - 1]! - lastUs) < 1);
  const acc = r.batches.find((x) => x.b.kind === 'acc')!;
  t.same(Array.from((acc.b as { z: Float32Array }).z), [1000, 1001]);
  t.equal(r.batches.find((x) => x.b.kind === 'hr')!.device, 'strap');
  t.equal(r.errors.total(), 0);
  await r.transport.stop();
});

t.test('an H10 refusing PMD for a small MTU: AFG_E_BLE_MTU counted once with the negotiated MTU, HR still flows', async (t) => {
  const emu = new PolarH10Emulator({ mtu: 23 });
  const r = rig([{ id: 'h10', kind: 'polar-h10', name: 'Polar H10' }]);
  r.bindings.add(polarH10Peripheral(emu, { uuid: 'u-h10' }));
  r.transport.start();
  await until('scan', () => r.bindings.scanning);
  r.bindings.advertise('u-h10');
  await until('connected', () => r.transport.status()[0]!.state === 'connected');
  t.match(r.transport.status()[0]!.lastError, /^AFG_E_BLE_MTU: ECG and ACC start refused \(invalid_mtu\): negotiated ATT MTU 23 /);
  t.equal(r.transport.status()[0]!.mtu, 23);
  t.equal(r.errors.get('AFG_E_BLE_MTU'), 1, 'one cause, one count');
  t.equal(r.errors.get('AFG_E_DEVICE_IO'), 0, 'not a link failure: no reconnect either');
  t.ok(r.bindings.calls.includes('write fb005c8102e7f3871cad8acd2d8df0c8 02000001820001010e00'), 'the start was asked; the sensor refused it');
  r.bindings.notifyValue('u-h10', '180d', '2a37', hex('06 48'));
  await until('HR', () => r.batches.length === 1);
  await r.transport.stop();
});

t.test('adapter power off then on: links reconnect; unsupported adapter is unavailable', async (t) => {
  const r = rig([{ id: 's', kind: 'hrs-strap' }]);
  r.bindings.add(strap('u-s', '00:00:00:00:00:09', 'X'));
  r.transport.start();
  await until('scan', () => r.bindings.scanning);
  r.bindings.advertise('u-s');
  await until('connected', () => r.transport.status()[0]!.state === 'connected');
  r.bindings.setPower('poweredOff');
  r.bindings.drop('u-s');
  r.bindings.setPower('poweredOn');
  await until('reconnected', () => r.transport.status()[0]!.state === 'connected' && r.bindings.calls.filter((c) => c === 'connect u-s').length === 2);
  r.bindings.setPower('unsupported');
  t.equal(r.transport.status()[0]!.state, 'unavailable');
  t.equal(r.errors.get('AFG_E_BLE_UNAVAILABLE'), 1);
  await r.transport.stop();
});

t.test('filters, backoff and argument checks', async (t) => {
  t.equal(normaliseUuid('0000180D-0000-1000-8000-00805F9B34FB'), '180d');
  t.equal(normaliseUuid('0x180D'), '180d');
  t.equal(normaliseUuid('FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8'), PMD_SERVICE_UUID);
  const b = new ReconnectBackoff(500, 3000);
  t.same([b.next(), b.next(), b.next(), b.next(), b.next()], [500, 1000, 2000, 3000, 3000]);
  b.reset();
  t.equal(b.next(), 500);
  t.throws(() => new ReconnectBackoff(0, 10));
  t.throws(() => new BleTransport({ devices: [], errors: new ErrorCounter(), onBatch: () => undefined }));
  t.throws(() => new BleTransport({ devices: [{ id: 'a', kind: 'hrs-strap' }, { id: 'a', kind: 'polar-h10' }], errors: new ErrorCounter(), onBatch: () => undefined }));
});
