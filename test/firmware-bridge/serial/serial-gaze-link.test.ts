import t from 'tap';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { requireBinary } from '../../helpers/system-binary.ts';
import { PtyPair } from './pty-pair.fixture.ts';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { SerialGazeLink, type SerialGazeLinkOptions } from '../../../firmware-bridge/serial/serial-gaze-link.ts';
import { FrameDecoder, type DecodedMessage } from '../../../firmware-bridge/serial/frame-decoder.ts';
import { SerialEyeTrackerEmulator, openEmulatorPort, pipeTo } from '../../../firmware-bridge/emulators/serial-eye-tracker-emulator.ts';
import type { GazeColumns } from '../../../firmware-bridge/serial/protocol.ts';

const skip = requireBinary('socat');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function openDevicePort(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  port.on('error', () => {}); // the PTY vanishes on unplug: expected
  return port;
}

async function closePort(port: SerialPort): Promise<void> {
  if (port.isOpen) await new Promise<void>((r) => port.close(() => r()));
}

function cols(n: number, t0Us: number, rateHz = 120): GazeColumns {
  const c: GazeColumns = { n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n), openness: new Float32Array(n), valid: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    c.t[i] = t0Us + (i * 1e6) / rateHz;
    c.x[i] = Math.sin(i / 10) * 5;
    c.y[i] = Math.cos(i / 10) * 3;
    c.pupil[i] = 3.5;
    c.openness[i] = 0.8;
    c.valid[i] = i % 10 === 9 ? 0 : 1;
  }
  return c;
}

/**
 * Per-test rig: a fresh PTY pair, a link on one end, the device port on the other; torn down after.
 * The silence watchdog defaults to a minute: only the unplug test is about silence and sets its own
 * 400 ms. A short default made the zero-error tests depend on machine speed (CI, byte by byte over
 * the PTY, took ~1 s to finish the first frame and counted AFG_E_SENSOR_LOST).
 */
