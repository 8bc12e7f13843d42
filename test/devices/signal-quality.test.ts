import t from 'tap';
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
});
