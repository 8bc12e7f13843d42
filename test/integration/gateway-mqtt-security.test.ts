import t from 'tap';
import type { Test } from 'tap';
import mqtt from 'mqtt';
import { readFileSync, writeFileSync } from 'node:fs';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { requireBinary } from '../helpers/system-binary.ts';
import { makeTestPki } from '../helpers/test-certificates.ts';
import { tokenSha256 } from '../../gateway/outputs/command-actors.ts';
import { fileURLToPath } from 'node:url';
import { spawnGateway, writeConfig, type GatewayProcess } from '../helpers/gateway-process.ts';

const ALERT_STORM = fileURLToPath(new URL('./fixtures/alert-storm.yaml', import.meta.url));

const skip = requireBinary('mosquitto') || requireBinary('openssl') || requireBinary('mosquitto_passwd');
const BASE = 'afg/v1/plant-1/gw-a';
type Health = { status: string; mqtt: { connected: boolean; lastError: string | null }; outboxDepth: number; errors: Record<string, number> };
const ACL = ['user gw-a', `topic readwrite ${BASE}/#`, '', 'user mes', 'topic read afg/#', `topic write ${BASE}/cmd/#`, ''].join('\n');

/** The gateway process with a config written from an object; SIGKILLed at teardown if still running. */
function startGateway(t: Test, dir: string, config: Record<string, unknown>, name = 'plant'): GatewayProcess & { waitFor(re: RegExp, ms?: number): Promise<void>; code(): number | string | undefined } {
  const gw = spawnGateway({ config: writeConfig(`${dir}/${name}.json`, { dashboard: { port: 0 }, ...config }) });
  let code: number | string | undefined;
  void gw.exited.then((c) => (code = c));
  t.teardown(() => void gw.kill());
  return Object.assign(gw, {
    code: () => code,
    waitFor: async (re: RegExp, ms = 30_000) => {
      const end = Date.now() + ms;
      while (!re.test(gw.output())) {
        if (code !== undefined) throw new Error(`gateway exited (${code}) before ${re}:\n${gw.output().slice(-4000)}`);
        if (Date.now() > end) throw new Error(`gateway did not print ${re} within ${ms} ms:\n${gw.output().slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  });
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

t.test('the gateway process over TLS with a client certificate, a password file and an ACL; commands to its real CommandPort', { skip }, async (t) => {
  const dir = t.testdir();
  const pki = makeTestPki(`${dir}/pki`);
  const broker = await startMosquitto({ tls: { ca: pki.ca.cert, cert: pki.server.cert, key: pki.server.key, requireCertificate: true }, users: { 'gw-a': 'gw-a-secret', mes: 'mes-secret' }, acl: ACL });
  t.teardown(() => broker.stop());
  writeFileSync(`${dir}/gw-a.pw`, 'gw-a-secret\n');
  const mes = mqtt.connect(broker.url, { protocolVersion: 5, username: 'mes', password: 'mes-secret', ca: readFileSync(pki.ca.cert), cert: readFileSync(pki.client.cert), key: readFileSync(pki.client.key) });
  t.teardown(() => void mes.end(true));
  const got: { topic: string; payload: string; correlationData?: string }[] = [];
  mes.on('message', (topic, p, pkt) => got.push({ topic, payload: p.toString(), ...(pkt.properties?.correlationData ? { correlationData: pkt.properties.correlationData.toString() } : {}) }));
  await new Promise<void>((r) => mes.on('connect', () => mes.subscribe('afg/#', { qos: 1 }, () => r())));

  const gw = startGateway(t, dir, {
    site: 'plant-1',
    gateway: 'gw-a',
    dataDir: `${dir}/data`,
    mqtt: {
      url: broker.url,
      clientId: 'gw-a-main',
      username: 'gw-a',
      passwordFile: 'gw-a.pw',
      tls: { ca: 'pki/ca.crt', cert: 'pki/client.crt', key: 'pki/client.key' },
      commands: { actors: [{ id: 'mes-1', role: 'line_system' }, { id: 'sup-7a', role: 'supervisor', tokenSha256: tokenSha256('sup-7a-token') }] },
    },
    simulation: { enabled: true, scenario: ALERT_STORM, gazeRateHz: 30 },
  });
  await gw.dashboardUrl;
  const alerts = () => got.filter((m) => m.topic === `${BASE}/alerts`).map((m) => JSON.parse(m.payload) as { id: string; rev: number; wearer: string; kind: string; state: string; role: string });
  await until(() => alerts().length > 0, 60_000, 'an alert through TLS + ACL');
  t.ok(got.some((m) => m.topic === `${BASE}/status` && JSON.parse(m.payload).state === 'online'), 'status online');
  const h = (await gw.health()) as unknown as Health;
  t.equal(h.mqtt.connected, true);
  t.equal(h.mqtt.lastError, null);

  const replies = () => got.filter((m) => m.topic === `${BASE}/replies`).map((m) => JSON.parse(m.payload) as { correlationId: string; ok: boolean; code?: string; reason?: string; result?: Record<string, unknown> });
  const command = async (name: string, body: Record<string, unknown>, opts: mqtt.IClientPublishOptions = {}) => {
    const id = body['correlationId'] as string;
    await new Promise<void>((r) => mes.publish(`${BASE}/cmd/${name}`, JSON.stringify(body), { qos: 1, ...opts }, () => r()));
    await until(() => replies().some((x) => x.correlationId === id), 30_000, `the reply to ${id}`);
    return replies().find((x) => x.correlationId === id)!;
  };

  // a driver alert: nobody acknowledges it remotely (the real CommandPort refuses by meaning)
  await until(() => alerts().some((a) => a.role === 'driver' && a.state === 'active'), 60_000, 'a driver alert');
  const drv = alerts().find((a) => a.role === 'driver' && a.state === 'active')!;
  t.match(await command('alert.ack', { actor: 'sup-7a', token: 'sup-7a-token', correlationId: 'it-drv', alertId: drv.id }), { ok: false, code: 'AFG_E_COMMAND_UNAUTHORISED' }, 'driver alerts are acknowledged in the cab only');

  // an operator alert, acknowledged by the supervisor (retried if the episode clears first)
  let acked: { id: string } | null = null;
  for (let attempt = 0; attempt < 4 && !acked; attempt++) {
    const seen = new Set(alerts().filter((a) => a.wearer === 'op-2c91').map((a) => a.id));
    await until(() => alerts().some((a) => a.wearer === 'op-2c91' && a.kind === 'sensor_lost' && a.state === 'active' && a.rev === 0 && !seen.has(a.id)), 60_000, 'a new operator sensor_lost alert');
    const op = alerts().find((a) => a.wearer === 'op-2c91' && a.kind === 'sensor_lost' && a.rev === 0 && !seen.has(a.id))!;
    // refusals first: the line system's role, and the supervisor without its token
    const asLine = await command('alert.ack', { actor: 'mes-1', correlationId: `it-line-${attempt}`, alertId: op.id });
    t.match(asLine, { ok: false, code: 'AFG_E_COMMAND_UNAUTHORISED' }, 'a line system does not acknowledge alerts');
    const noToken = await command('alert.ack', { actor: 'sup-7a', correlationId: `it-notoken-${attempt}`, alertId: op.id });
    t.match(noToken, { ok: false, code: 'AFG_E_MQTT_COMMAND_UNAUTHORISED' }, 'a token-holding actor without its token');
    t.notOk(alerts().some((a) => a.id === op.id && a.state === 'acked'), 'the refusals changed nothing');
    const r = await command('alert.ack', { correlationId: `it-ack-${attempt}`, alertId: op.id, note: 'tracker checked' }, { properties: { userProperties: { actor: 'sup-7a', token: 'sup-7a-token' }, responseTopic: `${BASE}/replies/mes-1`, correlationData: Buffer.from(`it-ack-${attempt}`) } });
    if (!r.ok && r.code === 'AFG_E_COMMAND_CONFLICT') continue; // it cleared before the next tick
    t.match(r, { ok: true }, `acknowledged: ${r.reason ?? ''}`);
    acked = op;
    await until(() => got.some((m) => m.topic === `${BASE}/replies/mes-1` && m.correlationData === `it-ack-${attempt}`), 20_000, 'the reply on the MQTT 5 response topic');
  }
  t.ok(acked, 'an operator alert was acknowledged over MQTT');
  await until(() => alerts().some((a) => a.id === acked!.id && a.state === 'acked'), 30_000, 'the acknowledged alert on the alerts topic');
  t.equal(alerts().filter((a) => a.id === acked!.id && a.state === 'acked').length, 1, 'one acked transition');
  t.equal(await gw.stop(), 0, 'clean stop');
});

t.test('wrong credentials or certificate: a clear code, retries with backoff, and the gateway runs on', { skip }, async (t) => {
  const dir = t.testdir();
  const pki = makeTestPki(`${dir}/pki`);
  const broker = await startMosquitto({ tls: { ca: pki.ca.cert, cert: pki.server.cert, key: pki.server.key, requireCertificate: true }, users: { 'gw-a': 'gw-a-secret' }, acl: ACL });
  t.teardown(() => broker.stop());
  const common = { site: 'plant-1', gateway: 'gw-a', simulation: { enabled: true, scenario: ALERT_STORM, gazeRateHz: 30 } };
  const tls = { ca: 'pki/ca.crt', cert: 'pki/client.crt', key: 'pki/client.key' };
  const cases = [
    { name: 'password', code: 'AFG_E_MQTT_AUTH', mqtt: { url: broker.url, username: 'gw-a', password: 'wrong', reconnectMinMs: 200, reconnectMaxMs: 2000, tls } },
    { name: 'untrusted-ca', code: 'AFG_E_MQTT_TLS', mqtt: { url: broker.url, username: 'gw-a', password: 'gw-a-secret', reconnectMinMs: 200, reconnectMaxMs: 2000, tls: { ...tls, ca: 'pki/other-ca.crt' } } },
  ];
  for (const c of cases) {
    const gw = startGateway(t, dir, { ...common, dataDir: `${dir}/data-${c.name}`, dashboard: { port: 0 }, mqtt: c.mqtt }, c.name);
    const dash = await gw.dashboardUrl;
    await gw.waitFor(new RegExp(c.code), 30_000);
    // the pipeline keeps ticking, alerts are raised and kept for the broker, the dashboard answers
    await until(async () => ((await gw.health())?.outboxDepth ?? 0) > 0, 60_000, `alerts held in the outbox (${c.name})`);
    const h = (await gw.health()) as unknown as Health;
    t.equal(h.mqtt.connected, false, `${c.name}: not connected`);
    t.match(h.mqtt.lastError, new RegExp(`^${c.code}: `), `${c.name}: /health names ${c.code}`);
    t.ok((h.errors[c.code] ?? 0) >= 2, `${c.name}: counted per try (${h.errors[c.code]})`);
    t.equal(h.status, 'degraded');
    const floor = (await (await fetch(`${dash}/api/floor`)).json()) as { alerts: unknown[] };
    t.ok(floor.alerts.length > 0, `${c.name}: the dashboard shows the alerts`);
    t.equal(gw.output().match(new RegExp(`"msg":"${c.code}`, 'g'))?.length ?? 0, 1, `${c.name}: logged once, not per retry`);
    t.equal(gw.code(), undefined, `${c.name}: still running`);
    t.equal(await gw.stop(), 0, `${c.name}: stops cleanly without a broker`);
  }
});
