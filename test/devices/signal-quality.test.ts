import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialEyeTrackerEmulator, openEmulatorPort } from '../../firmware-bridge/emulators/serial-eye-tracker-emulator.ts';
import { GazepointEmulator } from '../../firmware-bridge/gazepoint/gazepoint-emulator.ts';
import { PupilCoreEmulator } from '../../firmware-bridge/pupil-core/pupil-core-emulator.ts';
import type { GazeColumns } from '../../firmware-bridge/serial/protocol.ts';
import type { DeviceConfig } from '../../gateway/config/schema.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import type { GazeBatch, SampleBatch } from '../../gateway/core/types.ts';
import { GazepointEyeTrackerDevice } from '../../gateway/devices/gazepoint-eye-tracker-device.ts';
import { PupilCoreEyeTrackerDevice } from '../../gateway/devices/pupil-core-eye-tracker-device.ts';
import { SerialEyeTrackerDevice } from '../../gateway/devices/serial-eye-tracker-device.ts';
import { requireBinary } from '../helpers/system-binary.ts';
import { PtyPair } from '../firmware-bridge/serial/pty-pair.fixture.ts';
import { EventBus, type DeviceStatus } from '../../gateway/core/event-bus.ts';
import { deviceHealth } from '../../gateway/devices/configured-devices.ts';
import { BleWearables } from '../../gateway/devices/ble-wearables.ts';
import { nobleWithBindings } from '../../firmware-bridge/ble/noble-loader.ts';
import { encodeHeartRateMeasurement } from '../../firmware-bridge/ble/heart-rate-measurement.ts';
import { PMD_DATA_UUID, PMD_SERVICE_UUID } from '../../firmware-bridge/ble/pmd-control-point.ts';
import { PolarH10Emulator } from '../../firmware-bridge/emulators/polar-h10-emulator.ts';
import { FakeHciBindings } from '../firmware-bridge/ble/fake-hci-bindings.fixture.ts';
import { polarH10Peripheral } from '../firmware-bridge/ble/polar-h10-peripheral.fixture.ts';
import { startDashboard } from '../dashboard/floor-fixture.ts';

const skip = requireBinary('socat');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
const now = () => performance.now();

/**
 * A runtime's status as the gateway publishes it (once a second onto the bus), read back through
 * the dashboard plugin with fastify inject(): /metrics, /health (deviceLinks built from the bus
 * as startGateway does) and /api/gateway.
 */
async function throughEndpoints(t: Test, status: DeviceStatus) {
  const bus = new EventBus();
  const links = new Map<string, DeviceStatus>();
  bus.on('device', (d) => links.set(d.device, d));
  const h = await startDashboard({ bus, plugin: { health: () => ({ status: 'ready', reasons: [], deviceLinks: [...links.values()].map(deviceHealth) }) } });
  t.teardown(() => h.app.close());
  bus.emit('device', status);
  const metrics = (await h.app.inject('/metrics')).body;
  const health = (await h.app.inject('/health')).json() as { deviceLinks: Record<string, unknown>[] };
  const gateway = (await h.app.inject('/api/gateway')).json() as { devices: DeviceStatus[] };
  const series = (name: string, labels = `device="${status.device}"`) => {
    const m = new RegExp(`^${name}\\{${labels.replace(/[{}]/g, '\\$&')}\\} (\\S+)$`, 'm').exec(metrics);
    return m ? Number(m[1]) : undefined;
  };
  return { metrics, series, link: health.deviceLinks.find((d) => d['device'] === status.device), api: gateway.devices.find((d) => d.device === status.device) };
}

function cols(n: number, t0Us: number, fx = 0.5, fy = 0.5): GazeColumns {
  const c: GazeColumns = { n, t: new Float64Array(n), x: new Float32Array(n).fill(fx), y: new Float32Array(n).fill(fy), pupil: new Float32Array(n).fill(3.5), openness: new Float32Array(n).fill(0.9), valid: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    c.t[i] = t0Us + (i * 1e6) / 120;
    c.valid[i] = i % 4 === 3 ? 0 : 1;
  }
  return c;
}

