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
import type { SampleBatch } from '../../gateway/core/types.ts';
import { GazepointEyeTrackerDevice } from '../../gateway/devices/gazepoint-eye-tracker-device.ts';
import { PupilCoreEyeTrackerDevice } from '../../gateway/devices/pupil-core-eye-tracker-device.ts';
import { SerialEyeTrackerDevice } from '../../gateway/devices/serial-eye-tracker-device.ts';
import { requireBinary } from '../helpers/system-binary.ts';
import { PtyPair } from '../firmware-bridge/serial/pty-pair.fixture.ts';

/**
 * Issue 3: "clock sync ... tested with an emulator whose clock drifts 100 ppm with jitter:
 * residual error < 1 ms after 10 s" — here over the real links, in real time, all three at
 * once: the serial emulator over a socat PTY pair (TIME_SYNC exchanges + arrivals, writes held
 * back 0..4 ms with 5% outliers of 20..50 ms), a Gazepoint over TCP (arrivals only: the Open Gaze
 * API has no time exchange; 20% of send ticks held back) and a Pupil Core over ZMQ (`t` round
 * trips with 0..2 ms processing jitter either side of the clock read). Each device clock runs
 * 100 ppm fast against performance.now; the truth is the emulator's own clock model.
 */
const skip = requireBinary('socat');
const PPM = 100;
const RUN_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const device = (id: string, transport: DeviceConfig['transport'], geometry: DeviceConfig['geometry'] = { type: 'norm' }): DeviceConfig => ({ id, kind: transport.type === 'serial' ? 'serial-eye-tracker' : transport.type === 'tcp' ? 'gazepoint-gp3' : 'pupil-core', transport, silenceTimeoutMs: 2000, geometry });

interface Runtime {
  toGatewayMs(deviceUs: number): number;
}

/** Worst |mapped − true| gateway ms over the last second, and the drift the mapping implies. */
function residual(rt: Runtime, devUsAt: (gwMs: number) => number, nowMs: number): { worstMs: number; driftPpm: number } {
  let worst = 0;
  for (let g = nowMs - 1000; g <= nowMs; g += 10) worst = Math.max(worst, Math.abs(rt.toGatewayMs(devUsAt(g)) - g));
  // the fitted rate: gateway ms per device µs over the last 5 s (1e-3 for a perfect clock)
  const d0 = devUsAt(nowMs - 5000);
  const d1 = devUsAt(nowMs);
  const msPerUs = (rt.toGatewayMs(d1) - rt.toGatewayMs(d0)) / (d1 - d0);
  return { worstMs: worst, driftPpm: (1e-3 / msPerUs - 1) * 1e6 };
}

