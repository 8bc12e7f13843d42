import t from 'tap';
import mqtt from 'mqtt';
import { Ajv } from 'ajv';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import type { Alert, Decision } from '../../gateway/core/types.ts';
import { MqttSink } from '../../gateway/outputs/mqtt-sink.ts';
import { Outbox } from '../../gateway/outputs/outbox.ts';
import { AlertPayload, AttentionPayload, AttentionSummaryPayload, DecisionPayload, OutboxReportPayload, StatusPayload } from '../../gateway/outputs/payload-schemas.ts';
import { freePort } from '../helpers/free-port.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { requireBinary } from '../helpers/system-binary.ts';

const skip = requireBinary('mosquitto');
const ajv = new Ajv({ strict: false });
const validAlert = ajv.compile(AlertPayload);
const validStatus = ajv.compile(StatusPayload);
const validAttention = ajv.compile(AttentionPayload);

function alert(wearer: string, i: number): Alert {
  return { id: `al-${wearer}-${i}`, rev: 0, wearer, role: 'driver', kind: 'distraction', level: 1, raisedAt: 1_700_000_000_000 + i, evidence: { n: i }, state: 'active' };
}

async function subscriber(url: string, topic: string) {
  const c = mqtt.connect(url, { clientId: `sub-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 200 });
  const got: { topic: string; payload: string; retain: boolean; qos: number }[] = [];
  c.on('message', (tp, p, pkt) => got.push({ topic: tp, payload: p.toString(), retain: pkt.retain, qos: pkt.qos }));
  await new Promise<void>((r) => c.on('connect', () => c.subscribe(topic, { qos: 1 }, () => r())));
  return { client: c, got };
}

async function until(cond: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('alerts reach a real broker at QoS 1 with ids, status online retained then offline', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const bus = new EventBus();
  const errors = new ErrorCounter();
  const outbox = await Outbox.open({ dir: t.testdir(), errors });
  const sink = new MqttSink({ url: broker.url, site: 'plant-1', gateway: 'gw-a', version: 'test', bus, outbox, errors, toEpochMs: (x) => 1_700_000_000_000 + x });
  const sub = await subscriber(broker.url, 'afg/v1/plant-1/gw-a/#');
  t.teardown(() => void sub.client.end(true));
  await sink.start();
  t.ok(sink.connected);
  bus.emit('alert', alert('dr-19c2', 1));
  bus.emit('estimate', { wearer: 'dr-19c2', t: 10, probs: { attentive: 0.9, distracted: 0.1, drowsy: 0, overloaded: 0 }, score: 0.9, quality: 1, state: 'attentive', estimator: 'rule-based/1' });
  bus.emit('estimate', { wearer: 'dr-19c2', t: 20, probs: null, score: null, quality: 0, state: 'sensor_lost', estimator: 'rule-based/1' }); // throttled: same second
  await until(() => sub.got.some((m) => m.topic.endsWith('/alerts')) && sub.got.some((m) => m.topic.endsWith('/attention')));
  const a = JSON.parse(sub.got.find((m) => m.topic === 'afg/v1/plant-1/gw-a/alerts')!.payload);
  t.ok(validAlert(a), `alert payload matches its schema ${JSON.stringify(validAlert.errors ?? [])}`);
  t.equal(a.id, 'al-dr-19c2-1');
  t.equal(sub.got.find((m) => m.topic.endsWith('/alerts'))!.qos, 1, 'published at QoS 1 (a QoS 1 subscription gets min(pub, sub))');
  t.equal(sink.state, 'connected');
  const st = JSON.parse(sub.got.find((m) => m.topic.endsWith('/status'))!.payload);
  t.ok(validStatus(st));
  t.equal(st.state, 'online');
  const att = sub.got.filter((m) => m.topic === 'afg/v1/plant-1/gw-a/wearers/dr-19c2/attention');
  t.equal(att.length, 1, 'attention throttled per wearer');
  t.ok(validAttention(JSON.parse(att[0]!.payload)));
  await until(() => outbox.depth() === 0);
  t.equal(sink.outboxDepth, 0);
  await sink.stop();
  t.equal(sink.state, 'stopped');
  // a late subscriber sees the retained offline status
  const late = await subscriber(broker.url, 'afg/v1/plant-1/gw-a/status');
  t.teardown(() => void late.client.end(true));
  await until(() => late.got.length > 0);
  t.equal(JSON.parse(late.got[0]!.payload).state, 'offline');
  t.ok(late.got[0]!.retain);
  await outbox.close();
});

t.test('broker down while alerts are raised: all arrive afterwards, in order per wearer', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const bus = new EventBus();
  const errors = new ErrorCounter();
  const outbox = await Outbox.open({ dir: t.testdir(), errors });
  const sink = new MqttSink({ url: broker.url, site: 's', gateway: 'g', version: 'test', bus, outbox, errors, toEpochMs: (x) => x });
  await sink.start();
  const sub = await subscriber(broker.url, 'afg/v1/s/g/alerts');
  t.teardown(() => void sub.client.end(true));
  bus.emit('alert', alert('dr-19c2', 0));
  await until(() => sub.got.length === 1);
  await broker.kill();
  await until(() => !sink.connected);
  for (let i = 1; i <= 30; i++) bus.emit('alert', alert(i % 2 ? 'dr-19c2' : 'op-7f3a', i));
  await new Promise((r) => setTimeout(r, 300));
  t.equal(outbox.depth(), 30, 'all 30 held in the outbox while the broker is down');
  await broker.start();
  await until(() => new Set(sub.got.map((m) => JSON.parse(m.payload).id)).size === 31, 20_000);
  const ids = sub.got.map((m) => JSON.parse(m.payload) as { id: string; wearer: string; raisedAt: number });
  for (const w of ['dr-19c2', 'op-7f3a']) {
    const seq = ids.filter((a) => a.wearer === w).map((a) => a.raisedAt);
    const dedup = seq.filter((x, i) => seq.indexOf(x) === i);
    t.same(dedup, [...dedup].sort((x, y) => x - y), `order kept for ${w}`);
  }
  await until(() => outbox.depth() === 0);
  await sink.stop();
  await outbox.close();
});

t.test('the last will says offline when the gateway dies without a goodbye', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const bus = new EventBus();
  const errors = new ErrorCounter();
  const outbox = await Outbox.open({ dir: t.testdir(), errors });
  const sink = new MqttSink({ url: broker.url, site: 's', gateway: 'g', version: 'test', bus, outbox, errors, toEpochMs: (x) => x });
  await sink.start();
  const sub = await subscriber(broker.url, 'afg/v1/s/g/status');
  t.teardown(() => void sub.client.end(true));
  await until(() => sub.got.some((m) => JSON.parse(m.payload).state === 'online'));
  // destroy the socket under the client: no DISCONNECT packet, so the broker publishes the will
  ((sink as unknown as { client: { stream: { destroy(): void }; options: { reconnectPeriod: number } } }).client).options.reconnectPeriod = 0;
  ((sink as unknown as { client: { stream: { destroy(): void } } }).client).stream.destroy();
  await until(() => sub.got.some((m) => JSON.parse(m.payload).state === 'offline'));
  t.pass('will delivered');
  await sink.stop(200);
  await outbox.close();
});

t.test('two processes with the same site and gateway ids (other client ids): each finds the other, AFG_E_MQTT_DUPLICATE_GATEWAY; a restart or another gateway is not one', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const sinkOf = async (gateway: string, clientId: string) => {
    const errors = new ErrorCounter();
    const outbox = await Outbox.open({ dir: t.testdir() + `/${clientId}`, errors });
    const sink = new MqttSink({ url: broker.url, site: 'plant-1', gateway, clientId, version: 'test', bus: new EventBus(), outbox, errors, toEpochMs: (x) => x });
    await sink.start();
    return { sink, errors, outbox };
  };
  const dup = (e: ErrorCounter) => e.get('AFG_E_MQTT_DUPLICATE_GATEWAY') ?? 0;
  const a = await sinkOf('gw-a', 'box-1');
  const other = await sinkOf('gw-b', 'box-2'); // another gateway on the same broker
  await new Promise((r) => setTimeout(r, 300));
  t.equal(dup(a.errors) + dup(other.errors), 0, 'a different gateway id is no duplicate');
  // gw-a restarted: the old run stops cleanly, the new one comes up
  await a.sink.stop();
  await a.outbox.close();
  const a2 = await sinkOf('gw-a', 'box-1');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(dup(a2.errors), 0, "a restart sees its previous run's retained status, not a duplicate");
  // a second box configured as gw-a too
  const a3 = await sinkOf('gw-a', 'box-3');
  await until(() => dup(a2.errors) > 0 && dup(a3.errors) > 0);
  t.ok(dup(a2.errors) > 0 && dup(a3.errors) > 0, `both count it (${dup(a2.errors)}, ${dup(a3.errors)})`);
  t.equal(a2.sink.duplicateOf, (a3.sink as unknown as { startedAt: number }).startedAt, 'the older run names the newer');
  t.equal(a3.sink.duplicateOf, (a2.sink as unknown as { startedAt: number }).startedAt, 'and the newer the older');
  t.equal(dup(other.errors), 0, 'gw-b is not concerned');
  // the second box goes away cleanly: the first one is alone again
  await a3.sink.stop();
  await until(() => a2.sink.duplicateOf === null);
  t.equal(a2.sink.duplicateOf, null, "its offline status clears it");
  for (const x of [a2, other, a3]) {
    await x.sink.stop();
    await x.outbox.close();
  }
});

t.test('on every connect the own status topic is subscribed before "online" goes out (else a duplicate\'s answer can arrive as retained and be missed)', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const errors = new ErrorCounter();
  const outbox = await Outbox.open({ dir: t.testdir(), errors });
  const sink = new MqttSink({ url: broker.url, site: 's', gateway: 'g', version: 'test', bus: new EventBus(), outbox, errors, toEpochMs: (x) => x, reconnectMinMs: 100, reconnectMaxMs: 500 });
  const sent: string[] = [];
  const started = sink.start();
  // the client exists once start() has run to its first await; nothing is on the wire yet
  const client = (sink as unknown as { client: { on(e: 'packetsend', f: (p: { cmd: string; topic?: string; payload?: Buffer | string; subscriptions?: { topic: string }[] }) => void): void } }).client;
  client.on('packetsend', (p) => {
    if (p.cmd === 'subscribe' && p.subscriptions?.some((x) => x.topic === 'afg/v1/s/g/status')) sent.push('subscribe status');
    if (p.cmd === 'publish' && p.topic === 'afg/v1/s/g/status' && String(p.payload).includes('"online"')) sent.push('online');
  });
  await started;
  await until(() => sent.length >= 2);
  await broker.restart();
  await until(() => sent.length >= 4);
  t.same(sent.slice(0, 4), ['subscribe status', 'online', 'subscribe status', 'online'], 'first connect and reconnect alike');
  await sink.stop();
  await outbox.close();
});

const decision = (i: number): Decision => ({ id: `dc-${i}`, kind: 'break', targets: ['op-7f3a'], reason: 'test', inputs: { i }, validUntil: 1_800_000_000_000, state: 'pending' });

t.test('entries left by a previous process are delivered after a restart with no broker in between', { skip }, async (t) => {
  const dir = t.testdir();
  const errors = new ErrorCounter();
  const dead = `mqtt://127.0.0.1:${await freePort()}`; // nothing listens: the gateway runs without a broker
  const bus1 = new EventBus();
  const box1 = await Outbox.open({ dir, errors });
  const sink1 = new MqttSink({ url: dead, site: 's', gateway: 'g', version: 'test', bus: bus1, outbox: box1, errors, toEpochMs: (x) => x, reconnectMinMs: 100, reconnectMaxMs: 400 });
  await sink1.start(300);
  t.equal(sink1.state, 'connecting');
  for (let i = 0; i < 5; i++) bus1.emit('alert', alert('op-7f3a', i));
  bus1.emit('decision', decision(1));
  await until(() => box1.depth() === 6);
  t.equal(sink1.outboxDepth, 6);
  await until(() => errors.get('AFG_E_MQTT_CONNECT') > 0);
  t.match(sink1.lastError ?? '', /^AFG_E_MQTT_CONNECT/);
  await sink1.stop(200);
  await box1.close();

  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const sub = await subscriber(broker.url, 'afg/v1/s/g/+');
  t.teardown(() => void sub.client.end(true));
  const box2 = await Outbox.open({ dir, errors });
  t.equal(box2.depth(), 6, 'recovered from disk');
  const sink2 = new MqttSink({ url: broker.url, site: 's', gateway: 'g', version: 'test', bus: new EventBus(), outbox: box2, errors, toEpochMs: (x) => x });
  await sink2.start();
  await until(() => box2.depth() === 0);
  const alerts = sub.got.filter((m) => m.topic.endsWith('/alerts')).map((m) => JSON.parse(m.payload).id);
  t.same(alerts, [0, 1, 2, 3, 4].map((i) => `al-op-7f3a-${i}`), 'in the order raised');
  const decisions = sub.got.filter((m) => m.topic.endsWith('/decisions'));
  t.equal(decisions.length, 1);
  t.ok(ajv.compile(DecisionPayload)(JSON.parse(decisions[0]!.payload)), 'decision payload matches its schema');
  t.equal(decisions[0]!.qos, 1);
  await sink2.stop();
  await box2.close();
});

t.test('a broker restart (SIGTERM, same port) is ridden out: online again, later alerts delivered', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const bus = new EventBus();
  const errors = new ErrorCounter();
  const outbox = await Outbox.open({ dir: t.testdir(), errors });
  const sink = new MqttSink({ url: broker.url, site: 's', gateway: 'g', version: 'test', bus, outbox, errors, toEpochMs: (x) => x, reconnectMinMs: 100, reconnectMaxMs: 500 });
  await sink.start();
  await broker.restart();
  bus.emit('alert', alert('dr-19c2', 1));
  const sub = await subscriber(broker.url, 'afg/v1/s/g/#');
  t.teardown(() => void sub.client.end(true));
  await until(() => sink.connected && outbox.depth() === 0);
  await until(() => sub.got.some((m) => m.topic.endsWith('/status') && JSON.parse(m.payload).state === 'online'));
  t.equal(sink.state, 'connected');
  await sink.stop();
  await outbox.close();
});