t.test('serial over a PTY: CRC errors and lost frames per device; HELLO geometry turns norm into degrees', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'afg-quality-'));
  const pty = new PtyPair(dir);
  await pty.plug();
  t.teardown(async () => {
    await pty.unplug();
    rmSync(dir, { recursive: true, force: true });
  });
  const errors = new ErrorCounter();
  const batches: GazeBatch[] = [];
  const sink = (_w: string, b: SampleBatch) => b.kind === 'gaze' && batches.push(b);
  const device: DeviceConfig = { id: 'et-q', kind: 'serial-eye-tracker', transport: { type: 'serial', path: pty.gw, baudRate: 921600 }, silenceTimeoutMs: 2000, geometry: { type: 'device' } };
  const rt = new SerialEyeTrackerDevice({ device, wearer: 'op-0001', errors, sink, now });
  await rt.start();
  t.teardown(() => rt.stop());
  // a head-mounted tracker that sends normalised scene coordinates and its camera's FOV in HELLO
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-Q', units: 'norm', sampleRateHz: 120, geometry: { kind: 'scene_camera', g0: 90, g1: 60, g2: 0, resX: 1280, resY: 720 } });
  const port = await openEmulatorPort(pty.dev);
  port.on('error', () => undefined);
  t.teardown(() => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())));
  const att = emu.attach(port, () => now() * 1000);
  t.teardown(() => att.detach());
  await waitFor('HELLO', () => rt.status(now()).quality?.nominalRateHz === 120);

  // 144 samples = three full frames; the middle frame is lost on the wire, the last is corrupted
  const bytes = emu.gaze(cols(144, 1e6, 1, 0));
  const frames: Uint8Array[] = [];
  for (let i = 0, s = 0; i < bytes.length; i++) if (bytes[i] === 0) (frames.push(bytes.subarray(s, i + 1)), (s = i + 1));
  t.equal(frames.length, 3);
  const bad = Uint8Array.from(frames[2]!);
  bad[20] = bad[20]! ^ 0x5a;
  await att.write(frames[0]!);
  await att.write(bad);
  await att.write(emu.gaze(cols(48, 3e6, 0.5, 0.5)));
  await waitFor('two frames decoded', () => batches.reduce((s, b) => s + b.n, 0) === 96);
  const q = rt.status(now());
  t.match(q.quality, { nominalRateHz: 120, droppedFrames: 2, crcErrors: 1, inputErrors: 1, reconnects: 0 }, 'the lost frame and the corrupted one are gaps; the CRC failure is counted');
  t.same(q.errors, { AFG_E_FRAME_CRC: 1 });
  t.equal(errors.get('AFG_E_FRAME_CRC'), 1, 'and once for the gateway');
  const first = batches[0]!;
  t.equal(first.units, 'deg', "converted with HELLO's scene-camera geometry");
  t.ok(Math.abs(first.x[0]! - 45) < 1e-4 && Math.abs(first.y[0]! - 30) < 1e-4, `right top corner at (45°, 30°): (${first.x[0]}, ${first.y[0]})`);
  t.same([batches[1]!.x[0], batches[1]!.y[0]], [0, 0], 'the centre is 0°');
  t.equal(first.clock, 'gateway');
  await sleep(1100);
  const v = rt.status(now()).validity;
  t.ok(v > 0.7 && v < 0.8, `validity ${v}: every 4th sample invalid`);

  const st = rt.status(now());
  const e = await throughEndpoints(t, st);
  t.equal(e.series('afg_device_crc_errors_total'), 1, 'CRC failures: a series of their own');
  t.equal(e.series('afg_device_dropped_frames_total'), 2);
  t.equal(e.series('afg_device_errors_total', 'device="et-q",code="AFG_E_FRAME_CRC"'), 1);
  t.equal(e.series('afg_device_validity_ratio'), st.validity);
  t.equal(e.series('afg_device_sample_rate_hz'), st.rateHz, 'the achieved rate');
  t.ok(st.rateHz !== null && st.rateHz > 0, `achieved rate ${st.rateHz} Hz`);
  t.match(e.link, { state: 'connected', rateHz: st.rateHz, validity: st.validity, quality: { nominalRateHz: 120, droppedFrames: 2, crcErrors: 1, inputErrors: 1 } }, '/health');
  t.match(e.api, { rateHz: st.rateHz, quality: { crcErrors: 1, droppedFrames: 2 } }, '/api/gateway (the dashboard)');
});

