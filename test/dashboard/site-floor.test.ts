import t from 'tap';
import mqtt, { type MqttClient } from 'mqtt';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { SiteFloor } from '../../dashboard/site-floor.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { requireBinary } from '../helpers/system-binary.ts';

const skip = requireBinary('mosquitto');
const SITE = 'plant-x';

async function until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A publisher that behaves like a gateway on the site broker: retained status with an offline last will. */
async function fakeGateway(url: string, gw: string): Promise<MqttClient> {
  const base = `afg/v1/${SITE}/${gw}`;
  const c = mqtt.connect(url, {
    clientId: `pub-${gw}`,
    will: { topic: `${base}/status`, payload: Buffer.from(JSON.stringify({ state: 'offline', site: SITE, gateway: gw, version: '1.0.0', startedAt: null, ts: 1 })), qos: 1, retain: true },
    reconnectPeriod: 0,
  });
  await new Promise<void>((r, j) => {
    c.once('connect', () => r());
    c.once('error', j);
  });
  await c.publishAsync(`${base}/status`, JSON.stringify({ state: 'online', site: SITE, gateway: gw, version: '1.0.0', startedAt: 1_767_225_600_000, ts: 1_767_225_600_001 }), { qos: 1, retain: true });
  return c;
}

const attention = (wearer: string, state: string, score: number | null) => JSON.stringify({ wearer, t: 1000, ts: 1_767_225_601_000, state, score, probs: null, quality: score === null ? 0 : 0.9, estimator: 'rule-based/1' });
const alert = (id: string, rev: number, state: string, wearer: string) =>
  JSON.stringify({ id, rev, wearer, role: 'operator', station: 'st-01', kind: 'sensor_lost', level: state === 'cleared' ? 0 : 1, raisedAt: 1_767_225_602_000 + rev, state, evidence: {}, ts: 1_767_225_602_000 + rev });

t.test('floor mode over a real Mosquitto: two gateways publish, the site view shows both, live, and the last will marks one offline', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const errors = new ErrorCounter();
  const site = new SiteFloor({ url: broker.url, site: SITE, self: 'gw-a', errors, offlineAfterMs: 60_000 });
  const changed: string[] = [];
  site.subscribe((g) => changed.push(g));
  site.start();
  t.teardown(() => site.stop());
  await until(() => site.connected, 'the site floor to connect');

  const a = await fakeGateway(broker.url, 'gw-a');
  t.teardown(() => a.endAsync(true));
  const b = await fakeGateway(broker.url, 'gw-b');
  t.teardown(() => b.end(true));
  await a.publishAsync(`afg/v1/${SITE}/gw-a/wearers/op-0a01/attention`, attention('op-0a01', 'attentive', 0.91));
  await b.publishAsync(`afg/v1/${SITE}/gw-b/wearers/op-0b01/attention`, attention('op-0b01', 'sensor_lost', null));
  await b.publishAsync(`afg/v1/${SITE}/gw-b/alerts`, alert('al-1', 0, 'active', 'op-0b01'), { qos: 1 });
  await b.publishAsync(`afg/v1/${SITE}/gw-b/outbox`, JSON.stringify({ depth: 3, bytes: 900, oldestAt: null, dropped: { total: 0, byClass: { telemetry: 0, decision: 0, alert: 0 }, byReason: { full: 0, age: 0 } }, recentDrops: [], ts: 5 }), { qos: 1, retain: true });
  // another site and foreign topics are not ours; a broken payload is counted, not shown
  await b.publishAsync('afg/v1/other-site/gw-z/status', JSON.stringify({ state: 'online', site: 'other-site', gateway: 'gw-z', version: '1', startedAt: 1, ts: 1 }), { qos: 1 });
  await b.publishAsync(`afg/v1/${SITE}/gw-b/alerts`, '{"id":"al-2","rev":0', { qos: 1 });
  await b.publishAsync(`afg/v1/${SITE}/gw-b/alerts`, JSON.stringify({ id: 'al-3', rev: 0, kind: 'x' }), { qos: 1 });

  await until(() => site.view('gw-b')?.alerts.length === 1 && site.view('gw-b')?.outboxDepth === 3 && site.view('gw-a')?.wearers.length === 1 && errors.get('AFG_E_FLOOR_MODE_PAYLOAD') >= 2, 'both gateways in the view');
  const snap = site.snapshot();
  t.same(snap.gateways.map((g) => [g.gateway, g.status, g.silent]), [['gw-a', 'online', false], ['gw-b', 'online', false]], 'only this site\'s two gateways');
  t.match(snap.broker, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  t.same(site.view('gw-a')!.wearers, [{ id: 'op-0a01', state: 'attentive', score: 0.91, quality: 0.9, ts: 1_767_225_601_000 }]);
  t.same(site.view('gw-b')!.wearers[0]!.score, null, 'sensor lost stays without a score');
  t.match(site.view('gw-b')!.alerts[0], { id: 'al-1', state: 'active', kind: 'sensor_lost', wearer: 'op-0b01' });
  t.equal(errors.get('AFG_E_FLOOR_MODE_PAYLOAD'), 2, 'the truncated and the incomplete alert were dropped and counted');
  t.ok(changed.includes('gw-a') && changed.includes('gw-b'), 'listeners told which gateway changed');

  // live: the alert is acknowledged on gw-b, a repeat of rev 0 (at-least-once) does not undo it
  await b.publishAsync(`afg/v1/${SITE}/gw-b/alerts`, alert('al-1', 1, 'acked', 'op-0b01'), { qos: 1 });
  await b.publishAsync(`afg/v1/${SITE}/gw-b/alerts`, alert('al-1', 0, 'active', 'op-0b01'), { qos: 1 });
  await b.publishAsync(`afg/v1/${SITE}/gw-b/wearers/op-0b01/attention`, attention('op-0b01', 'attentive', 0.8), { qos: 1 });
  await until(() => site.view('gw-b')!.wearers[0]!.state === 'attentive', 'the later attention');
  t.equal(site.view('gw-b')!.alerts[0]!.state, 'acked');

  // gw-b's connection dies without a DISCONNECT: the broker publishes its last will
  b.stream.destroy();
  await until(() => site.view('gw-b')!.status === 'offline', 'the last will');
  t.equal(site.view('gw-a')!.status, 'online', 'the other gateway is unaffected');
});