t.test('drops are reported on the retained outbox topic, with the dropped ids, after the broker is back', { skip }, async (t) => {
  const dir = t.testdir();
  const errors = new ErrorCounter();
  const bus = new EventBus();
  const outbox = await Outbox.open({ dir, errors, maxEntries: 3 });
  const dead = `mqtt://127.0.0.1:${await freePort()}`;
  const sink1 = new MqttSink({ url: dead, site: 's', gateway: 'g', version: 'test', bus, outbox, errors, toEpochMs: (x) => x, reconnectMinMs: 100, reconnectMaxMs: 200 });
  await sink1.start(100);
  for (let i = 0; i < 5; i++) bus.emit('alert', alert('dr-19c2', i)); // 3 fit: the two oldest alerts go
  await until(() => outbox.dropped === 2);
  await sink1.stop(100);
  await outbox.close();

  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const box2 = await Outbox.open({ dir, errors, maxEntries: 3 });
  const sink2 = new MqttSink({ url: broker.url, site: 's', gateway: 'g', version: 'test', bus: new EventBus(), outbox: box2, errors, toEpochMs: (x) => x });
  await sink2.start();
  await until(() => box2.depth() === 0);
  await sink2.stop();
  await box2.close();
  // a line system that connects later still learns of the loss
  const late = await subscriber(broker.url, 'afg/v1/s/g/outbox');
  t.teardown(() => void late.client.end(true));
  await until(() => late.got.length > 0);
  const report = JSON.parse(late.got.at(-1)!.payload);
  t.ok(ajv.compile(OutboxReportPayload)(report), 'matches OutboxReportPayload');
  t.ok(late.got.at(-1)!.retain, 'retained');
  t.match(report, { depth: 0, dropped: { total: 2, byClass: { alert: 2, decision: 0, telemetry: 0 }, byReason: { full: 2 } } });
  t.same(report.recentDrops.map((d: { id: string }) => d.id), ['al-dr-19c2-0:0', 'al-dr-19c2-1:0']);
});