t.test('Gazepoint over TCP: lost records (CNT gaps) and bad lines per device', async (t) => {
  const gp = new GazepointEmulator({ rateHz: 60 });
  const port = await gp.start();
  t.teardown(() => gp.stop());
  const errors = new ErrorCounter();
  let samples = 0;
  const device: DeviceConfig = { id: 'gp-q', kind: 'gazepoint-gp3', transport: { type: 'tcp', host: '127.0.0.1', port }, silenceTimeoutMs: 2000, geometry: { type: 'screen', diagonalIn: 24, resolution: [1920, 1080], distanceMm: 650 } };
  const rt = new GazepointEyeTrackerDevice({ device, wearer: 'op-0002', errors, sink: (_w, b) => (samples += b.n), now });
  await rt.start();
  t.teardown(() => rt.stop());
  await waitFor('streaming', () => samples > 10);
  gp.loseRecords(3);
  gp.injectGarbage('<REC FPOGX="0.5" FPOGY="oops" FPOGV="1" />\r\n');
  await waitFor('gap and error counted', () => rt.status(now()).quality?.droppedFrames === 3 && rt.status(now()).quality?.inputErrors === 1);
  const s = rt.status(now());
  t.same(s.errors, { AFG_E_GAZEPOINT_RECORD: 1 });
  t.match(s, { state: 'connected', transport: 'tcp', battery: null, quality: { crcErrors: null, reconnects: 0 } });
  const before = samples;
  await waitFor('data keeps flowing after the bad line', () => samples > before + 10);
  await waitFor('a whole second of rate', () => (rt.status(now()).rateHz ?? 0) > 0);
  const st = rt.status(now());
  const e = await throughEndpoints(t, st);
  t.equal(e.series('afg_device_dropped_frames_total'), 3);
  t.equal(e.series('afg_device_errors_total', 'device="gp-q",code="AFG_E_GAZEPOINT_RECORD"'), 1);
  t.equal(e.series('afg_device_crc_errors_total'), undefined, 'no CRC on this transport: no series, not a 0');
  t.equal(e.series('afg_device_sample_rate_hz'), st.rateHz);
  t.ok(st.rateHz !== null && st.rateHz > 30 && st.rateHz < 90, `achieved rate ${st.rateHz} Hz of a 60 Hz emulator`);
  t.match(e.link, { rateHz: st.rateHz, validity: st.validity, quality: { droppedFrames: 3, crcErrors: null, inputErrors: 1 } });
  t.match(e.api, { quality: { droppedFrames: 3, inputErrors: 1 } });
});

