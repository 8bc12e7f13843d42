import t from 'tap';
import mqtt from 'mqtt';
import { Ajv } from 'ajv';
import { DeviceStatusPayload } from '../../gateway/outputs/payload-schemas.ts';
import { nobleWithBindings } from '../../firmware-bridge/ble/noble-loader.ts';
import { HrsStrapEmulator } from '../../firmware-bridge/emulators/hrs-strap-emulator.ts';
import { PolarH10Emulator } from '../../firmware-bridge/emulators/polar-h10-emulator.ts';
import { FloorState } from '../../dashboard/floor-state.ts';
import { startGateway } from '../../gateway/app/gateway-app.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';
import type { DeviceStatus } from '../../gateway/core/event-bus.ts';
import { FeatureQuality, type FeatureFrame } from '../../gateway/core/types.ts';
import { featureIndex } from '../../gateway/features/feature-names.ts';
import { FakeHciBindings } from '../firmware-bridge/ble/fake-hci-bindings.fixture.ts';
import { polarH10Peripheral } from '../firmware-bridge/ble/polar-h10-peripheral.fixture.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
const hex = (s: string) => Uint8Array.from(s.split(' ').map((b) => parseInt(b, 16)));
const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, fatal: () => undefined };

t.test('a strap and an H10 named in the config, through noble over fake HCI: HR, contact and battery reach the floor, /health and /metrics; HR stays off /metrics and MQTT', async (t) => {
  const bindings = new FakeHciBindings();
  const strap = new HrsStrapEmulator();
  strap.battery = 87;
  bindings.add({
    uuid: 'u-strap',
    address: 'aa:bb:cc:dd:ee:01',
    localName: 'HRM-Pro:42',
    serviceUuids: ['180d'],
    mtu: 23,
    services: { '180d': [{ uuid: '2a37', properties: ['notify'] }], '180f': [{ uuid: '2a19', properties: ['read'], value: strap.batteryBytes() }] },
  });
  const h10 = new PolarH10Emulator();
  bindings.add(polarH10Peripheral(h10, { uuid: 'u-h10' }));
  const dir = t.testdir();
  const config = validateConfig({
    site: 'ble-plant',
    gateway: 'gw-ble',
    dataDir: dir,
    mqtt: { embeddedPort: 0 },
    dashboard: { port: 0 },
    wearers: [
      { id: 'op-7f3a', role: 'operator', devices: [{ id: 'hrs-7f3a', kind: 'hrs-strap', transport: { type: 'ble', name: 'HRM-Pro' } }] },
      { id: 'dr-19c2', role: 'driver', devices: [{ id: 'h10-19c2', kind: 'polar-h10', transport: { type: 'ble', address: 'A0:9E:1A:00:00:01' } }] },
    ],
  });
  const gw = await startGateway({ config, baseDir: dir, version: 'test', logger: quietLog as never, noble: nobleWithBindings(bindings) });
  t.teardown(() => gw.stop());
  const floor = new FloorState({ layout: { site: config.site, gateway: config.gateway, stations: [], wearers: config.wearers.map((w) => ({ id: w.id, role: w.role })) }, bus: gw.bus });
  t.teardown(() => floor.close());
  const latest = new Map<string, DeviceStatus>();
  gw.bus.on('device', (d) => latest.set(d.device, d));

  const sub = mqtt.connect(gw.brokerUrl, { clientId: 'ble-test-sub' });
  t.teardown(() => void sub.end(true));
  const mqttPayloads: { topic: string; text: string }[] = [];
  sub.on('message', (topic, p) => mqttPayloads.push({ topic, text: p.toString() }));
  await new Promise<void>((r) => sub.on('connect', () => sub.subscribe('afg/#', { qos: 1 }, () => r())));

  await waitFor('scanning', () => bindings.scanning);
  bindings.advertise('u-strap');
  bindings.advertise('u-h10');
  await waitFor('both wearables connected', () => gw.devices.every((d) => d.status(performance.now()).state !== 'connecting' && d.status(performance.now()).state !== 'error'));
  t.ok(bindings.calls.includes('connect u-strap') && bindings.calls.includes('connect u-h10'), 'two wearables at once');

  // a strap notifies about once a second: contact, HR 72, RR
  let contact = true;
  const pump = setInterval(() => {
    bindings.notifyValue('u-strap', '180d', '2a37', contact ? hex('16 48 54 01 EC 02') : hex('04 00'));
    bindings.notifyValue('u-h10', '180d', '2a37', hex('16 41 54 01 EC 02'));
  }, 200);
  t.teardown(() => clearInterval(pump));

  await waitFor('strap status with contact', () => latest.get('hrs-7f3a')?.contact === 'contact' && latest.get('hrs-7f3a')?.state === 'connected');
  const s = latest.get('hrs-7f3a')!;
  t.equal(s.battery, 87, 'battery read from 0x2A19');
  t.match(s.quality, { nominalRateHz: null, droppedFrames: null, crcErrors: null, inputErrors: 0, reconnects: 0 });
  t.equal(latest.get('h10-19c2')?.quality?.droppedFrames, 0, 'an H10 counts PMD frame gaps');

  // the floor state (dashboard data) has contact and battery per device, HR per wearer (derived, on the box)
  await waitFor('HR in the wearer detail', () => floor.wearer('op-7f3a')?.observation?.values['hrBpm'] === 72);
  const fd = floor.snapshot().devices.find((d) => d.device === 'hrs-7f3a')!;
  t.same([fd.contact, fd.battery], ['contact', 87]);
  t.equal(floor.wearer('dr-19c2')?.observation?.values['hrBpm'], 65, 'the H10 heart rate reaches its wearer');
  if (gw.dashboardUrl) {
    const detail = (await (await fetch(`${gw.dashboardUrl}/api/wearers/op-7f3a`)).json()) as { observation: { values: Record<string, unknown> } };
    t.equal(detail.observation.values['hrBpm'], 72, 'HR in the dashboard API wearer detail');
    const health = (await (await fetch(`${gw.dashboardUrl}/health`)).json()) as { deviceLinks: Record<string, unknown>[] };
    t.match(health.deviceLinks.find((d) => d['device'] === 'hrs-7f3a'), { state: 'connected', battery: 87, contact: 'contact', quality: { inputErrors: 0 } }, '/health shows the link quality');
    t.match(health.deviceLinks.find((d) => d['device'] === 'h10-19c2'), { mtu: 232 }, 'the negotiated ATT MTU per BLE link');
    t.notMatch(JSON.stringify(health), /bpm|hrBpm|heart/i, 'no heart rate in /health');
    const metrics = await (await fetch(`${gw.dashboardUrl}/metrics`)).text();
    t.match(metrics, /afg_device_battery_percent\{device="hrs-7f3a"\} 87/);
    t.match(metrics, /afg_device_skin_contact\{device="hrs-7f3a"\} 1/);
    t.match(metrics, /afg_device_validity_ratio\{device="hrs-7f3a"\} (0|1|0\.\d+)\n/);
    t.notMatch(metrics, /^afg_[a-z_]*(heart|bpm|hr_|rr_|rmssd|ecg)/im, 'no biosignal series in /metrics');
  } else t.fail('dashboard should be enabled');

  // the strap slips: no contact -> HR unknown (never 0), contact 0 on /metrics
  contact = false;
  await waitFor('no contact reported', () => latest.get('hrs-7f3a')?.contact === 'no_contact');
  let frame: FeatureFrame | undefined;
  gw.bus.on('features', (f) => f.wearer === 'op-7f3a' && (frame = f));
  await waitFor('HR unknown without contact', () => floor.wearer('op-7f3a')?.observation?.values['hrBpm'] === null);
  await waitFor('a feature frame', () => frame !== undefined);
  const hr = featureIndex('hr_bpm');
  t.ok(Number.isNaN(frame!.values[hr]!), `the hr_bpm feature is NaN, not 0 (${frame!.values[hr]})`);
  t.equal(frame!.quality[hr], FeatureQuality.Unknown, 'with quality Unknown');
  const metrics = await (await fetch(`${gw.dashboardUrl}/metrics`)).text();
  t.match(metrics, /afg_device_skin_contact\{device="hrs-7f3a"\} 0/);

  // at most one message per device per 5 s: the first may predate the connection
  const connectedMsg = (device: string) => mqttPayloads.find((m) => m.topic.includes(device) && m.text.includes('"state":"connected"'));
  await waitFor('connected device status on MQTT', () => connectedMsg('hrs-7f3a') !== undefined && connectedMsg('h10-19c2') !== undefined, 15_000);
  const deviceMsg = connectedMsg('hrs-7f3a')!;
  t.match(JSON.parse(deviceMsg.text), { device: 'hrs-7f3a', state: String, quality: { inputErrors: 0, crcErrors: null }, rateHz: null, mtu: 23 }, 'device health goes to line systems');
  const validate = new Ajv({ strict: false }).compile(DeviceStatusPayload);
  for (const m of mqttPayloads.filter((x) => x.topic.includes('/devices/'))) t.ok(validate(JSON.parse(m.text)), `${m.topic} matches the published schema ${JSON.stringify(validate.errors)}`);
  t.match(JSON.parse(connectedMsg('h10-19c2')!.text), { quality: { droppedFrames: 0, streams: { ecg: { nominalRateHz: 130 } } }, mtu: 232 });
  // alert evidence is the policy's payload (it copies the observation, hrBpm included: reported, not this test's subject)
  const leaks = mqttPayloads.filter((m) => /"?(bpm|hrBpm|heartRate)"?\s*:/i.test(m.text) && !m.topic.includes('/alerts'));
  t.same(leaks.map((m) => m.topic), [], 'no heart rate in device or attention messages on MQTT');
});

