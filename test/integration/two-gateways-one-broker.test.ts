import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { storedAlertKeys } from '../helpers/alert-ledger.ts';
import { spawnGateway, waitFor, writeConfig, type GatewayProcess } from '../helpers/gateway-process.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { SparkplugHost } from '../helpers/sparkplug-host.ts';
import { requireBinary } from '../helpers/system-binary.ts';
import { tokenSha256 } from '../../gateway/outputs/command-actors.ts';

const skip = requireBinary('mosquitto') || requireBinary('mosquitto_passwd');
const ALERT_STORM = fileURLToPath(new URL('./fixtures/alert-storm.yaml', import.meta.url));
// the per-gateway pattern ACL that docs/deployment-mqtt.md recommends, used as it stands
const SITE_ACL = readFileSync(fileURLToPath(new URL('../../examples/mosquitto/afg-site.acl', import.meta.url)), 'utf8');
const USERS = { 'gw-a': 'gw-a-secret', 'gw-b': 'gw-b-secret', mes: 'mes-secret', scada: 'scada-secret' };
const SITE = 'plant-1';
const GATEWAYS = ['gw-a', 'gw-b'] as const;
const base = (gw: string) => `afg/v1/${SITE}/${gw}`;

interface Msg {
  client: string;
  topic: string;
  payload: string;
  retain: boolean;
}
type Alert = { id: string; rev: number; wearer: string; kind: string; state: string; role: string };
type Reply = { correlationId: string; ok: boolean; code?: string; result?: Record<string, unknown> };

/** A client of `user` that records everything it receives on `filter` (QoS 1). */
async function consumer(url: string, user: keyof typeof USERS, name: string, filter: string, protocolVersion: 4 | 5, into: Msg[]): Promise<MqttClient> {
  const c = mqtt.connect(url, { clientId: `${name}-${process.pid}`, username: user, password: USERS[user], protocolVersion, clean: true, reconnectPeriod: 200 });
  c.on('message', (topic, p, pkt) => into.push({ client: name, topic, payload: p.toString(), retain: pkt.retain }));
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => c.subscribe(filter, { qos: 1 }, (err, granted) => (err || (granted?.[0]?.qos ?? 128) >= 0x80 ? reject(err ?? new Error(`${filter} refused`)) : resolve())));
  });
  return c;
}

const alertsOf = (msgs: Msg[], gw: string) => msgs.filter((m) => m.topic === `${base(gw)}/alerts`).map((m) => JSON.parse(m.payload) as Alert);
const keyOf = (a: Alert) => `${a.id}:${a.rev}`;