t.test('Pupil Core over ZMQ: a malformed message is counted on its device; dropped frames are not observable', async (t) => {
  const pupil = new PupilCoreEmulator({ rateHz: 60 });
  const { remotePort } = await pupil.start();
  t.teardown(() => pupil.stop());
  const errors = new ErrorCounter();
  let samples = 0;
  const device: DeviceConfig = { id: 'pc-q', kind: 'pupil-core', transport: { type: 'zmq', host: '127.0.0.1', port: remotePort }, silenceTimeoutMs: 2000, geometry: { type: 'norm' } };
  const rt = new PupilCoreEyeTrackerDevice({ device, wearer: 'op-0003', errors, sink: (_w, b) => (samples += b.n), now });
  await rt.start();
  t.teardown(() => rt.stop());
  await waitFor('streaming', () => samples > 10);
  await pupil.publish('gaze.3d.01.', Uint8Array.of(0xc1)); // 0xc1 is never valid msgpack
  await waitFor('counted', () => rt.status(now()).quality?.inputErrors === 1);
  const s = rt.status(now());
  t.same(s.errors, { AFG_E_PUPIL_MESSAGE: 1 });
  t.match(s.quality, { droppedFrames: null, crcErrors: null });
  const before = samples;
  await waitFor('data keeps flowing', () => samples > before + 10);
  await waitFor('a whole second of rate', () => (rt.status(now()).rateHz ?? 0) > 0);
  const st = rt.status(now());
  const e = await throughEndpoints(t, st);
  t.equal(e.series('afg_device_errors_total', 'device="pc-q",code="AFG_E_PUPIL_MESSAGE"'), 1);
  t.equal(e.series('afg_device_dropped_frames_total'), undefined, 'not observable: no series');
  t.equal(e.series('afg_device_sample_rate_hz'), st.rateHz);
  t.ok(st.rateHz !== null && st.rateHz > 30 && st.rateHz < 90, `achieved rate ${st.rateHz} Hz of a 60 Hz emulator`);
  t.match(e.link, { rateHz: st.rateHz, quality: { droppedFrames: null, inputErrors: 1 } });
});

