import t from 'tap';
import type { Test } from 'tap';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import type { Alert, AttentionEstimate } from '../../gateway/core/types.ts';
import type { MqttConnectionSettings } from '../../gateway/outputs/mqtt-connection.ts';
import { SparkplugEdgeNode } from '../../gateway/outputs/sparkplug/edge-node.ts';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.ts';
import { startConnectSpy } from '../helpers/mqtt-connect-spy.ts';
import { SparkplugHost } from '../helpers/sparkplug-host.ts';
import { requireBinary } from '../helpers/system-binary.ts';

const skip = requireBinary('mosquitto');
const require = createRequire(import.meta.url);
const sparkplug = (require('sparkplug-payload') as { get(ns: string): { decodePayload(b: Uint8Array): { metrics: { name: string; type: string; value: unknown }[]; seq?: unknown } } }).get('spBv1.0')!;
const WEARERS = [
  { id: 'dr-19c2', role: 'driver' as const },
  { id: 'op-7f3a', role: 'operator' as const, station: 'st-01' },
];

async function until(cond: () => boolean, ms = 10_000, what = 'condition') {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function conn(url: string, protocolVersion: 4 | 5 = 4): MqttConnectionSettings {
  return { url, protocolVersion, keepaliveS: 30, reconnectMinMs: 100, reconnectMaxMs: 400, username: null, password: null, tls: { ca: null, cert: null, key: null, rejectUnauthorized: true, servername: null } };
}

let alertN = 0;
function alert(wearer: string, kind: string, level: 0 | 1 | 2 | 3, state: Alert['state'] = 'active'): Alert {
  return { id: `al-${wearer}-${kind}`, rev: alertN++, wearer, role: wearer.startsWith('dr') ? 'driver' : 'operator', kind, level, raisedAt: 1_767_225_600_000 + alertN, evidence: {}, state };
}
function estimate(wearer: string, t: number, score: number | null, state: AttentionEstimate['state'] = 'attentive'): AttentionEstimate {
  return { wearer, t, probs: null, score, quality: 1, state, estimator: 'rule-based/1' };
}

async function setup(t: Test, o: { protocolVersion?: 4 | 5; primaryHostId?: string | null; dir?: string; broker?: MosquittoBroker; maxHistorical?: number } = {}) {
  const broker = o.broker ?? (await startMosquitto());
  if (!o.broker) t.teardown(() => broker.stop());
  const spy = await startConnectSpy(broker.port);
  t.teardown(() => spy.close());
  const host = await SparkplugHost.connect(broker.url, 'plant-1');
  t.teardown(() => host.close());
  const bus = new EventBus();
  const errors = new ErrorCounter();
  const dir = o.dir ?? t.testdir();
  const make = () =>
    new SparkplugEdgeNode({ connection: conn(spy.url, o.protocolVersion ?? 4), clientId: 'afg-plant-1-gw-a-spb', groupId: 'plant-1', edgeNodeId: 'gw-a', primaryHostId: o.primaryHostId ?? null, bus, wearers: WEARERS, dir, errors, site: 'plant-1', gateway: 'gw-a', version: 'test', publishPeriodMs: 0, scoreDeadband: 0.02, maxHistorical: o.maxHistorical ?? 10_000, toEpochMs: (x) => 1_767_225_600_000 + x });
  const node = make();
  t.teardown(() => node.stop(300));
  return { broker, spy, host, bus, errors, node, make, dir };
}

t.test('CONNECT: clean session, NDEATH as a QoS 1 non-retained Will carrying bdSeq; births list every metric', { skip }, async (t) => {
  const { spy, host, node } = await setup(t);
  await node.start();
  await until(() => host.of('DBIRTH').length === 2, 10_000, 'the births');
  const c = spy.connects[0]!;
  t.equal(c.protocolLevel, 4);
  t.equal(c.cleanSession, true, 'clean session (3.1.1)');
  t.equal(c.clientId, 'afg-plant-1-gw-a-spb');
  t.equal(c.will?.topic, 'spBv1.0/plant-1/NDEATH/gw-a');
  t.equal(c.will?.qos, 1, 'Will QoS 1');
  t.equal(c.will?.retain, false, 'Will not retained');
  const death = sparkplug.decodePayload(c.will!.payload);
  t.same(death.metrics.map((m) => [m.name, m.type, Number(m.value)]), [['bdSeq', 'Int64', 0]], 'NDEATH: bdSeq only, INT64, 0 on the first connection');
  t.equal(death.seq, undefined, 'NDEATH has no seq');

  const nbirth = host.of('NBIRTH')[0]!;
  t.equal(nbirth.seq, 0);
  t.equal(nbirth.values.get('bdSeq'), 0, 'the same bdSeq as the Will');
  t.equal(nbirth.values.get('Node Control/Rebirth'), false);
  t.same(host.of('DBIRTH').map((m) => [m.device, m.seq]), [['dr-19c2', 1], ['op-7f3a', 2]]);
  const names = [...host.of('DBIRTH', 'dr-19c2')[0]!.values.keys()];
  t.same(names.sort(), [
    'Alerts/Active', 'Alerts/Last/Id', 'Alerts/Last/Kind', 'Alerts/Last/State', 'Alerts/Level',
    ...['distraction', 'drowsy', 'microsleep', 'sensor_lost', 'sleep', 'unresponsive', 'vats'].flatMap((k) => [`Alerts/${k}/Level`, `Alerts/${k}/State`]),
    'Attention/Quality', 'Attention/Score', 'Attention/State', 'Properties/Role', 'Properties/Station',
  ].sort(), 'a driver device: derived metrics only (no gaze, pupil or heart signals)');
  t.equal(host.of('DBIRTH', 'dr-19c2')[0]!.values.get('Attention/Score'), null, 'no score yet: is_null, not 0');
  t.equal(host.of('DBIRTH', 'op-7f3a')[0]!.values.get('Properties/Station'), 'st-01');
  t.ok(host.of('DBIRTH', 'op-7f3a')[0]!.values.has('Alerts/fatigue/Level'), 'operator kinds on operators');
  t.same(host.violations, []);
});

t.test('data: alias only, report by exception, every Sparkplug rule the host checks holds', { skip }, async (t) => {
  const { host, node, bus } = await setup(t);
  await node.start();
  await until(() => host.of('DBIRTH').length === 2);
  bus.emit('estimate', estimate('dr-19c2', 1000, 0.8));
  bus.emit('estimate', estimate('dr-19c2', 1050, 0.81)); // within the deadband: score not reported
  bus.emit('alert', alert('dr-19c2', 'distraction', 1));
  bus.emit('alert', alert('dr-19c2', 'distraction', 2));
  bus.emit('alert', alert('dr-19c2', 'distraction', 2, 'cleared'));
  bus.emit('decision', { id: 'dc-1', kind: 'break', targets: ['op-7f3a'], reason: 'fatigue', inputs: {}, validUntil: 0, state: 'pending' });
  await until(() => host.of('NDATA').length === 1 && host.history('dr-19c2', 'Alerts/distraction/State').some((h) => h.value === 'cleared'));
  t.same(host.history('dr-19c2', 'Attention/Score').map((h) => h.value), [null, 0.8], 'score reported once (deadband)');
  t.same(host.history('dr-19c2', 'Alerts/distraction/Level').map((h) => h.value), [0, 1, 2, 0]);
  t.same(host.history('dr-19c2', 'Alerts/Level').map((h) => h.value), [0, 1, 2, 0]);
  t.equal(host.of('NDATA')[0]!.values.get('Decisions/Last/Kind'), 'break');
  t.same(host.violations, []);
  t.ok(host.of('DDATA').every((m) => m.metrics.every((x) => x.name === undefined && x.alias !== undefined)), 'alias only in DATA');
});

t.test('seq counts 0..255 over every birth and data message and wraps to 0', { skip }, async (t) => {
  const { host, node, bus } = await setup(t);
  await node.start();
  await until(() => host.of('DBIRTH').length === 2);
  for (let i = 0; i < 300; i++) bus.emit('alert', alert('op-7f3a', 'overload', i % 2 ? 1 : 2));
  await until(() => host.of('DDATA').length === 300, 20_000, '300 DDATA');
  const seqs = host.messages.filter((m) => m.seq !== null).map((m) => m.seq!);
  t.equal(seqs.length, 303);
  t.same(seqs.slice(0, 3), [0, 1, 2]);
  const wrap = seqs.indexOf(255);
  t.ok(wrap > 0 && seqs[wrap + 1] === 0, `255 is followed by 0 (at ${wrap})`);
  t.ok(seqs.every((s, i) => i === 0 || s === (seqs[i - 1]! + 1) % 256), 'each one more than the previous, mod 256');
  t.same(host.violations, []);
});

t.test('bdSeq: +1 on every new connection (network cut, clean stop, restart from disk), NDEATH matches', { skip }, async (t) => {
  const { spy, host, node, make } = await setup(t);
  await node.start();
  await until(() => host.of('DBIRTH').length === 2);
  spy.cutAll(); // no DISCONNECT: the broker publishes the Will
  await until(() => host.ndeathBdSeqs.length === 1, 10_000, 'the Will NDEATH');
  t.equal(host.ndeathBdSeqs[0], 0, 'the broker sent the Will with bdSeq 0');
  await until(() => host.nbirthBdSeqs.length === 2, 10_000, 'the next NBIRTH');
  t.equal(host.nbirthBdSeqs[1], 1, 'reconnect: bdSeq 1');
  t.equal(Number(sparkplug.decodePayload(spy.connects[1]!.will!.payload).metrics[0]!.value), 1, 'and the Will of that CONNECT says 1');
  await node.stop();
  await until(() => host.ndeathBdSeqs.length === 2, 10_000, 'the NDEATH of the clean stop');
  t.equal(host.ndeathBdSeqs[1], 1, 'clean stop: NDEATH with the session\'s bdSeq before DISCONNECT');
  const again = make(); // a new process on the same data dir
  t.teardown(() => again.stop(300));
  await again.start();
  await until(() => host.nbirthBdSeqs.length === 3, 10_000, 'the NBIRTH after the restart');
  t.same(host.nbirthBdSeqs, [0, 1, 2], 'persisted: the restart continues at 2');
  t.same(host.violations, []);
});

t.test('bdSeq wraps from 255 to 0', { skip }, async (t) => {
  const dir = t.testdir({ 'bdseq.json': '{"bdSeq":254}\n' });
  const { host, node, spy } = await setup(t, { dir });
  await node.start();
  await until(() => host.nbirthBdSeqs.length === 1);
  spy.cutAll();
  await until(() => host.nbirthBdSeqs.length === 2, 10_000, 'reconnect');
  t.same(host.nbirthBdSeqs, [255, 0]);
  t.same(JSON.parse(readFileSync(`${dir}/bdseq.json`, 'utf8')), { bdSeq: 0 });
});

t.test('NCMD Node Control/Rebirth: DATA stops, NBIRTH (seq 0, same bdSeq) and every DBIRTH again', { skip }, async (t) => {
  const { host, node, bus } = await setup(t);
  await node.start();
  await until(() => host.of('DBIRTH').length === 2);
  bus.emit('alert', alert('dr-19c2', 'vats', 1));
  await until(() => host.of('DDATA').length === 1);
  const before = host.messages.length;
  await host.requestRebirth('gw-a');
  await until(() => host.of('DBIRTH').length === 4, 10_000, 'the rebirth');
  const after = host.messages.slice(before);
  t.same(after.slice(0, 3).map((m) => [m.type, m.seq]), [['NBIRTH', 0], ['DBIRTH', 1], ['DBIRTH', 2]], 'the births come first, from seq 0');
  t.same(host.nbirthBdSeqs, [0, 0], 'same bdSeq');
  t.equal(host.of('DBIRTH', 'dr-19c2')[1]!.values.get('Alerts/vats/Level'), 1, 'births carry the current values');
  t.equal(node.rebirths, 1);
  t.same(host.violations, []);
});

t.test('primary host: no birth before STATE online; history as is_historical; stale STATE ignored; offline -> NDEATH, reconnect, wait', { skip }, async (t) => {
  const { host, node, bus, broker, spy } = await setup(t, { primaryHostId: 'scada-1' });
  const t0 = Date.now();
  await host.state('scada-1', false, t0);
  await node.start(500);
  await until(() => node.state === 'waiting_for_host', 10_000, 'waiting for the host');
  bus.emit('alert', alert('dr-19c2', 'distraction', 1));
  bus.emit('alert', alert('dr-19c2', 'distraction', 2));
  await new Promise((r) => setTimeout(r, 500));
  t.equal(host.of('NBIRTH').length, 0, 'nothing published while the primary host is offline');
  await host.state('scada-1', true, t0 + 1000);
  await until(() => host.of('DDATA').length >= 1, 10_000, 'births and history');
  const hist = host.history('dr-19c2', 'Alerts/distraction/Level');
  t.same(hist.map((h) => [h.value, h.historical]), [[2, false], [1, true], [2, true]], 'the DBIRTH carries the current level, then the history in order, is_historical');

  await host.state('scada-1', false, t0 + 500); // older than the last STATE: stale
  await new Promise((r) => setTimeout(r, 400));
  t.equal(node.state, 'online', 'a stale offline STATE is ignored');
  t.equal(host.ndeathBdSeqs.length, 0);

  await host.state('scada-1', false, t0 + 2000);
  await until(() => host.ndeathBdSeqs.length === 1, 10_000, 'the NDEATH');
  t.equal(host.ndeathBdSeqs[0], 0);
  await until(() => spy.connects.length === 2 && node.state === 'waiting_for_host', 10_000, 'the new connection, waiting');
  t.equal(node.currentBdSeq, 1);
  bus.emit('alert', alert('dr-19c2', 'vats', 1));
  await host.state('scada-1', true, t0 + 3000);
  await until(() => host.nbirthBdSeqs.length === 2, 10_000, 'the second NBIRTH');
  t.same(host.nbirthBdSeqs, [0, 1]);
  await until(() => host.history('dr-19c2', 'Alerts/vats/Level').some((h) => h.historical));
  t.same(host.violations, []);
  void broker;
});

t.test('MQTT 5: clean start with session expiry 0; a clean stop is DISCONNECT 0x04 and the broker sends the NDEATH', { skip }, async (t) => {
  const { spy, host, node } = await setup(t, { protocolVersion: 5 });
  await node.start();
  await until(() => host.of('DBIRTH').length === 2);
  const c = spy.connects[0]!;
  t.equal(c.protocolLevel, 5);
  t.equal(c.cleanSession, true, 'clean start');
  t.equal(c.sessionExpiryInterval, 0, 'session expiry interval 0');
  t.equal(c.will?.qos, 1);
  t.equal(c.will?.retain, false);
  await node.stop();
  await until(() => host.ndeathBdSeqs.length === 1, 10_000, 'the NDEATH');
  t.same(host.ndeathBdSeqs, [0]);
  t.same(host.violations, []);
});

t.test('a kind unknown at birth is added with a rebirth; the history buffer is bounded and counts drops', { skip }, async (t) => {
  const { host, node, bus, errors } = await setup(t, { primaryHostId: 'scada-2', maxHistorical: 5 });
  await node.start(300);
  for (let i = 0; i < 4; i++) bus.emit('alert', alert('op-7f3a', 'overload', i % 2 ? 1 : 2)); // 7 changes each... bounded at 5
  t.ok(node.historicalDropped > 0, `${node.historicalDropped} dropped`);
  t.equal(errors.get('AFG_E_SPARKPLUG_BUFFER_FULL'), node.historicalDropped);
  await host.state('scada-2', true, Date.now());
  await until(() => host.of('DBIRTH').length === 2);
  await until(() => host.of('DDATA').length >= 1);
  t.equal(host.of('DDATA')[0]!.metrics.length, 5, 'the newest 5 kept');
  bus.emit('alert', alert('op-7f3a', 'posture', 1)); // a new kind
  await until(() => host.of('NBIRTH').length === 2, 10_000, 'the rebirth');
  await until(() => host.of('DBIRTH', 'op-7f3a').length === 2);
  t.ok(host.of('DBIRTH', 'op-7f3a')[1]!.values.has('Alerts/posture/Level'), 'the new metric is in the new birth');
  t.same(host.violations, []);
});
