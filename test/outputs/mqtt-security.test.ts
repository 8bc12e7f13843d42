import t from 'tap';
import type { Test } from 'tap';
import mqtt from 'mqtt';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { AfgError, ErrorCounter } from '../../gateway/core/errors.ts';
import type { Alert } from '../../gateway/core/types.ts';
import { classifyMqttError, mqttConnectionSettings, type MqttConnectionSettings } from '../../gateway/outputs/mqtt-connection.ts';
import { MqttSink } from '../../gateway/outputs/mqtt-sink.ts';
import { Outbox } from '../../gateway/outputs/outbox.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { requireBinary } from '../helpers/system-binary.ts';
import { makeTestPki, type TestPki } from '../helpers/test-certificates.ts';

const skip = requireBinary('mosquitto') || requireBinary('openssl') || requireBinary('mosquitto_passwd');
let shared: TestPki | null = null;
/** one throw-away PKI for the whole file (openssl is slow on a busy machine) */
function pkiFor(_t: Test): TestPki {
  if (!shared) {
    const dir = mkdtempSync(path.join(tmpdir(), 'afg-pki-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    shared = makeTestPki(dir);
  }
  return shared;
}

/** The broker of a plant that does it right: TLS with client certificates, passwords, and an ACL per gateway. */
const ACL = [
  'user gw-a',
  'topic readwrite afg/v1/plant-1/gw-a/#',
  '',
  'user mes',
  'topic read afg/#',
  'topic write afg/v1/plant-1/gw-a/cmd/#',
  '',
].join('\n');

function alert(i: number): Alert {
  return { id: `al-${i}`, rev: 0, wearer: 'dr-19c2', role: 'driver', kind: 'distraction', level: 1, raisedAt: 1_700_000_000_000 + i, evidence: {}, state: 'active' };
}

function settings(pki: TestPki, url: string, over: { username?: string; password?: string; ca?: string; cert?: string; key?: string; protocolVersion?: 4 | 5 } = {}): MqttConnectionSettings {
  return {
    url,
    protocolVersion: over.protocolVersion ?? 5,
    keepaliveS: 30,
    reconnectMinMs: 100,
    reconnectMaxMs: 400,
    username: over.username ?? 'gw-a',
    password: over.password ?? 'gw-a-secret',
    tls: { ca: readFileSync(over.ca ?? pki.ca.cert), cert: readFileSync(over.cert ?? pki.client.cert), key: readFileSync(over.key ?? pki.client.key), rejectUnauthorized: true, servername: null },
  };
}

async function until(cond: () => boolean, ms = 15_000, what = 'condition') {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function secureBroker(t: Test, pki: TestPki) {
  const broker = await startMosquitto({ tls: { ca: pki.ca.cert, cert: pki.server.cert, key: pki.server.key, requireCertificate: true }, users: { 'gw-a': 'gw-a-secret', mes: 'mes-secret' }, acl: ACL });
  t.teardown(() => broker.stop());
  return broker;
}

async function sinkWith(t: Test, conn: MqttConnectionSettings, errors = new ErrorCounter()) {
  const bus = new EventBus();
  const outbox = await Outbox.open({ dir: t.testdir(), errors });
  const logs: string[] = [];
  const sink = new MqttSink({ url: conn.url, site: 'plant-1', gateway: 'gw-a', version: 'test', bus, outbox, errors, connection: conn, toEpochMs: (x) => x, log: (_l, m) => logs.push(m) });
  t.teardown(async () => {
    await sink.stop(300);
    await outbox.close();
  });
  return { bus, outbox, sink, errors, logs };
}

t.test('TLS with a client certificate, username/password and an ACL: the gateway works on its own topics only', { skip }, async (t) => {
  const pki = pkiFor(t);
  const broker = await secureBroker(t, pki);
  const mes = mqtt.connect(broker.url, { protocolVersion: 5, username: 'mes', password: 'mes-secret', ca: readFileSync(pki.ca.cert), cert: readFileSync(pki.client.cert), key: readFileSync(pki.client.key), clientId: 'mes-1' });
  t.teardown(() => void mes.end(true));
  const seen: { topic: string; payload: string }[] = [];
  mes.on('message', (topic, p) => seen.push({ topic, payload: p.toString() }));
  await new Promise<void>((r) => mes.on('connect', () => mes.subscribe('afg/#', { qos: 1 }, () => r())));

  const { bus, outbox, sink, errors } = await sinkWith(t, settings(pki, broker.url));
  const commands: string[] = [];
  sink.subscribe('afg/v1/plant-1/gw-a/cmd/+', 1, (topic) => commands.push(topic));
  await sink.start(10_000);
  t.ok(sink.connected, `connected over TLS with a client certificate (${sink.lastError ?? 'no error'})`);
  bus.emit('alert', alert(1));
  await until(() => outbox.depth() === 0 && seen.some((m) => m.topic === 'afg/v1/plant-1/gw-a/alerts'), 15_000, 'the alert through the secured broker');
  t.ok(seen.some((m) => m.topic === 'afg/v1/plant-1/gw-a/status' && JSON.parse(m.payload).state === 'online'), 'status online');

  // the gateway's subscription on its own cmd/ topic is granted: a command from the MES reaches it
  await new Promise<void>((r) => mes.publish('afg/v1/plant-1/gw-a/cmd/alert.ack', '{}', { qos: 1 }, () => r()));
  await until(() => commands.length === 1, 10_000, 'the command');
  t.same(commands, ['afg/v1/plant-1/gw-a/cmd/alert.ack']);

  // outside its own topics the ACL refuses it: MQTT 5 says so in the PUBACK, the sink counts it
  const ok = await sink.publish('afg/v1/plant-1/gw-b/alerts', '{"forged":true}', { qos: 1 });
  t.equal(ok, false, 'publish on another gateway\'s topic refused');
  t.equal(errors.get('AFG_E_MQTT_ACL_DENIED'), 1, 'counted as AFG_E_MQTT_ACL_DENIED');
  await new Promise((r) => setTimeout(r, 300));
  t.notOk(seen.some((m) => m.topic.includes('/gw-b/')), 'nothing arrived on gw-b');
  // an outbox entry on a refused topic stays in the outbox (not acknowledged, not lost)
  await outbox.append({ id: 'x-1', topic: 'afg/v1/plant-1/gw-b/alerts', payload: '{}', qos: 1, key: 'k', cls: 'alert' });
  sink.flush();
  await until(() => errors.get('AFG_E_MQTT_ACL_DENIED') === 2, 10_000, 'the refused outbox entry');
  t.equal(outbox.depth(), 1, 'the refused entry is kept');
  t.equal(errors.get('AFG_E_MQTT_AUTH') + errors.get('AFG_E_MQTT_TLS'), 0);
});

t.test('a wrong password: AFG_E_MQTT_AUTH, retried with backoff, nothing thrown', { skip }, async (t) => {
  const pki = pkiFor(t);
  const broker = await secureBroker(t, pki);
  const { sink, errors, logs, bus, outbox } = await sinkWith(t, settings(pki, broker.url, { password: 'wrong' }));
  const started = Date.now();
  await sink.start(500);
  t.notOk(sink.connected);
  await until(() => errors.get('AFG_E_MQTT_AUTH') >= 3, 15_000, 'three refused tries');
  const elapsed = Date.now() - started;
  t.match(sink.lastError ?? '', /^AFG_E_MQTT_AUTH: Connection refused: (Bad User Name or Password|Not authorized)/);
  t.equal(sink.lastErrorCode, 'AFG_E_MQTT_AUTH');
  t.equal(logs.filter((l) => l.startsWith('AFG_E_MQTT_AUTH')).length, 1, 'logged once, counted per try');
  // backoff 100 ms doubling to 400 ms: three tries take at least 100 + 200 ms
  t.ok(elapsed >= 300, `three tries took ${elapsed} ms (backoff)`);
  const before = errors.get('AFG_E_MQTT_AUTH');
  await new Promise((r) => setTimeout(r, 1500));
  const tries = errors.get('AFG_E_MQTT_AUTH') - before;
  t.ok(tries >= 1 && tries <= 6, `at most one try per 400 ms at the cap: ${tries} in 1.5 s`);
  // alerts raised meanwhile wait in the outbox
  bus.emit('alert', alert(7));
  await until(() => outbox.depth() === 1, 5000, 'the alert in the outbox');
  t.equal(errors.get('AFG_E_MQTT_TLS'), 0);
});

t.test('an unknown user over MQTT 3.1.1 is AFG_E_MQTT_AUTH too', { skip }, async (t) => {
  const pki = pkiFor(t);
  const broker = await secureBroker(t, pki);
  const { sink, errors } = await sinkWith(t, settings(pki, broker.url, { username: 'nobody', protocolVersion: 4 }));
  await sink.start(500);
  await until(() => errors.get('AFG_E_MQTT_AUTH') >= 1, 15_000, 'a refused try');
  t.notOk(sink.connected);
  t.match(sink.lastError ?? '', /^AFG_E_MQTT_AUTH: Connection refused: (Bad username or password|Not authorized)/);
});

t.test('a broker certificate the gateway does not trust: AFG_E_MQTT_TLS, retried', { skip }, async (t) => {
  const pki = pkiFor(t);
  const broker = await secureBroker(t, pki);
  const { sink, errors } = await sinkWith(t, settings(pki, broker.url, { ca: pki.otherCa.cert }));
  await sink.start(500);
  await until(() => errors.get('AFG_E_MQTT_TLS') >= 2, 15_000, 'two refused handshakes');
  t.notOk(sink.connected);
  t.match(sink.lastError ?? '', /^AFG_E_MQTT_TLS: /);
  t.equal(errors.get('AFG_E_MQTT_AUTH'), 0);
});

t.test('a client certificate from a CA the broker does not trust: AFG_E_MQTT_TLS', { skip }, async (t) => {
  const pki = pkiFor(t);
  const broker = await secureBroker(t, pki);
  const { sink, errors } = await sinkWith(t, settings(pki, broker.url, { cert: pki.rogueClient.cert, key: pki.rogueClient.key }));
  await sink.start(500);
  await until(() => errors.get('AFG_E_MQTT_TLS') >= 1, 15_000, `a refused handshake (counted so far: ${JSON.stringify(errors.snapshot())})`);
  t.notOk(sink.connected);
  t.match(sink.lastError ?? '', /^AFG_E_MQTT_TLS: /);
});

t.test('a broker certificate for another host name: AFG_E_MQTT_TLS', { skip }, async (t) => {
  const pki = pkiFor(t);
  const broker = await startMosquitto({ tls: { ca: pki.ca.cert, cert: pki.wrongHost.cert, key: pki.wrongHost.key } });
  t.teardown(() => broker.stop());
  const { sink, errors } = await sinkWith(t, { ...settings(pki, broker.url), username: null, password: null });
  await sink.start(500);
  await until(() => errors.get('AFG_E_MQTT_TLS') >= 1, 15_000, 'a refused handshake');
  t.match(sink.lastError ?? '', /^AFG_E_MQTT_TLS: .*(altname|Hostname|host)/i);
});

t.test('TLS and password files come from the config: unreadable ones stop the start with the field path', async (t) => {
  const dir = t.testdir({ 'pw.txt': 's3cret\n', 'ca.pem': '-----BEGIN CERTIFICATE-----\n' });
  const cfg = validateConfig({ mqtt: { url: 'mqtts://broker:8883', username: 'gw', passwordFile: 'pw.txt', tls: { ca: 'ca.pem' } } });
  const s = mqttConnectionSettings(cfg, dir, cfg.mqtt.url!, false);
  t.equal(s.password, 's3cret', 'password read from the file, trailing newline dropped');
  t.equal(s.protocolVersion, 5, 'MQTT 5 by default for a plant broker');
  t.ok(s.tls.ca?.length);
  t.equal(mqttConnectionSettings(validateConfig({}), dir, 'mqtt://127.0.0.1:1883', true).protocolVersion, 4, 'MQTT 3.1.1 with the embedded broker');
  const bad = (raw: unknown, path: string) => {
    try {
      const c = validateConfig(raw);
      mqttConnectionSettings(c, dir, c.mqtt.url ?? 'mqtt://x', false);
      t.fail(`expected ${path} to be refused`);
    } catch (err) {
      t.ok(err instanceof AfgError && err.code === 'AFG_E_CONFIG_INVALID', String(err));
      t.equal((err as AfgError).path, path);
    }
  };
  bad({ mqtt: { url: 'mqtts://b:8883', tls: { ca: 'missing.pem' } } }, '/mqtt/tls/ca');
  bad({ mqtt: { url: 'mqtts://b:8883', tls: { cert: 'ca.pem' } } }, '/mqtt/tls/key');
  bad({ mqtt: { url: 'mqtt://b:1883', tls: { ca: 'ca.pem' } } }, '/mqtt/url');
  bad({ mqtt: { url: 'mqtts://b:8883', password: 'x', passwordFile: 'pw.txt' } }, '/mqtt/passwordFile');
  bad({ mqtt: { reconnectMinMs: 5000, reconnectMaxMs: 1000 } }, '/mqtt/reconnectMinMs');
});

t.test('error classification', async (t) => {
  const e = (message: string, code?: unknown) => Object.assign(new Error(message), code === undefined ? {} : { code });
  t.equal(classifyMqttError(e('Connection refused: Not authorized', 5)), 'AFG_E_MQTT_AUTH');
  t.equal(classifyMqttError(e('Connection refused: Bad User Name or Password', 134)), 'AFG_E_MQTT_AUTH');
  t.equal(classifyMqttError(e('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN')), 'AFG_E_MQTT_TLS');
  t.equal(classifyMqttError(e('x', 'ERR_TLS_CERT_ALTNAME_INVALID')), 'AFG_E_MQTT_TLS');
  t.equal(classifyMqttError(e('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')), 'AFG_E_MQTT_CONNECT');
  t.equal(classifyMqttError(e('Connection refused: Server unavailable', 3)), 'AFG_E_MQTT_CONNECT');
});
