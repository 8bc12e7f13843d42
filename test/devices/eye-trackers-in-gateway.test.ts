import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { GazepointEmulator } from '../../firmware-bridge/gazepoint/gazepoint-emulator.ts';
import { PupilCoreEmulator } from '../../firmware-bridge/pupil-core/pupil-core-emulator.ts';
import { startGateway } from '../../gateway/app/gateway-app.ts';
import { loadConfigFile } from '../../gateway/config/load-config.ts';
import type { DeviceStatus } from '../../gateway/core/event-bus.ts';
import type { FeatureFrame } from '../../gateway/core/types.ts';
import { featureIndex } from '../../gateway/features/feature-names.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, fatal: () => undefined };

t.test('a Gazepoint (real TCP) and a Pupil Core (real ZMQ) named in the config: gaze reaches the pipeline within seconds, in degrees', async (t) => {
  const gp = new GazepointEmulator({ rateHz: 60 });
  const gpPort = await gp.start();
  t.teardown(() => gp.stop());
  const pupil = new PupilCoreEmulator({ rateHz: 120, lowConfidenceEvery: 10 });
  const { remotePort } = await pupil.start();
  t.teardown(() => pupil.stop());

  const dir = t.testdir();
  // what a user writes: the tracker by kind, where to reach it, and its geometry
  await writeFile(
    `${dir}/floor.yaml`,
    [
      'site: et-plant',
      'gateway: gw-et',
      `dataDir: ${dir}/data`,
      'mqtt: { embeddedPort: 0 }',
      'dashboard: { enabled: false }',
      'wearers:',
      '  - id: op-7f3a',
      '    role: operator',
      '    devices:',
      '      - id: gp3-7f3a',
      '        kind: gazepoint-gp3',
      `        transport: { type: tcp, host: 127.0.0.1, port: ${gpPort} }`,
      '        geometry: { type: screen, widthMm: 531, heightMm: 299, distanceMm: 650 }',
      '  - id: dr-19c2',
      '    role: driver',
      '    devices:',
      '      - id: pupil-19c2',
      '        kind: pupil-core',
      `        transport: { type: zmq, port: ${remotePort} }`,
      '        geometry: { type: scene-camera, hFovDeg: 99, vFovDeg: 53 }',
    ].join('\n'),
  );
  const { config, baseDir } = await loadConfigFile(`${dir}/floor.yaml`);
  t.same(config.wearers[1]!.devices[0]!.transport, { type: 'zmq', host: '127.0.0.1', port: remotePort }, 'zmq host defaulted');

  const started = performance.now();
  const gw = await startGateway({ config, baseDir, version: 'test', logger: quietLog as never });
  t.teardown(() => gw.stop());
  const status = new Map<string, DeviceStatus>();
  const frames = new Map<string, FeatureFrame>();
  gw.bus.on('device', (d) => status.set(d.device, d));
  gw.bus.on('features', (f) => frames.set(f.wearer, f));
  t.same(gw.devices.map((d) => [d.id, d.kind, d.transport]).sort(), [['gp3-7f3a', 'gazepoint-gp3', 'tcp'], ['pupil-19c2', 'pupil-core', 'zmq']]);

  const VALID = featureIndex('gaze_valid_ratio');
  const DISPERSION = featureIndex('gaze_dispersion_deg');
  const flowing = (id: string) => status.get(id)?.state === 'connected' && (status.get(id)!.rateHz ?? 0) > 20;
  await waitFor('both trackers connected with a rate', () => flowing('gp3-7f3a') && flowing('pupil-19c2'));
  const tookS = (performance.now() - started) / 1000;
  t.ok(tookS < 10, `gaze flowing ${tookS.toFixed(1)} s after start`);
  await waitFor('features with valid gaze for both wearers', () => (frames.get('op-7f3a')?.values[VALID] ?? 0) > 0.8 && (frames.get('dr-19c2')?.values[VALID] ?? 0) > 0.5);
  // dispersion needs 5 s of valid gaze in its 10 s window
  await waitFor('gaze dispersion for both', () => [...frames.values()].filter((f) => Number.isFinite(f.values[DISPERSION]!)).length === 2, 15_000);

  const g = status.get('gp3-7f3a')!;
  const p = status.get('pupil-19c2')!;
  t.comment(`gazepoint ${g.rateHz} Hz validity ${g.validity}; pupil ${p.rateHz} Hz validity ${p.validity}`);
  t.ok(g.rateHz !== null && g.rateHz > 30 && g.rateHz < 75, `Gazepoint achieved rate ${g.rateHz} Hz near its 60 Hz`);
  t.ok(g.validity > 0.99, 'every emulated GP3 sample is valid');
  t.ok(p.validity > 0.8 && p.validity < 0.95, `Pupil validity ${p.validity}: every 10th sample below confidence 0.6`);
  t.equal(g.quality?.inputErrors, 0);
  t.equal(p.quality?.inputErrors, 0);
  t.equal(g.transport, 'tcp');
  t.equal(p.transport, 'zmq');

  // degrees, not screen fractions: the emulated gaze sweeps ±0.3 of a 531 mm screen at 650 mm (±13.8°)
  const gd = frames.get('op-7f3a')!.values[DISPERSION]!;
  const pd = frames.get('dr-19c2')!.values[DISPERSION]!;
  t.ok(gd > 1 && gd < 20, `Gazepoint dispersion ${gd.toFixed(2)}° is in degrees`);
  t.ok(pd > 1 && pd < 40, `Pupil dispersion ${pd.toFixed(2)}° is in degrees`);
  t.equal(gw.health().reasons.filter((r) => r.includes('devices not connected')).length, 0, '/health sees both devices connected');
});

t.test('a configured tracker that is not there: the gateway starts, reports it, and keeps retrying', async (t) => {
  const dir = t.testdir();
  const gp = new GazepointEmulator({ rateHz: 60 });
  const port = await gp.start();
  await gp.stop(); // a port that nobody listens on now
  t.teardown(() => gp.stop());
  await writeFile(
    `${dir}/floor.yaml`,
    [
      `dataDir: ${dir}/data`,
      'mqtt: { embeddedPort: 0 }',
      'dashboard: { enabled: false }',
      'wearers:',
      '  - { id: op-7f3a, role: operator, devices: [{ id: gp3-1, kind: gazepoint-gp3, transport: { type: tcp, port: ' + port + ' }, geometry: { type: norm }, silenceTimeoutMs: 500 }] }',
    ].join('\n'),
  );
  const { config, baseDir } = await loadConfigFile(`${dir}/floor.yaml`);
  const gw = await startGateway({ config, baseDir, version: 'test', logger: quietLog as never });
  t.teardown(() => gw.stop());
  await waitFor('sensor_lost reported', () => gw.devices[0]!.status(1e9).state === 'sensor_lost');
  t.match(gw.health().reasons.join('\n'), /devices not connected: gp3-1/);
  t.ok(gw.errors.get('AFG_E_DEVICE_IO') >= 1, 'the outage is counted');
  // the tracker comes up later: gaze flows without a restart
  await gp.start();
  await waitFor('connected after the server appears', () => gw.devices[0]!.status(performance.now()).state === 'connected', 15_000);
});