t.test('an H10 behind an adapter that negotiates a small MTU: AFG_E_BLE_MTU on /health and /metrics, its heart rate still reaches the wearer', async (t) => {
  const bindings = new FakeHciBindings();
  const h10 = new PolarH10Emulator({ mtu: 23 });
  bindings.add(polarH10Peripheral(h10, { uuid: 'u-h10', address: 'a0:9e:1a:00:00:02', localName: 'Polar H10 0000AAAA', mtu: 23 }));
  const dir = t.testdir();
  const config = validateConfig({
    site: 'ble-plant',
    gateway: 'gw-ble-mtu',
    dataDir: dir,
    mqtt: { embeddedPort: 0 },
    dashboard: { port: 0 },
    wearers: [{ id: 'dr-0a0a', role: 'driver', devices: [{ id: 'h10-0a0a', kind: 'polar-h10', transport: { type: 'ble' } }] }],
  });
  const gw = await startGateway({ config, baseDir: dir, version: 'test', logger: quietLog as never, noble: nobleWithBindings(bindings) });
  t.teardown(() => gw.stop());
  const floor = new FloorState({ layout: { site: config.site, gateway: config.gateway, stations: [], wearers: [{ id: 'dr-0a0a', role: 'driver' }] }, bus: gw.bus });
  t.teardown(() => floor.close());
  await waitFor('scanning', () => bindings.scanning);
  bindings.advertise('u-h10');
  const pump = setInterval(() => bindings.notifyValue('u-h10', '180d', '2a37', hex('16 41 54 01 EC 02')), 200);
  t.teardown(() => clearInterval(pump));
  let status: DeviceStatus | undefined;
  gw.bus.on('device', (d) => (status = d));
  await waitFor('HR reaches the wearer', () => floor.wearer('dr-0a0a')?.observation?.values['hrBpm'] === 65);
  await waitFor('a device status of the connected link', () => status?.state === 'connected');
  const health = (await (await fetch(`${gw.dashboardUrl}/health`)).json()) as { deviceLinks: Record<string, unknown>[]; errors: Record<string, number> };
  t.match(health.deviceLinks.find((d) => d['device'] === 'h10-0a0a'), { state: 'connected', mtu: 23, detail: /^AFG_E_BLE_MTU: .*negotiated ATT MTU 23/ });
  t.equal(health.errors['AFG_E_BLE_MTU'], 1);
  const metrics = await (await fetch(`${gw.dashboardUrl}/metrics`)).text();
  t.match(metrics, /afg_device_errors_total\{device="h10-0a0a",code="AFG_E_BLE_MTU"\} 1\n/);
  t.match(metrics, /afg_errors_total\{code="AFG_E_BLE_MTU"\} 1\n/);
});