t.test('three real links, device clocks 100 ppm fast with jitter: residual < 1 ms after 10 s', { skip }, async (t) => {
  const T0 = performance.now();
  const gwNow = () => performance.now() - T0;
  const errors = new ErrorCounter();
  const got = new Map<string, number>();
  const sink = (_w: string, b: SampleBatch) => got.set(b.device, (got.get(b.device) ?? 0) + b.n);

  // serial: emulator on the device end of a fresh PTY pair
  const dir = mkdtempSync(join(tmpdir(), 'afg-clock-'));
  const pty = new PtyPair(dir);
  await pty.plug();
  t.teardown(async () => {
    await pty.unplug();
    rmSync(dir, { recursive: true, force: true });
  });
  const bootUs = 7_654_321_000;
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'ET-DRIFT', driftPpm: PPM, bootOffsetUs: bootUs, sampleRateHz: 120 });
  const serial = new SerialEyeTrackerDevice({ device: device('et-drift', { type: 'serial', path: pty.gw, baudRate: 921600 }, { type: 'device' }), wearer: 'op-0001', errors, sink, now: gwNow });
  await serial.start();
  t.teardown(() => serial.stop());
  const port = await openEmulatorPort(pty.dev);
  port.on('error', () => undefined);
  t.teardown(() => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())));
  const attachment = emu.attach(port, () => gwNow() * 1000); // sim µs = gateway µs; TIME_SYNC answered at arrival
  t.teardown(() => attachment.detach());
  const serialTruth = (g: number) => emu.deviceTimeUs(g * 1000);
  const rnd = prng(11);
  let k = 0;
  let sendAt = 0;
  const producer = setInterval(() => {
    const now = gwNow();
    const n = Math.floor((now * 120) / 1000) - k;
    if (n <= 0) return;
    const c: GazeColumns = { n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n).fill(3.5), openness: new Float32Array(n).fill(0.9), valid: new Uint8Array(n).fill(1) };
    for (let i = 0; i < n; i++) c.t[i] = ((k + i) * 1e6) / 120;
    k += n;
    const bytes = emu.gaze(c);
    // transport jitter, order kept: held back 0..4 ms, 5% of batches 20..50 ms
    const hold = rnd() < 0.05 ? 20 + 30 * rnd() : 4 * rnd();
    sendAt = Math.max(sendAt, now + hold);
    setTimeout(() => void attachment.write(bytes).catch(() => undefined), sendAt - now);
  }, 8);
  t.teardown(() => clearInterval(producer));

  // Gazepoint: arrivals only
  const gp = new GazepointEmulator({ rateHz: 150, driftPpm: PPM, tickMs: 3, holdProbability: 0.2, seed: 7 });
  const gpPort = await gp.start();
  t.teardown(() => gp.stop());
  const gazepoint = new GazepointEyeTrackerDevice({ device: device('gp-drift', { type: 'tcp', host: '127.0.0.1', port: gpPort }), wearer: 'op-0002', errors, sink, now: gwNow });
  await gazepoint.start();
  t.teardown(() => gazepoint.stop());
  const gpTruth = (g: number) => gp.deviceTimeSec(g + T0) * 1e6;

  // Pupil Core: `t` exchanges; the emulator's clock runs 100 ppm fast
  const pupil = new PupilCoreEmulator({ rateHz: 120, now: () => performance.now() * (1 + PPM * 1e-6), replyJitterMs: 2, seed: 3, pupilTimeBaseS: 5000 });
  const { remotePort } = await pupil.start();
  t.teardown(() => pupil.stop());
  const perfA = performance.now();
  const p0 = pupil.pupilTime();
  const perf0 = (perfA + performance.now()) / 2;
  const pupilTruth = (g: number) => (p0 + ((g + T0 - perf0) * (1 + PPM * 1e-6)) / 1000) * 1e6;
  const pupilRt = new PupilCoreEyeTrackerDevice({ device: device('pc-drift', { type: 'zmq', host: '127.0.0.1', port: remotePort }), wearer: 'op-0003', errors, sink, now: gwNow });
  await pupilRt.start();
  t.teardown(() => pupilRt.stop());

  await waitFor('all three delivering', () => ['et-drift', 'gp-drift', 'pc-drift'].every((id) => (got.get(id) ?? 0) > 0));
  const from = gwNow();
  while (gwNow() - from < RUN_MS) await sleep(50);
  const now = gwNow();
  t.ok(now - from >= RUN_MS, `ran ${((now - from) / 1000).toFixed(1)} s of real time`);
  for (const [name, rt, truth] of [
    ['serial over a PTY', serial, serialTruth],
    ['Gazepoint over TCP', gazepoint, gpTruth],
    ['Pupil Core over ZMQ', pupilRt, pupilTruth],
  ] as const) {
    const r = residual(rt, truth, now);
    // 10 s of ms-jittered data pins the rate to some tens of ppm only; the mapping error is what counts
    t.comment(`${name}: residual ${r.worstMs.toFixed(3)} ms, drift estimate ${r.driftPpm.toFixed(1)} ppm (true ${PPM})`);
    t.ok(r.worstMs < 1, `${name}: residual ${r.worstMs.toFixed(3)} ms < 1 ms`);
  }
  t.comment(`samples: ${JSON.stringify(Object.fromEntries(got))}`);
  t.equal(serial.status(now).quality?.inputErrors, 0, 'no bad frames over the PTY');
});