t.test('aggregate telemetry: one summary per wearer per period, QoS 1 through the outbox', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const bus = new EventBus();
  const errors = new ErrorCounter();
  const outbox = await Outbox.open({ dir: t.testdir(), errors });
  const sink = new MqttSink({ url: broker.url, site: 's', gateway: 'g', version: 'test', bus, outbox, errors, toEpochMs: (x) => 1_700_000_000_000 + x, summaryPeriodMs: 1000 });
  const sub = await subscriber(broker.url, 'afg/v1/s/g/wearers/+/summary');
  t.teardown(() => void sub.client.end(true));
  await sink.start();
  const est = (tMs: number, state: 'attentive' | 'sensor_lost', score: number | null) => bus.emit('estimate', { wearer: 'op-7f3a', t: tMs, probs: null, score, quality: score === null ? 0 : 1, state, estimator: 'rule-based/1' });
  est(100, 'attentive', 0.8);
  est(500, 'attentive', 0.6);
  est(900, 'sensor_lost', null);
  est(1100, 'attentive', 0.9); // closes the first period
  await until(() => sub.got.length === 1);
  const s = JSON.parse(sub.got[0]!.payload);
  t.ok(ajv.compile(AttentionSummaryPayload)(s), 'matches AttentionSummaryPayload');
  t.match(s, { wearer: 'op-7f3a', from: 1_700_000_000_000, to: 1_700_000_001_000, estimates: 3, meanScore: 0.7, minScore: 0.6, meanQuality: 0.667 });
  t.equal(s.share.attentive, 0.667);
  t.equal(s.share.sensor_lost, 0.333, 'sensor loss is its own share, not a score of 0');
  t.equal(sub.got[0]!.qos, 1);
  await until(() => outbox.depth() === 0);
  await sink.stop(); // the open period is flushed into the outbox and published
  await until(() => sub.got.length === 2);
  t.equal(JSON.parse(sub.got[1]!.payload).estimates, 1);
  await outbox.close();
});
