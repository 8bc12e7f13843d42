import t from 'tap';
import { pino } from 'pino';
import { startGateway } from '../../gateway/app/gateway-app.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { freePort } from '../helpers/free-port.ts';

const SCENARIO = `
stations:
  - { id: st-a, name: "Press", x: 0, y: 0 }
wearers:
  - wearer: op-0c01
    role: operator
    station: st-a
    seed: 3
    segments:
      - { at: 2, duration: 300, state: sensor_loss, params: { sensors: gaze } }
  - { wearer: dr-0c02, role: driver, seed: 5, vehicle: { speedMps: 3 } }
`;

async function until(cond: () => Promise<boolean>, what: string, ms = 40_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** value of the first sample line matching `re` (name{labels} value), or null */
function sample(text: string, re: RegExp): number | null {
  for (const line of text.split('\n')) if (!line.startsWith('#') && re.test(line)) return Number(line.split(' ').at(-1));
  return null;
}

t.test('/metrics of the running gateway has every operations metric issue 9 names, with real values', async (t) => {
  const dir = t.testdir({ 'floor.yaml': SCENARIO });
  const config = validateConfig({
    site: 'm-plant',
    gateway: 'gw-m',
    dataDir: `${dir}/data`,
    mqtt: { embeddedPort: 0 },
    dashboard: { port: 0 },
    inference: { estimator: 'onnx' },
    simulation: { enabled: true, scenario: 'floor.yaml', seed: 1, gazeRateHz: 60 },
  });
  const gw = await startGateway({ config, baseDir: dir, version: 't', logger: pino({ level: 'silent' }) });
  t.teardown(() => gw.stop());
  const scrape = async () => (await fetch(`${gw.dashboardUrl}/metrics`)).text();
  // the model is asked once a wearer's window holds enough observed steps (the driver's, after some seconds)
  await until(async () => {
    const text = await scrape();
    return /afg_alerts_total\{kind="sensor_lost"/.test(text) && (sample(text, /^afg_inference_duration_seconds_count/) ?? 0) > 0;
  }, 'the sensor_lost alert and a model run on /metrics', 90_000);
  const m = await scrape();
  for (const family of ['afg_samples_in_total', 'afg_errors_total', 'afg_tick_duration_seconds', 'afg_inference_duration_seconds', 'afg_outbox_depth', 'afg_alerts_total', 'afg_messages_out_total', 'afg_execution_provider_info', 'afg_mqtt_connected', 'afg_wearers', 'afg_device_connected']) {
    t.match(m, new RegExp(`# TYPE ${family} `), `${family} is exposed`);
  }
  t.ok(sample(m, /^afg_samples_in_total\{device="et-0c01",kind="gaze"\}/)! > 0, 'samples in, per device and kind');
  t.ok(sample(m, /^afg_samples_in_total\{device="hrs-0c01",kind="hr"\}/)! > 0, 'heart-rate samples per device');
  t.ok(sample(m, /^afg_tick_duration_seconds_count/)! > 20, 'tick duration histogram');
  t.ok(sample(m, /^afg_inference_duration_seconds_count/)! > 0, 'inference latency histogram (onnx)');
  t.equal(sample(m, /^afg_outbox_depth /), 0, 'outbox depth (broker connected: empty)');
  t.ok(sample(m, /^afg_alerts_total\{kind="sensor_lost",level="1"\}/)! >= 1, 'alerts by kind and level');
  t.equal(sample(m, /^afg_execution_provider_info\{provider="cpu"/), 1, 'the provider in use');
  t.equal(sample(m, /^afg_mqtt_connected /), 1);
  t.equal(sample(m, /^afg_wearers\{state="sensor_lost"\}/), 1, 'wearers by state');
  t.equal(sample(m, /^afg_device_connected\{device="et-0c01"/), 1);
  t.notMatch(m, /bpm|rmssd|perclos|gaze_x/i, 'no biosignals or gaze on /metrics');
  const provider = (await (await fetch(`${gw.dashboardUrl}/api/gateway`)).json()) as { health: { executionProvider: string }; throughput: { samplesInPerS: number; ticksPerS: number } | null };
  t.equal(provider.health.executionProvider, 'cpu');
  await until(async () => ((await (await fetch(`${gw.dashboardUrl}/api/gateway`)).json()) as typeof provider).throughput !== null, 'a throughput reading');
  const tp = ((await (await fetch(`${gw.dashboardUrl}/api/gateway`)).json()) as typeof provider).throughput!;
  t.ok(tp.samplesInPerS > 30 && tp.ticksPerS > 5, `throughput ${JSON.stringify(tp)}`);
});

t.test('/health: 200 ready when all is well; 503 degraded with the reason when the broker is away', async (t) => {
  const dir = t.testdir({ 'floor.yaml': SCENARIO });
  const closedPort = await freePort();
  const config = validateConfig({
    site: 'h-plant',
    gateway: 'gw-h',
    dataDir: `${dir}/data`,
    mqtt: { url: `mqtt://127.0.0.1:${closedPort}` },
    dashboard: { port: 0 },
    simulation: { enabled: true, scenario: 'floor.yaml', seed: 1, gazeRateHz: 60 },
  });
  const gw = await startGateway({ config, baseDir: dir, version: 't', logger: pino({ level: 'silent' }) });
  t.teardown(() => gw.stop());
  let res!: Response;
  await until(async () => {
    res = await fetch(`${gw.dashboardUrl}/health`);
    return res.status === 503 && ((await res.clone().json()) as { status: string }).status === 'degraded';
  }, 'degraded health');
  const body = (await res.json()) as { status: string; reasons: string[]; mqtt: { connected: boolean } };
  t.equal(body.status, 'degraded');
  t.ok(body.reasons.some((r) => r.includes(`mqtt://127.0.0.1:${closedPort} not connected`)), `reason named: ${body.reasons.join('; ')}`);
  t.equal(body.mqtt.connected, false);
  t.equal(res.headers.get('content-type')?.startsWith('application/json'), true);
});
