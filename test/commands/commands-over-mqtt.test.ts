import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { Ajv } from 'ajv';
import { startGateway } from '../../gateway/app/gateway-app.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { AlertPayload, DecisionPayload } from '../../gateway/outputs/payload-schemas.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { requireBinary } from '../helpers/system-binary.ts';
import { waitFor } from '../helpers/gateway-process.ts';

const skip = requireBinary('mosquitto');
const ajv = new Ajv({ strict: false });
const validAlert = ajv.compile(AlertPayload);
const validDecision = ajv.compile(DecisionPayload);
const BASE = 'afg/v1/it-cmd/gw-c';

/*
 * The whole loop through a real Mosquitto and the real gateway: an operator alert (sensor lost:
 * no device delivers) is acknowledged by a supervisor over cmd/alert.ack; a break decision
 * (time on task, with a relief to cover) goes out on decisions at QoS 1 and is accepted by the
 * line system over cmd/decision.accept. The results come back as alert/decision revisions on
 * MQTT, the audit trail says who did it via mqtt.
 */
t.test('commands over MQTT reach the CommandPort; results go out through the outbox', { skip, timeout: 170_000 }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-cmd-mqtt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = validateConfig({
    site: 'it-cmd',
    gateway: 'gw-c',
    dataDir: `${dir}/data`,
    mqtt: { url: broker.url, commands: { actors: [{ id: 'sup-01', role: 'supervisor' }, { id: 'mes-1', role: 'line_system' }] } },
    dashboard: { enabled: false },
    stations: [{ id: 'st-01', name: 'Press', safetyCritical: true }],
    wearers: [{ id: 'op-0001', role: 'operator', station: 'st-01' }],
    scheduler: { maxWorkS: 60, relief: [{ id: 'rl-0001' }] },
  });
  const sub = mqtt.connect(broker.url, { clientId: 'it-line' });
  t.teardown(() => void sub.end(true));
  const got: { topic: string; body: Record<string, unknown>; qos: number }[] = [];
  sub.on('message', (topic, p, pkt) => got.push({ topic, body: JSON.parse(p.toString()) as Record<string, unknown>, qos: pkt.qos }));
  await new Promise<void>((r) => sub.on('connect', () => sub.subscribe(`${BASE}/#`, { qos: 1 }, () => r())));

  const gw = await startGateway({ config, baseDir: dir, version: 'test', logger: pino({ level: 'silent' }) });
  let stopped = false;
  t.teardown(() => (stopped ? undefined : gw.stop()));
  const alerts = () => got.filter((m) => m.topic === `${BASE}/alerts`).map((m) => m.body);
  const replies = () => got.filter((m) => m.topic === `${BASE}/replies`).map((m) => m.body);
  t.ok(await waitFor(() => alerts().some((a) => a['kind'] === 'sensor_lost'), 30_000), 'sensor_lost raised for the operator');
  const raised = alerts().find((a) => a['kind'] === 'sensor_lost')!;
  t.match(raised, { wearer: 'op-0001', level: 1, audience: 'wearer', state: 'active' });

  sub.publish(`${BASE}/cmd/alert.ack`, JSON.stringify({ actor: 'sup-01', command: 'alert.ack', correlationId: 'ack-it', alertId: raised['id'], note: 'sensor swapped' }), { qos: 1 });
  t.ok(await waitFor(() => replies().some((r) => r['correlationId'] === 'ack-it'), 20_000), 'a reply');
  t.match(replies().find((r) => r['correlationId'] === 'ack-it'), { ok: true, command: 'alert.ack', result: { state: 'acked', alertId: raised['id'] } });
  t.ok(await waitFor(() => alerts().some((a) => a['id'] === raised['id'] && a['state'] === 'acked'), 20_000), 'the acked revision on alerts');
  const acked = got.find((m) => m.topic === `${BASE}/alerts` && m.body['state'] === 'acked')!;
  t.equal(acked.qos, 1, 'QoS 1');
  t.match(acked.body, { by: 'sup-01', rev: 1 });
  t.ok(validAlert(acked.body));

  const decisions = () => got.filter((m) => m.topic === `${BASE}/decisions`);
  t.ok(await waitFor(() => decisions().some((m) => m.body['kind'] === 'break'), 100_000), 'a break decision after 60 s on task');
  const d = decisions().find((m) => m.body['kind'] === 'break')!;
  t.equal(d.qos, 1);
  t.ok(validDecision(d.body), 'a valid DecisionPayload');
  t.match(d.body, { state: 'pending', targets: ['op-0001', 'rl-0001'], station: 'st-01', inputs: { due: 'time', cover: 'rl-0001' } });
  sub.publish(`${BASE}/cmd/decision.accept`, JSON.stringify({ actor: 'mes-1', command: 'decision.accept', correlationId: 'acc-it', decisionId: d.body['id'] }), { qos: 1 });
  t.ok(await waitFor(() => decisions().some((m) => m.body['id'] === d.body['id'] && m.body['state'] === 'accepted'), 20_000), 'the accepted revision on decisions');
  t.match(replies().find((r) => r['correlationId'] === 'acc-it'), { ok: true, result: { state: 'accepted' } });
  const bad = { actor: 'sup-01', command: 'decision.reject', correlationId: 'rej-it', decisionId: d.body['id'] };
  sub.publish(`${BASE}/cmd/decision.reject`, JSON.stringify(bad), { qos: 1 });
  t.ok(await waitFor(() => replies().some((r) => r['correlationId'] === 'rej-it'), 20_000));
  t.match(replies().find((r) => r['correlationId'] === 'rej-it'), { ok: false, code: 'AFG_E_COMMAND_CONFLICT' }, 'already accepted');
  // the audit trail
  stopped = true;
  await gw.stop();
  const { GatewayStore } = await import('../../gateway/store/gateway-store.ts');
  const store = await GatewayStore.open({ dir: `${dir}/data` });
  t.match(store.auditOf(raised['id'] as string), [{ actor: 'sup-01', role: 'supervisor', via: 'mqtt', action: 'alert.ack', note: 'sensor swapped' }]);
  t.match(store.auditOf(d.body['id'] as string), [{ actor: 'mes-1', role: 'line_system', via: 'mqtt', action: 'decision.accept' }]);
  t.same(store.data.decisions[d.body['id'] as string]!.history.map((h) => h.state), ['pending', 'accepted']);
  await store.close();
});