t.test('a gateway that stops publishing is shown silent after offlineAfterMs', async (t) => {
  let now = 1_000_000;
  const site = new SiteFloor({ url: 'mqtt://127.0.0.1:1', site: SITE, offlineAfterMs: 10_000, now: () => now });
  site.onMessage(`afg/v1/${SITE}/gw-a/status`, Buffer.from(JSON.stringify({ state: 'online', site: SITE, gateway: 'gw-a', version: '1', startedAt: 1, ts: 1 })));
  t.equal(site.view('gw-a')!.silent, false);
  now += 10_001;
  t.equal(site.view('gw-a')!.silent, true);
  t.same(site.health().gateways, [{ gateway: 'gw-a', status: 'online', silent: true, lastMessageAt: 1_000_000 }]);
});

t.test('memory is bounded against a hostile site broker: gateways, wearers, cleared alerts', async (t) => {
  const errors = new ErrorCounter();
  const site = new SiteFloor({ url: 'mqtt://127.0.0.1:1', site: SITE, errors, maxGateways: 2, maxWearersPerGateway: 3, maxClearedPerGateway: 2 });
  for (let g = 0; g < 5; g++) site.onMessage(`afg/v1/${SITE}/gw-${g}/wearers/op-0001/attention`, Buffer.from(attention('op-0001', 'attentive', 0.5)));
  t.equal(site.snapshot().gateways.length, 2);
  for (let w = 0; w < 10; w++) site.onMessage(`afg/v1/${SITE}/gw-0/wearers/op-${w}/attention`, Buffer.from(attention(`op-${w}`, 'attentive', 0.5)));
  t.equal(site.view('gw-0')!.wearers.length, 3);
  for (let i = 0; i < 10; i++) site.onMessage(`afg/v1/${SITE}/gw-0/alerts`, Buffer.from(alert(`c-${i}`, 1, 'cleared', 'op-0')));
  t.equal(site.view('gw-0')!.alerts.length, 2, 'the latest cleared alerts only');
  for (let i = 0; i < 30; i++) site.onMessage(`afg/v1/${SITE}/gw-0/alerts`, Buffer.from(alert(`o-${i}`, 0, 'active', 'op-0')));
  t.equal(site.view('gw-0')!.alerts.length, 3 * 4 + 2, 'alerts capped at 4 per wearer slot plus the cleared allowance');
  t.equal(site.view('gw-0')!.alerts.filter((a) => a.state === 'active').length, 14, 'cleared ones made room first');
  t.ok(errors.get('AFG_E_FLOOR_MODE_PAYLOAD') > 0, 'refusals are counted');
  for (const topic of [`afg/v1/${SITE}/gw+x/status`, `afg/v1/${SITE}/gw-0/wearers/op-1/raw`, `afg/v1/${SITE}/gw-0`, 'other/topic']) site.onMessage(topic, Buffer.from('{}'));
  t.throws(() => new SiteFloor({ url: 'http://x', site: SITE }), RangeError);
  t.throws(() => new SiteFloor({ url: 'mqtt://x', site: 'a/b' }), RangeError);
});