t.test('BLE: a standard strap and a Polar H10 through noble (fake HCI): validity of the heart-rate measurements, no rate that would be the heart rate, PMD stream rates and gaps, bad payloads', async (t) => {
  const bindings = new FakeHciBindings();
  bindings.add({ uuid: 'u-s', address: 'aa:bb:cc:dd:ee:01', localName: 'HRM-Pro:42', serviceUuids: ['180d'], mtu: 23, services: { '180d': [{ uuid: '2a37', properties: ['notify'] }] } });
  const h10 = new PolarH10Emulator();
  bindings.add(polarH10Peripheral(h10, { uuid: 'u-h', mtu: 232 }));
  const ble = new BleWearables({
    entries: [
      { device: { id: 'hrs-q', kind: 'hrs-strap', transport: { type: 'ble', name: 'HRM-Pro' }, silenceTimeoutMs: 5000, geometry: { type: 'device' } }, wearer: 'op-0004' },
      { device: { id: 'h10-q', kind: 'polar-h10', transport: { type: 'ble', name: 'Polar H10' }, silenceTimeoutMs: 5000, geometry: { type: 'device' } }, wearer: 'op-0005' },
    ],
    errors: new ErrorCounter(),
    sink: () => undefined,
    now,
    noble: nobleWithBindings(bindings),
  });
  const [strap, pol] = ble.devices as [typeof ble.devices[0], typeof ble.devices[0]];
  t.teardown(() => strap.stop());
  await strap.start();
  await waitFor('scan', () => bindings.scanning);
  bindings.advertise('u-s');
  bindings.advertise('u-h');
  await waitFor('both connected', () => strap.status(now()).state === 'connected' && pol.status(now()).state === 'connected');
  // the strap sends 4 measurements a second, every other one without skin contact; the H10 its
  // HR 4 times a second too, and ECG at 130 Hz in half-second frames, one of them lost on the air
  const t0 = now();
  let k = 0;
  let lastUs = 1e12;
  const ecgFrames: Uint8Array[] = [];
  const pump = setInterval(() => {
    k++;
    bindings.notifyValue('u-s', '180d', '2a37', encodeHeartRateMeasurement({ bpm: 72, contact: k % 2 === 0 ? 1 : 2, energyKj: null, rr1024: k % 2 === 0 ? [] : [850] }));
    bindings.notifyValue('u-h', '180d', '2a37', encodeHeartRateMeasurement({ bpm: 65, contact: 2, energyKj: null, rr1024: [] }));
    if (k % 2 === 0) {
      // 65 samples = half a second of ECG, one frame
      lastUs += 5e5;
      for (const f of h10.ecgFrames(lastUs, new Float64Array(65).fill(100), 65)) ecgFrames.push(f);
      const f = ecgFrames.shift()!;
      if (k !== 6) bindings.notifyValue('u-h', PMD_SERVICE_UUID, PMD_DATA_UUID, f);
    }
  }, 250);
  t.teardown(() => clearInterval(pump));
  await waitFor('3 s of data', () => now() - t0 > 3100, 6000);
  bindings.notifyValue('u-s', '180d', '2a37', Uint8Array.of(0x01)); // uint16 HR flag with no HR: garbled
  await waitFor('bad payload counted', () => strap.status(now()).quality?.inputErrors === 1);
  // the last whole second (the window rolls once a second): timer jitter may put 3-5 measurements in it
  const s = strap.status(now());
  const p = pol.status(now());
  clearInterval(pump);
  t.equal(s.rateHz, null, 'no device rate for a heart-rate strap: notifying once per beat, its rate would be the heart rate');
  t.ok(s.validity >= 0.3 && s.validity <= 0.7, `strap validity ${s.validity}: every other measurement without contact`);
  t.match(s.quality, { droppedFrames: null, crcErrors: null, inputErrors: 1 });
  t.same(s.quality!.streams, {}, 'no RR or notification rate per stream: RR intervals per second would be the heart rate');
  t.same(s.errors, { AFG_E_GATT_PAYLOAD: 1 });
  t.ok(p.quality!.streams!['ecg']!.rateHz > 60 && p.quality!.streams!['ecg']!.rateHz < 200, `H10 ECG achieved ${p.quality!.streams!['ecg']!.rateHz} Hz`);
  t.match(p.quality, { droppedFrames: 1, streams: { ecg: { nominalRateHz: 130 }, acc: { rateHz: 0, nominalRateHz: 200 } } }, 'a lost PMD frame; ACC started but silent shows 0, not absent');
  t.equal(p.rateHz, null, 'nor for the H10: its fixed-rate streams are ECG and ACC, above');
  t.equal(p.validity, 1, 'H10 validity: its heart-rate measurements (all with contact), not ECG + ACC mixed in');

  const e = await throughEndpoints(t, s);
  t.equal(e.series('afg_device_sample_rate_hz'), undefined, 'no rate series for a strap');
  t.equal(e.series('afg_device_validity_ratio'), s.validity);
  t.equal(e.series('afg_device_errors_total', 'device="hrs-q",code="AFG_E_GATT_PAYLOAD"'), 1);
  t.match(e.link, { kind: 'hrs-strap', rateHz: null, validity: s.validity, mtu: 23, quality: { inputErrors: 1 } });
  const ep = await throughEndpoints(t, p);
  t.equal(ep.series('afg_device_dropped_frames_total'), 1);
  t.equal(ep.series('afg_device_stream_rate_hz', 'device="h10-q",stream="ecg"'), p.quality!.streams!['ecg']!.rateHz);
  t.equal(ep.series('afg_device_stream_nominal_rate_hz', 'device="h10-q",stream="ecg"'), 130);
  t.notMatch(ep.metrics, /stream="(rr|hr)"/, 'no RR or heart-rate stream rate on /metrics');
  t.same(Object.keys(p.quality!.streams!).sort(), ['acc', 'ecg']);
  t.match(ep.link, { mtu: 232, quality: { droppedFrames: 1, streams: { ecg: { nominalRateHz: 130 } } } });
  t.match(ep.api, { quality: { streams: { ecg: { nominalRateHz: 130 } } } }, 'the dashboard API keeps the stream rates');
});
