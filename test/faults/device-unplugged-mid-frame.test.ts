import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SerialEyeTrackerEmulator } from '../../firmware-bridge/emulators/serial-eye-tracker-emulator.ts';
import { PtyPair } from '../firmware-bridge/serial/pty-pair.fixture.ts';
import { metricValue, spawnGateway, waitFor, writeConfig } from '../helpers/gateway-process.ts';
import { PlayingSerialDevice } from '../helpers/playing-serial-device.ts';
import { requireBinary } from '../helpers/system-binary.ts';

// Issue 10 §4 "a device unplugged mid-frame", at the gateway level: `afg start` reads a serial
// eye tracker on one end of a socat PTY pair; the emulator on the other end sends half a gaze
// frame and socat is killed (the cable pulled). The partial frame must be counted
// (AFG_E_FRAME_TRUNCATED) and none of its samples may reach the pipeline; the device goes
// sensor_lost; after the replug the link reconnects by itself and every sample flows again,
// with no frame lost to bytes glued across the unplug (no CRC/COBS error).
const skip = requireBinary('socat');
const DEVICE = 'et-7f3a';

t.test('serial eye tracker unplugged mid-frame: the partial frame is counted, not decoded; reconnect and data flows again', { skip }, async (t) => {
  const dir = t.testdir();
  const pty = new PtyPair(mkdtempSync(path.join(tmpdir(), 'afg-pty-')));
  await pty.plug();
  t.teardown(() => pty.unplug());
  const gw = spawnGateway({
    config: writeConfig(path.join(dir, 'plant.json'), {
      site: 'plant-1',
      gateway: 'gw-a',
      dataDir: path.join(dir, 'data'),
      dashboard: { port: 0 },
      mqtt: { embeddedPort: 0 },
      wearers: [{ id: 'op-7f3a', role: 'operator', devices: [{ id: DEVICE, kind: 'serial-eye-tracker', transport: { type: 'serial', path: pty.gw }, geometry: { type: 'device' }, silenceTimeoutMs: 1000 }] }],
    }),
  });
  t.teardown(() => void gw.kill());
  await gw.dashboardUrl;
  const metric = async (name: string, labels = '') => metricValue(await gw.metrics(), name, labels);
  const gazeIn = () => metric('afg_samples_in_total', `device="${DEVICE}",kind="gaze"`);
  const errorsOf = async (code: string) => {
    const v = await metric('afg_errors_total', `code="${code}"`);
    return Number.isNaN(v) ? 0 : v;
  };
  const linkState = async () => ((await gw.health())?.deviceLinks as { device: string; state: string }[] | undefined)?.find((d) => d.device === DEVICE)?.state;

  const dev = new PlayingSerialDevice(new SerialEyeTrackerEmulator({ deviceId: 'ET-7F3A', sampleRateHz: 120 }), performance.now());
  t.teardown(() => dev.unplugged());
  await dev.plugIn(pty.dev);
  dev.play();
  t.ok(await waitFor(async () => (await gazeIn()) >= 240, 30_000), 'gaze flows before the unplug');
  t.ok(await waitFor(async () => (await linkState()) === 'connected', 10_000), 'the link is connected');

  // the cable is pulled in the middle of a frame
  dev.pause();
  await new Promise((r) => setTimeout(r, 300)); // every whole frame so far has arrived
  const whole = dev.sent;
  t.ok(await waitFor(async () => (await gazeIn()) === whole, 10_000), `every sample of the whole frames reached the pipeline (${whole})`);
  const cut = await dev.partialFrame(0.5);
  await new Promise((r) => setTimeout(r, 200)); // the half frame is in the gateway's decoder
  await dev.unplugged();
  await pty.unplug();
  t.ok(await waitFor(async () => (await errorsOf('AFG_E_FRAME_TRUNCATED')) === 1, 10_000), `the partial frame (${cut} bytes) is counted as AFG_E_FRAME_TRUNCATED when the port goes`);
  t.ok(await waitFor(async () => (await linkState()) === 'sensor_lost', 10_000), 'the device is reported sensor_lost after its 1 s of silence');
  t.equal(await gazeIn(), whole, 'none of the partial frame\'s samples reached the pipeline');

  // replug: the link finds the port again by itself (backoff), the device starts over with HELLO
  await pty.plug();
  await dev.plugIn(pty.dev);
  await new Promise((r) => setTimeout(r, 1500)); // let the link's backoff retry open the new PTY
  dev.play();
  t.ok(await waitFor(async () => (await linkState()) === 'connected', 20_000), 'reconnected, and a valid frame clears sensor_lost');
  t.ok(await waitFor(async () => (await gazeIn()) >= whole + 240, 20_000), 'gaze flows again');
  dev.pause();
  await new Promise((r) => setTimeout(r, 300));
  const after = dev.sent;
  // the frames the device wrote before the gateway's port was open are lost in the PTY, not in the gateway
  t.ok(await waitFor(async () => (await gazeIn()) > after - 24 && (await gazeIn()) <= after, 10_000), `after the replug, at most the samples written before the port was open are missing (${await gazeIn()} of ${after} in)`);
  t.equal(await errorsOf('AFG_E_FRAME_TRUNCATED'), 1, 'one truncated frame in all: nothing of it was glued to the next frame');
  t.equal(await errorsOf('AFG_E_FRAME_CRC'), 0, 'no CRC failure');
  t.equal(await errorsOf('AFG_E_FRAME_COBS'), 0, 'no COBS failure');
  t.ok((await errorsOf('AFG_E_DEVICE_IO')) >= 1, 'the outage itself is counted');
  t.equal(await gw.stop(), 0, 'clean stop');
});