// told apart by topic, own status and Will, unique alert ids, one shared-subscription consumer
// group, commands only to the addressed gateway, two Sparkplug edge nodes in one group
t.test('two gateway processes on one Mosquitto', { skip }, async (t) => {
  const dir = t.testdir();
  const broker = await startMosquitto({ users: USERS, acl: SITE_ACL });
  t.teardown(() => broker.stop());

  // an observer that sees everything, and a consumer group of two members sharing the alerts of
  // the whole site: Mosquitto hands each message to one member (MQTT 5 §4.8.2; Mosquitto also
  // takes $share from a 3.1.1 client, so one member of each protocol)
  const all: Msg[] = [];
  const group: Msg[] = [];
  const observer = await consumer(broker.url, 'mes', 'observer', 'afg/#', 5, all);
  t.teardown(() => void observer.end(true));
  const members = [await consumer(broker.url, 'mes', 'mes-1', `$share/mes/afg/v1/${SITE}/+/alerts`, 5, group), await consumer(broker.url, 'mes', 'mes-2', `$share/mes/afg/v1/${SITE}/+/alerts`, 4, group)];
  t.teardown(() => members.forEach((m) => void m.end(true)));
  const hosts = await Promise.all(GATEWAYS.map((gw) => SparkplugHost.connect(broker.url, SITE, { edgeNode: gw, username: 'scada', password: USERS.scada })));
  t.teardown(() => Promise.all(hosts.map((h) => h.close())));

  // the same simulated fleet (the same wearer ids!) behind both: only the gateway id tells them apart
  const actors = [{ id: 'sup-7a', role: 'supervisor', tokenSha256: tokenSha256('sup-7a-token') }];
  const gws = new Map<string, GatewayProcess>();
  for (const gw of GATEWAYS) {
    const config = writeConfig(`${dir}/${gw}.json`, {
      site: SITE,
      gateway: gw,
      dataDir: `${dir}/data-${gw}`,
      dashboard: { port: 0 },
      mqtt: { url: broker.url, username: gw, password: USERS[gw], commands: { actors } },
      sparkplug: { enabled: true, publishPeriodMs: 500 }, // group = the site, edge node = the gateway id
      simulation: { enabled: true, scenario: ALERT_STORM, gazeRateHz: 30 },
    });
    const p = spawnGateway({ config });
    t.teardown(() => void p.kill());
    gws.set(gw, p);
  }
  const [gwA, gwB] = [gws.get('gw-a')!, gws.get('gw-b')!];
  await Promise.all([gwA.dashboardUrl, gwB.dashboardUrl]);
  t.ok(await waitFor(() => GATEWAYS.every((gw) => alertsOf(all, gw).length >= 5), 60_000), 'alerts from both gateways');

  // told apart: every message is under one gateway's base, and says so where the payload names it
  const stray = all.filter((m) => !GATEWAYS.some((gw) => m.topic.startsWith(`${base(gw)}/`)));
  t.same(stray.map((m) => m.topic), [], 'nothing outside afg/v1/<site>/<gateway>/');
  for (const gw of GATEWAYS) {
    const statuses = all.filter((m) => m.topic === `${base(gw)}/status`).map((m) => JSON.parse(m.payload) as { state: string; site: string; gateway: string });
    t.ok(statuses.length > 0 && statuses.every((s) => s.site === SITE && s.gateway === gw), `${gw}'s status names ${gw}`);
    t.equal(statuses.at(-1)?.state, 'online', `${gw} online`);
  }
  const wearersA = new Set(alertsOf(all, 'gw-a').map((a) => a.wearer));
  t.ok([...new Set(alertsOf(all, 'gw-b').map((a) => a.wearer))].some((w) => wearersA.has(w)), 'the same wearer ids raise alerts behind both gateways');
  const idsA = new Set(alertsOf(all, 'gw-a').map((a) => a.id));
  t.same(alertsOf(all, 'gw-b').filter((a) => idsA.has(a.id)).map((a) => a.id), [], 'no alert id appears under both gateways');

  // Sparkplug: one group, two edge nodes, each with its own session
  t.ok(await waitFor(() => hosts.every((h) => h.of('NBIRTH').length >= 1 && h.of('DBIRTH').length >= 3), 30_000), 'an NBIRTH and DBIRTHs from each edge node');

  // the ACL: gw-a's credentials reach nothing of gw-b's (MQTT 5 gives the refusal as a PUBACK reason code)
  // (a connection per try: Mosquitto 2.0.11 with max_queued_messages 0, as the fixture sets it,
  // drops an MQTT 5 client right after a refused QoS 1 publish)
  const refusal = async (topic: string, body: string): Promise<number | null> => {
    const intruder = mqtt.connect(broker.url, { clientId: `gw-a-intruder-${process.pid}`, username: 'gw-a', password: USERS['gw-a'], protocolVersion: 5, reconnectPeriod: 0 });
    await new Promise<void>((r) => intruder.once('connect', () => r()));
    const code = await new Promise<number | null>((r) => intruder.publish(topic, body, { qos: 1 }, (err) => r(err ? Number((err as Error & { code?: number }).code) : null)));
    await new Promise<void>((r) => intruder.end(true, {}, () => r()));
    return code;
  };
  const forged = JSON.stringify({ actor: 'sup-7a', token: 'sup-7a-token', correlationId: 'forged-by-a', name: 'operator.fatigueEnterS', value: 90 });
  t.equal(await refusal(`${base('gw-b')}/cmd/threshold.set`, forged), 0x87, "gw-a may not command gw-b (0x87 not authorised)");
  t.equal(await refusal(`${base('gw-b')}/status`, JSON.stringify({ state: 'offline' })), 0x87, "gw-a may not write gw-b's status");
  t.equal(await refusal(`spBv1.0/${SITE}/NDEATH/gw-b`, 'x'), 0x87, "gw-a may not speak for gw-b's edge node");

  // commands: the same command on gw-a's topic is acted on by gw-a only
  const reply = async (gw: string, id: string) => {
    const find = () => all.filter((m) => m.topic === `${base(gw)}/replies`).map((m) => JSON.parse(m.payload) as Reply).find((r) => r.correlationId === id);
    t.ok(await waitFor(() => find() !== undefined, 30_000), `a reply to ${id} from ${gw}`);
    return find()!;
  };
  const command = (gw: string, name: string, body: Record<string, unknown>) =>
    new Promise<void>((r) => observer.publish(`${base(gw)}/cmd/${name}`, JSON.stringify({ actor: 'sup-7a', token: 'sup-7a-token', ...body }), { qos: 1 }, () => r()));
  await command('gw-a', 'threshold.set', { correlationId: 'to-a-1', name: 'operator.fatigueEnterS', value: 30 });
  const toA = await reply('gw-a', 'to-a-1');
  t.match(toA, { ok: true, result: { name: 'operator.fatigueEnterS', value: 30 } }, 'gw-a applied its command');
  const before = toA.result!['previous'];
  await command('gw-b', 'threshold.set', { correlationId: 'to-b-1', name: 'operator.fatigueEnterS', value: 40 });
  t.match(await reply('gw-b', 'to-b-1'), { ok: true, result: { value: 40, previous: before } }, "gw-b still had the default: gw-a's command never reached it");
  // and gw-b knows nothing of gw-a's alerts
  const aAlert = alertsOf(all, 'gw-a').find((a) => a.role === 'operator') ?? alertsOf(all, 'gw-a')[0]!;
  await command('gw-b', 'alert.ack', { correlationId: 'to-b-2', alertId: aAlert.id });
  t.match(await reply('gw-b', 'to-b-2'), { ok: false, code: 'AFG_E_COMMAND_NOT_FOUND' }, "gw-b refuses gw-a's alert id");
  const repliedBy = (id: string) => GATEWAYS.filter((gw) => all.some((m) => m.topic === `${base(gw)}/replies` && (JSON.parse(m.payload) as Reply).correlationId === id));
  t.same(repliedBy('to-a-1'), ['gw-a'], 'only gw-a answered the command sent to gw-a');
  t.same(repliedBy('to-b-1'), ['gw-b'], 'and only gw-b the one sent to gw-b');
  t.same(repliedBy('forged-by-a'), [], 'the refused publish never reached gw-b');
  for (const gw of GATEWAYS) {
    const h = (await gws.get(gw)!.health()) as unknown as { errors: Record<string, number> };
    t.equal(h.errors['AFG_E_MQTT_ACL_DENIED'] ?? 0, 0, `${gw} had no publish refused by the ACL (AFG_E_MQTT_ACL_DENIED)`);
    t.equal(h.errors['AFG_E_MQTT_DUPLICATE_GATEWAY'] ?? 0, 0, `${gw} did not take the other for a second ${gw}`);
  }
  const audits = await Promise.all(GATEWAYS.map(async (gw) => (await (await fetch(`${await gws.get(gw)!.dashboardUrl}/api/audit?limit=50`)).json()) as { action: string; ok?: boolean; result?: unknown }[]));
  t.equal(audits.map((a) => a.filter((e) => e.action === 'threshold.set').length).join(','), '1,1', 'one threshold change audited on each gateway, its own');

  // SIGKILL gw-b: the broker sends its Will; gw-a's status is untouched and its alerts go on
  await gwB.kill();
  const lastStatus = (gw: string) => all.filter((m) => m.topic === `${base(gw)}/status`).map((m) => JSON.parse(m.payload) as { state: string }).at(-1)?.state;
  t.ok(await waitFor(() => lastStatus('gw-b') === 'offline', 30_000), "gw-b's Will: offline");
  t.ok(await waitFor(() => hosts[1]!.ndeathBdSeqs.length === 1, 30_000), "gw-b's NDEATH (its Sparkplug Will)");
  t.equal(hosts[0]!.ndeathBdSeqs.length, 0, 'no NDEATH for gw-a');
  t.equal(lastStatus('gw-a'), 'online', 'gw-a still online');
  const nA = alertsOf(all, 'gw-a').length;
  t.ok(await waitFor(() => alertsOf(all, 'gw-a').length > nA, 30_000), 'gw-a alerts keep arriving after gw-b died');
  // what a consumer connecting now sees: the retained status of each gateway, its own
  const late: Msg[] = [];
  const lateClient = await consumer(broker.url, 'mes', 'late', `afg/v1/${SITE}/+/status`, 4, late);
  t.ok(await waitFor(() => late.length >= 2, 10_000), 'a late subscriber gets a retained status per gateway');
  await new Promise<void>((r) => lateClient.end(true, {}, () => r()));
  t.same(Object.fromEntries(late.filter((m) => m.retain).map((m) => [m.topic, JSON.parse(m.payload).state])), { [`${base('gw-a')}/status`]: 'online', [`${base('gw-b')}/status`]: 'offline' }, 'retained: gw-a online, gw-b offline');

  // gw-a drains and stops cleanly; the group then has every alert of both gateways, once
  t.ok(await waitFor(async () => (await gwA.health())?.outboxDepth === 0, 30_000), "gw-a's outbox drained");
  t.equal(await gwA.stop(), 0, 'gw-a stops cleanly');
  t.ok(await waitFor(() => lastStatus('gw-a') === 'offline', 10_000), 'gw-a offline at its stop');
  const raisedA = storedAlertKeys(`${dir}/data-gw-a`);
  const seenB = new Set(alertsOf(all, 'gw-b').map(keyOf));
  t.ok(raisedA.size > 0 && seenB.size > 0, `gw-a stored ${raisedA.size} alert revisions, gw-b published ${seenB.size}`);
  t.same([...seenB].filter((k) => raisedA.has(k)), [], 'no (id, rev) of gw-b among those gw-a raised');
  const expected = new Set([...raisedA, ...seenB, ...alertsOf(all, 'gw-a').map(keyOf)]);
  const groupKeys = (m: Msg[]) => m.filter((x) => x.topic.endsWith('/alerts')).map((x) => keyOf(JSON.parse(x.payload) as Alert));
  await waitFor(() => [...expected].every((k) => groupKeys(group).includes(k)), 10_000);
  const got = new Set(groupKeys(group));
  t.same([...expected].filter((k) => !got.has(k)), [], `the consumer group received every alert of both gateways (${expected.size})`);
  const byMember = ['mes-1', 'mes-2'].map((name) => new Set(groupKeys(group.filter((m) => m.client === name))));
  t.ok(byMember.every((s) => s.size > 0), `both members took a share (${byMember.map((s) => s.size).join(' + ')})`);
  t.same([...byMember[0]!].filter((k) => byMember[1]!.has(k)), [], 'no alert went to both members');
  t.equal(groupKeys(group).length, got.size, 'exactly once in total (no redelivery without a fault)');
  for (const h of hosts) t.same(h.violations, [], `Sparkplug rules held for ${h.edgeNode}`);
});
