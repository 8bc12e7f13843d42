import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { spawnGateway, waitFor, writeConfig } from '../helpers/gateway-process.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { SparkplugHost } from '../helpers/sparkplug-host.ts';
import { requireBinary } from '../helpers/system-binary.ts';
import { tokenSha256 } from '../../gateway/outputs/command-actors.ts';

const skip = requireBinary('mosquitto');
const ALERT_STORM = fileURLToPath(new URL('./fixtures/alert-storm.yaml', import.meta.url));
const BRIDGE = readFileSync(fileURLToPath(new URL('../../examples/mosquitto/line-bridge.conf', import.meta.url)), 'utf8');
const BASE = 'afg/v1/plant-1/gw-a';

/** The bridge section of docs/deployment-mqtt.md as it stands, pointed at `port` and without TLS. */
function bridgeTo(port: number): string[] {
  return BRIDGE.split('\n')
    .filter((l) => !/^bridge_(ca|cert|key)file /.test(l))
    .map((l) => (l.startsWith('address ') ? `address 127.0.0.1:${port}` : l));
}

type Msg = { topic: string; payload: Buffer; qos: number; retain: boolean };

t.test('a gateway on a line broker bridged to the central one with the documented bridge lines', { skip }, async (t) => {
  const central = await startMosquitto();
  t.teardown(() => central.stop());
  const line = await startMosquitto({ extraConfig: bridgeTo(central.port) });
  t.teardown(() => line.stop());

  // the line system and the SCADA host are on the central broker only
  const got: Msg[] = [];
  const mes = mqtt.connect(central.url, { clientId: 'mes-central', protocolVersion: 5 });
  t.teardown(() => void mes.end(true));
  mes.on('message', (topic, payload, pkt) => got.push({ topic, payload, qos: pkt.qos, retain: pkt.retain }));
  await new Promise<void>((r) => mes.once('connect', () => mes.subscribe(['afg/v1/plant-1/#', '$SYS/broker/connection/+/state'], { qos: 1 }, () => r())));
  const bridgeState = () => got.filter((m) => m.topic === '$SYS/broker/connection/line-7-bridge/state').map((m) => m.payload.toString()).at(-1);
  t.ok(await waitFor(() => bridgeState() === '1', 20_000), 'the bridge is up (its notification on the central broker)');
  const host = await SparkplugHost.connect(central.url, 'plant-1');
  t.teardown(() => host.close());

  const dir = t.testdir();
  const gw = spawnGateway({
    config: writeConfig(`${dir}/plant.json`, {
      site: 'plant-1',
      gateway: 'gw-a',
      dataDir: `${dir}/data`,
      dashboard: { port: 0 },
      mqtt: { url: line.url, commands: { actors: [{ id: 'sup-7a', role: 'supervisor', tokenSha256: tokenSha256('sup-7a-token') }] } },
      sparkplug: { enabled: true, publishPeriodMs: 500 },
      simulation: { enabled: true, scenario: ALERT_STORM, gazeRateHz: 30 },
    }),
  });
  t.teardown(() => void gw.kill());
  await gw.dashboardUrl;

  const on = (suffix: string) => got.filter((m) => m.topic === `${BASE}/${suffix}`);
  t.ok(await waitFor(() => on('alerts').length >= 3, 60_000), 'alerts cross the bridge');
  t.ok(on('alerts').every((m) => m.qos === 1), 'at QoS 1 (the bridge topic says 1; its default is 0)');
  t.equal(JSON.parse(on('status').at(-1)!.payload.toString()).state, 'online', 'status online on the central broker');
  t.ok(got.some((m) => m.topic.startsWith(`${BASE}/wearers/`)), 'attention telemetry too');

  // a late central subscriber gets the retained status through the bridge
  const late: Msg[] = [];
  const lateClient = mqtt.connect(central.url, { clientId: 'late-central' });
  t.teardown(() => void lateClient.end(true));
  lateClient.on('message', (topic, payload, pkt) => late.push({ topic, payload, qos: pkt.qos, retain: pkt.retain }));
  await new Promise<void>((r) => lateClient.once('connect', () => lateClient.subscribe(`${BASE}/status`, { qos: 1 }, () => r())));
  t.ok(await waitFor(() => late.length > 0, 10_000) && late[0]!.retain, 'retained on the central broker');

  // a command from the centre reaches the gateway and its reply comes back, once each
  const cmd = JSON.stringify({ actor: 'sup-7a', token: 'sup-7a-token', correlationId: 'via-bridge-1', name: 'operator.fatigueEnterS', value: 30 });
  await new Promise<void>((r) => mes.publish(`${BASE}/cmd/threshold.set`, cmd, { qos: 1 }, () => r()));
  const replies = () => on('replies').map((m) => JSON.parse(m.payload.toString()) as { correlationId: string; ok: boolean });
  t.ok(await waitFor(() => replies().some((r) => r.correlationId === 'via-bridge-1'), 30_000), 'the reply crosses back');
  t.match(replies().find((r) => r.correlationId === 'via-bridge-1'), { ok: true });
  await new Promise((r) => setTimeout(r, 500));
  t.equal(on('cmd/threshold.set').length, 1, 'the command is not echoed back out by the bridge');
  t.equal(replies().filter((r) => r.correlationId === 'via-bridge-1').length, 1, 'one reply');

  // Sparkplug over the bridge: births at QoS 0 as published, a rebirth request from the centre works
  t.ok(await waitFor(() => host.of('NBIRTH').length === 1 && host.of('DBIRTH').length === 3, 30_000), 'NBIRTH and DBIRTHs on the central broker');
  await host.requestRebirth('gw-a');
  t.ok(await waitFor(() => host.of('NBIRTH').length === 2, 30_000), 'NCMD Rebirth from the centre reaches the edge node');
  t.same(host.violations, [], 'every Sparkplug rule the host checks held across the bridge');

  // the line broker dies: the centre learns it from the bridge state; the gateway's retained
  // status there still says online, since the gateway never lost its own broker's connection
  const alertsBefore = on('alerts').length;
  await line.kill();
  t.ok(await waitFor(() => bridgeState() === '0', 30_000), 'bridge state 0 on the central broker');
  t.equal(JSON.parse(on('status').at(-1)!.payload.toString()).state, 'online', "no Will of the gateway reached the centre: watch the bridge state too");
  await line.start();
  t.ok(await waitFor(() => bridgeState() === '1', 30_000), 'the bridge comes back');
  t.ok(await waitFor(() => on('alerts').length > alertsBefore, 60_000), 'the gateway reconnects to its line broker and alerts reach the centre again');
  t.equal(await gw.stop(), 0);
});