async function rig(t: { teardown(fn: () => Promise<void>): void }, extra: Partial<SerialGazeLinkOptions> = {}, viaPts = false) {
  const dir = mkdtempSync(join(tmpdir(), 'afg-pty-'));
  const pty = new PtyPair(dir);
  await pty.plug();
  const errors = new ErrorCounter();
  const messages: DecodedMessage[] = [];
  const lost: number[] = [];
  const link = new SerialGazeLink({
    device: 'et-pty',
    path: viaPts ? pty.gwPts : pty.gw,
    errors,
    sensorLostAfterMs: 60_000,
    backoff: { initialMs: 50, maxMs: 400 },
    onMessage: (m) => messages.push(m),
    onSensorLost: (e) => lost.push(e.silentForMs),
    ...extra,
  });
  link.start();
  await waitFor('link open', () => link.status().portOpen);
  let device = await openDevicePort(viaPts ? pty.devPts : pty.dev);
  t.teardown(async () => {
    await link.close();
    await closePort(device);
    await pty.unplug();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    pty, errors, messages, lost, link,
    get device() { return device; },
    async reopenDevice() { device = await openDevicePort(pty.dev); },
  };
}

const gazeSamples = (ms: DecodedMessage[]) => ms.reduce((s, m) => s + (m.type === 'gaze' ? m.batch.n : 0), 0);

t.test('normal flow: emulator -> PTY -> link delivers hello, gaze in device time, heartbeat', { skip }, async (t) => {
  const r = await rig(t);
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-PTY-1', units: 'deg', bootOffsetUs: 7_000_000, driftPpm: 100 });
  const c = cols(240, 0);
  await pipeTo(r.device, emu.hello());
  await pipeTo(r.device, emu.gaze(c));
  await pipeTo(r.device, emu.heartbeat(64, 2_000_000));
  await waitFor('heartbeat', () => r.messages.some((m) => m.type === 'heartbeat'));
  t.equal(r.messages[0]?.type, 'hello');
  t.equal(gazeSamples(r.messages), 240);
  const g = r.messages.find((m) => m.type === 'gaze');
  t.ok(g && g.type === 'gaze');
  if (g?.type === 'gaze') {
    t.equal(g.batch.clock, 'device');
    t.equal(g.batch.t[0], 7_000_000, 'first sample stamped by the device clock (boot offset)');
    t.equal(g.batch.t[1], Math.round(7_000_000 + (1e6 / 120) * (1 + 100e-6)), 'drift applied');
    t.equal(g.batch.valid[9], 0);
  }
  const st = r.link.status();
  t.equal(st.state, 'connected');
  t.equal(st.battery, 64);
  t.equal(st.hello?.deviceId, 'ET-PTY-1');
  t.equal(r.errors.total(), 0);
});

t.test('byte-by-byte delivery decodes the same messages', { skip }, async (t) => {
  const r = await rig(t);
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-BYTE' });
  const bytes = Buffer.concat([emu.hello(), emu.gaze(cols(20, 0)), emu.heartbeat(null)]);
  await pipeTo(r.device, bytes, { chunkSize: 1 });
  await waitFor('heartbeat', () => r.messages.some((m) => m.type === 'heartbeat'));
  t.same(r.messages.map((m) => m.type), ['hello', 'gaze', 'heartbeat']);
  t.equal(gazeSamples(r.messages), 20);
  t.same(r.errors.snapshot(), {}, 'no error of any kind');
  t.equal(r.link.status().bytes, bytes.length);
});

t.test('garbage injection: counted, the link resyncs and keeps flowing', { skip }, async (t) => {
  const r = await rig(t);
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-NOISE' });
  let s = 12345;
  const noise = Buffer.from(Array.from({ length: 4000 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
  await pipeTo(r.device, emu.hello());
  await pipeTo(r.device, noise);
  const after = cols(96, 1_000_000);
  await pipeTo(r.device, emu.gaze(after)); // 2 frames; the first may be glued to the noise
  // noise glued to the front of a frame costs that frame only; the next one decodes
  await pipeTo(r.device, Buffer.concat([Buffer.from([0xde, 0xad, 0, 0xbe, 0xef]), emu.heartbeat(80), emu.heartbeat(81)]));
  await waitFor('heartbeat after noise', () => r.messages.some((m) => m.type === 'heartbeat'));
  t.ok(r.errors.total() >= 2, `noise counted (${JSON.stringify(r.errors.snapshot())})`);
  t.ok(gazeSamples(r.messages) >= 48, 'at most one frame after the noise lost');
  t.same(r.messages.filter((m) => m.type === 'heartbeat').map((m) => m.type === 'heartbeat' && m.battery), [81]);
  t.equal(r.link.status().state, 'connected');
});

t.test('unplug (kill socat) then replug: sensor_lost during the silence, reconnect with backoff', { skip }, async (t) => {
  const r = await rig(t, { sensorLostAfterMs: 400 });
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-PLUG' });
  await pipeTo(r.device, emu.hello());
  await waitFor('hello', () => r.messages.length === 1);
  await closePort(r.device);
  await r.pty.unplug();
  await waitFor('port closed', () => !r.link.status().portOpen);
  await waitFor('sensor_lost', () => r.lost.length === 1);
  t.ok(r.lost[0]! >= 400, 'fired after the configured silence');
  t.equal(r.link.status().state, 'sensor_lost');
  await waitFor('several failed retries', () => r.link.status().attempt >= 3);
  t.ok(r.errors.get('AFG_E_DEVICE_IO') >= 1, 'the outage is counted');
  t.equal(r.errors.get('AFG_E_SENSOR_LOST'), 1);
  await r.pty.plug();
  await waitFor('reconnected', () => r.link.status().portOpen, 3000);
  await r.reopenDevice();
  await pipeTo(r.device, Buffer.concat([emu.hello(), emu.gaze(cols(10, 5_000_000))]));
  await waitFor('gaze after replug', () => gazeSamples(r.messages) === 10);
  const st = r.link.status();
  t.equal(st.state, 'connected', 'a valid frame clears sensor_lost');
  t.equal(st.reconnects, 1);
  t.equal(st.attempt, 0, 'backoff reset after a successful open');
  t.equal(r.lost.length, 1, 'one sensor_lost per silence episode');
});

t.test('a device with a wrong protocol version is refused, counted and told with an ERROR frame', { skip }, async (t) => {
  const r = await rig(t);
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-V2', protocolVersion: 2 });
  const fromGateway: DecodedMessage[] = [];
  const devErrors = new ErrorCounter();
  const devDecoder = new FrameDecoder({ device: 'dev-side', errors: devErrors, onMessage: (m) => fromGateway.push(m) });
  r.device.on('data', (c: Buffer) => devDecoder.push(c));
  await pipeTo(r.device, Buffer.concat([emu.hello(), emu.gaze(cols(50, 0)), emu.heartbeat(50)]));
  await waitFor('refusals counted', () => r.errors.get('AFG_E_PROTOCOL_VERSION') === 4); // hello + 2 gaze + heartbeat
  await waitFor('ERROR frame at the device', () => fromGateway.length > 0);
  t.equal(r.messages.length, 0, 'no data from the refused device');
  const e = fromGateway[0]!;
  t.equal(e.type, 'error');
  if (e.type === 'error') {
    t.equal(e.code, 1, 'protocol version not supported');
    t.equal(e.arg, 1, 'highest version the gateway supports');
  }
  t.equal(fromGateway.length, 1, 'ERROR is rate limited, not one per refused frame');
  const st = r.link.status();
  t.equal(st.state, 'error');
  t.equal(st.refusedVersion, 2);
});

t.test('time sync over the PTY: request from the link, answer from the emulator', { skip }, async (t) => {
  const r = await rig(t);
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-SYNC', bootOffsetUs: 1_000_000 });
  r.device.on('data', (c: Buffer) => {
    const answer = emu.answerTimeSync(c, 250_000);
    if (answer.length > 0) r.device.write(Buffer.from(answer));
  });
  t.ok(r.link.requestTimeSync(42_000));
  await waitFor('time sync response', () => r.messages.some((m) => m.type === 'time_sync_response'));
  const m = r.messages.find((x) => x.type === 'time_sync_response');
  t.same(m && m.type === 'time_sync_response' ? [m.t1Us, m.t2Us, m.t3Us] : null, [42_000, 1_250_000, 1_250_050]);
});

t.test('socat stderr names the two /dev/pts paths; an attached emulator on the raw pts path answers time sync by itself', { skip }, async (t) => {
  const r = await rig(t, {}, true);
  t.match(r.pty.gwPts, /^\/dev\/pts\/\d+$/);
  t.not(r.pty.gwPts, r.pty.devPts);
  t.equal(realpathSync(r.pty.gw), r.pty.gwPts, 'the link= symlink points at the reported pts');
  await closePort(r.device); // the attached emulator opens the device end itself
  const port = await openEmulatorPort(r.pty.devPts);
  port.on('error', () => {});
  t.teardown(() => closePort(port));
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-ATTACH', bootOffsetUs: 3_000_000, turnaroundUs: 20 });
  const fromGateway: DecodedMessage[] = [];
  const att = emu.attach(port, () => 500_000, (m) => fromGateway.push(m));
  t.teardown(() => att.detach());
  await waitFor('hello from attach', () => r.messages.some((m) => m.type === 'hello'));
  t.ok(r.link.requestTimeSync(9_000));
  await waitFor('automatic time sync response', () => r.messages.some((m) => m.type === 'time_sync_response'));
  const m = r.messages.find((x) => x.type === 'time_sync_response');
  t.same(m && m.type === 'time_sync_response' ? [m.t1Us, m.t2Us, m.t3Us] : null, [9_000, 3_500_000, 3_500_020]);
  await att.write(emu.gaze(cols(30, 600_000)), { chunkSize: 7 });
  await waitFor('gaze via attachment', () => gazeSamples(r.messages) === 30);
  t.equal(r.errors.total(), 0);
  t.equal(emu.receiveErrors().total(), 0, 'the request frame reached the device intact');
  t.equal(fromGateway.length, 0, 'nothing but the request came from the gateway');
});

t.test('open by USB vendor/product id via the port list', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'afg-pty-'));
  const pty = new PtyPair(dir);
  await pty.plug();
  const errors = new ErrorCounter();
  const link = new SerialGazeLink({
    device: 'et-usb',
    vendorId: '0x2E8A',
    productId: '000a',
    errors,
    onMessage: () => {},
    listPorts: async () => [{ path: '/dev/ttyS0' }, { path: pty.gw, vendorId: '2e8a', productId: '000A' }],
  });
  t.teardown(async () => {
    await link.close();
    await pty.unplug();
    rmSync(dir, { recursive: true, force: true });
  });
  link.start();
  await waitFor('open by id', () => link.status().portOpen);
  t.equal(link.status().path, pty.gw);
});

t.test('reconnect delays grow exponentially from initialMs and stop at maxMs', async (t) => {
  const errors = new ErrorCounter();
  const calls: Array<{ at: number; delay: number | null }> = [];
  let link: SerialGazeLink | null = null;
  link = new SerialGazeLink({
    device: 'et-absent',
    vendorId: 'dead',
    productId: 'beef',
    errors,
    backoff: { initialMs: 40, maxMs: 160 },
    onMessage: () => {},
    listPorts: async () => {
      calls.push({ at: performance.now(), delay: link!.status().retryDelayMs });
      return []; // the device is not plugged in
    },
  });
  t.teardown(() => link!.close());
  link.start();
  await waitFor('six open attempts', () => calls.length >= 6);
  await link.close();
  t.same(calls.slice(0, 6).map((c) => c.delay), [null, 40, 80, 160, 160, 160]);
  for (let i = 1; i < 6; i++) {
    // timers never fire early: each gap is at least the scheduled delay (minus timer granularity)
    t.ok(calls[i]!.at - calls[i - 1]!.at >= calls[i]!.delay! - 2, `gap ${i} >= ${calls[i]!.delay} ms`);
  }
  t.equal(errors.get('AFG_E_DEVICE_IO'), 1, 'one outage counted once, not per retry');
  t.match(link.status().lastError ?? '', /dead:beef/);
});

t.test('constructor validates its options', async (t) => {
  const errors = new ErrorCounter();
  t.throws(() => new SerialGazeLink({ device: 'x', errors, onMessage: () => {} }), /path, or vendorId/);
  t.throws(() => new SerialGazeLink({ device: 'x', path: '/dev/null', errors, onMessage: () => {}, backoff: { initialMs: 100, maxMs: 10 } }));
});
