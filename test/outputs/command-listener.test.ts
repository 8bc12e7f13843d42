import t from 'tap';
import type { Test } from 'tap';
import mqtt, { type MqttClient } from 'mqtt';
import { Ajv } from 'ajv';
import type { CommandContext, CommandPort } from '../../gateway/commands/command-port.ts';
import { CommandReply } from '../../gateway/commands/command-schemas.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { CommandActors, tokenSha256 } from '../../gateway/outputs/command-actors.ts';
import { MqttCommandListener } from '../../gateway/outputs/command-listener.ts';
import { MqttSink } from '../../gateway/outputs/mqtt-sink.ts';
import { Outbox } from '../../gateway/outputs/outbox.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { requireBinary } from '../helpers/system-binary.ts';

const skip = requireBinary('mosquitto');
const validReply = new Ajv({ strict: false }).compile(CommandReply);
const BASE = 'afg/v1/plant-1/gw-a';

/** A CommandPort that records what reached it and accepts everything (the real one is the policy's). */
class RecordingPort implements CommandPort {
  calls: { command: Record<string, unknown>; ctx: CommandContext }[] = [];
  throwNext = false;
  async execute(command: unknown, ctx: CommandContext) {
    if (this.throwNext) {
      this.throwNext = false;
      throw new Error('boom');
    }
    const c = command as Record<string, unknown>;
    this.calls.push({ command: c, ctx });
    return { correlationId: c['correlationId'] as string, command: c['command'] as string, ok: true, result: { state: 'acked' }, ts: Date.now() };
  }
}

async function until(cond: () => boolean, ms = 10_000, what = 'condition') {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function setup(t: Test, opts: { maxPerMinute?: number; protocolVersion?: 4 | 5 } = {}) {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const errors = new ErrorCounter();
  const outbox = await Outbox.open({ dir: t.testdir(), errors });
  const sink = new MqttSink({
    url: broker.url,
    site: 'plant-1',
    gateway: 'gw-a',
    version: 'test',
    bus: new EventBus(),
    outbox,
    errors,
    connection: { url: broker.url, protocolVersion: opts.protocolVersion ?? 5, keepaliveS: 30, reconnectMinMs: 100, reconnectMaxMs: 500, username: null, password: null, tls: { ca: null, cert: null, key: null, rejectUnauthorized: true, servername: null } },
    toEpochMs: (x) => x,
  });
  const port = new RecordingPort();
  const actors = new CommandActors([
    { id: 'mes-1', role: 'line_system' },
    { id: 'sup-7a', role: 'supervisor', tokenSha256: tokenSha256('let-me-in') },
  ]);
  const listener = new MqttCommandListener({ transport: sink, port, actors, errors, maxPerMinute: opts.maxPerMinute ?? 600, responseTopicPrefixes: ['mes/responses/'] });
  listener.start();
  await sink.start(10_000);
  t.teardown(async () => {
    await sink.stop(300);
    await outbox.close();
  });
  // a line system on MQTT 5, watching everything under the gateway and its own response topics
  const mes = mqtt.connect(broker.url, { protocolVersion: 5, clientId: `mes-${Math.random().toString(16).slice(2)}` });
  t.teardown(() => void mes.end(true));
  const got: { topic: string; payload: string; correlationData?: Buffer }[] = [];
  mes.on('message', (topic, p, pkt) => got.push({ topic, payload: p.toString(), ...(pkt.properties?.correlationData ? { correlationData: pkt.properties.correlationData } : {}) }));
  await new Promise<void>((r) => mes.on('connect', () => mes.subscribe([`${BASE}/#`, 'mes/responses/#'], { qos: 1 }, () => r())));
  const replies = () => got.filter((m) => m.topic === `${BASE}/replies`).map((m) => JSON.parse(m.payload) as CommandReply);
  return { broker, errors, sink, port, listener, mes, got, replies };
}

function send(mes: MqttClient, name: string, body: unknown, opts: mqtt.IClientPublishOptions = {}): Promise<void> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((r) => mes.publish(`${BASE}/cmd/${name}`, payload, { qos: 1, ...opts }, () => r()));
}

t.test('a valid command from a configured actor reaches the port once and is answered with its correlation id', { skip }, async (t) => {
  const { mes, port, replies, got } = await setup(t);
  await send(mes, 'alert.ack', { actor: 'mes-1', correlationId: 'c-1', alertId: 'al-dr-19c2-0007', note: 'seen' });
  await until(() => replies().length === 1, 10_000, 'the reply');
  t.equal(port.calls.length, 1);
  t.same(port.calls[0]!.command, { command: 'alert.ack', correlationId: 'c-1', alertId: 'al-dr-19c2-0007', note: 'seen' }, 'the command without the transport envelope, command filled from the topic');
  t.same(port.calls[0]!.ctx, { actor: 'mes-1', role: 'line_system', via: 'mqtt' });
  const r = replies()[0]!;
  t.ok(validReply(r), `reply matches CommandReply ${JSON.stringify(validReply.errors ?? [])}`);
  t.match(r, { correlationId: 'c-1', command: 'alert.ack', ok: true, result: { state: 'acked' } });
  t.same(got.filter((m) => !/\/(replies|status|outbox)$/.test(m.topic) && !m.topic.includes('/cmd/')), [], 'nothing but the reply was published');
});

t.test('MQTT 5: actor as a user property, correlation data as the id, reply also on the response topic', { skip }, async (t) => {
  const { mes, port, got, replies } = await setup(t);
  const corr = Buffer.from('req-42');
  await send(mes, 'decision.accept', { decisionId: 'dc-0042' }, { properties: { responseTopic: 'mes/responses/line-1', correlationData: corr, userProperties: { actor: 'mes-1' } } });
  await until(() => got.some((m) => m.topic === 'mes/responses/line-1'), 10_000, 'the reply on the response topic');
  t.equal(port.calls.length, 1);
  t.equal(port.calls[0]!.command['correlationId'], 'req-42', 'correlation data stands in for a missing correlationId');
  const onResponse = got.find((m) => m.topic === 'mes/responses/line-1')!;
  t.same(onResponse.correlationData, corr, 'correlation data echoed');
  t.equal(JSON.parse(onResponse.payload).correlationId, 'req-42');
  await until(() => replies().length === 1);
  t.equal(replies()[0]!.correlationId, 'req-42', 'and on the replies topic');
});

t.test('refusals: a reply with the reason and a counted code, and the port never sees them', { skip }, async (t) => {
  const { mes, port, replies, errors, got } = await setup(t);
  const cases: [string, unknown, mqtt.IClientPublishOptions, string, RegExp][] = [
    ['alert.ack', { actor: 'intruder', correlationId: 'r-1', alertId: 'a' }, {}, 'AFG_E_MQTT_COMMAND_UNAUTHORISED', /not authorised/],
    ['alert.ack', { correlationId: 'r-2', alertId: 'a' }, {}, 'AFG_E_MQTT_COMMAND_UNAUTHORISED', /names no actor/],
    ['alert.ack', { actor: 'sup-7a', correlationId: 'r-3', alertId: 'a' }, {}, 'AFG_E_MQTT_COMMAND_UNAUTHORISED', /wrong token/],
    ['alert.ack', { actor: 'sup-7a', token: 'guess', correlationId: 'r-4', alertId: 'a' }, {}, 'AFG_E_MQTT_COMMAND_UNAUTHORISED', /wrong token/],
    ['alert.ack', { actor: 'mes-1', correlationId: 'r-5' }, {}, 'AFG_E_MQTT_COMMAND_INVALID', /alert\.ack: field \/ must have required property 'alertId'/],
    ['alert.shelve', { actor: 'mes-1', correlationId: 'r-6', alertId: 'a', forS: -5 }, {}, 'AFG_E_MQTT_COMMAND_INVALID', /field \/forS must be > 0/],
    ['alert.ack', { actor: 'mes-1', correlationId: 'r-7', alertId: 'a', extra: 1 }, {}, 'AFG_E_MQTT_COMMAND_INVALID', /field \/extra is not a known field/],
    ['alert.ack', { actor: 'mes-1', correlationId: 'r-8', alertId: 'a', command: 'decision.reject' }, {}, 'AFG_E_MQTT_COMMAND_INVALID', /does not match the topic/],
    ['reboot', { actor: 'mes-1', correlationId: 'r-9' }, {}, 'AFG_E_MQTT_COMMAND_INVALID', /unknown command 'reboot'/],
    ['alert.ack', '{"actor": "mes-1", "correlationId": "r-10", ', {}, 'AFG_E_MQTT_COMMAND_INVALID', /not a JSON object/],
    ['alert.ack', { actor: 'mes-1', alertId: 'a' }, {}, 'AFG_E_MQTT_COMMAND_INVALID', /no correlationId/],
    ['alert.ack', { actor: 'mes-1', correlationId: 'r-12', alertId: 'a' }, { retain: true }, 'AFG_E_MQTT_COMMAND_INVALID', /retained commands are refused/],
    // a response topic on the gateway's own alerts would let a sender forge gateway messages
    ['alert.ack', { actor: 'mes-1', correlationId: 'r-13', alertId: 'a' }, { properties: { responseTopic: `${BASE}/alerts` } }, 'AFG_E_MQTT_COMMAND_INVALID', /response topic .* is not allowed/],
    ['alert.ack', { actor: 'mes-1', correlationId: 'r-14', alertId: 'a' }, { properties: { userProperties: { actor: 'sup-7a' } } }, 'AFG_E_MQTT_COMMAND_UNAUTHORISED', /name different actors/],
  ];
  for (const [name, body, opts, code, reason] of cases) {
    const before = replies().length;
    await send(mes, name, body, opts);
    await until(() => replies().length === before + 1, 10_000, `the refusal of ${JSON.stringify(body)}`);
    const r = replies().at(-1)!;
    t.ok(validReply(r), 'reply matches CommandReply');
    t.equal(r.ok, false, `${name} ${JSON.stringify(body)} refused`);
    t.equal(r.code, code);
    t.match(r.reason, reason);
  }
  t.equal(port.calls.length, 0, 'nothing reached the port');
  t.equal(errors.get('AFG_E_MQTT_COMMAND_UNAUTHORISED'), 5);
  t.equal(errors.get('AFG_E_MQTT_COMMAND_INVALID'), 9);
  t.equal(replies().find((r) => r.reason?.includes('not a JSON object'))!.correlationId, null, 'no id in a malformed payload: null');
  t.notOk(got.some((m) => m.topic === `${BASE}/alerts`), 'nothing on the alerts topic');
  // mqtt clean up: the retained refusal must not stay on the broker as a retained command
  await new Promise<void>((r) => mes.publish(`${BASE}/cmd/alert.ack`, '', { qos: 1, retain: true }, () => r()));
});

t.test('a token-holding actor is accepted with the right token (payload or user property)', { skip }, async (t) => {
  const { mes, port, replies } = await setup(t);
  await send(mes, 'threshold.set', { actor: 'sup-7a', token: 'let-me-in', correlationId: 't-1', name: 'operator.fatigue.enter', value: 0.7 });
  await send(mes, 'alert.ack', { correlationId: 't-2', alertId: 'a' }, { properties: { userProperties: { actor: 'sup-7a', token: 'let-me-in' } } });
  await until(() => replies().length === 2);
  t.same(replies().map((r) => r.ok), [true, true]);
  t.same(port.calls.map((c) => c.ctx.role), ['supervisor', 'supervisor']);
  t.notOk('token' in port.calls[0]!.command, 'the token is not passed on');
});

t.test('a redelivered command (same actor and correlation id) runs once and is answered twice', { skip }, async (t) => {
  const { mes, port, replies } = await setup(t);
  const body = { actor: 'mes-1', correlationId: 'dup-1', decisionId: 'dc-1' };
  await send(mes, 'decision.reject', body);
  await send(mes, 'decision.reject', body);
  await until(() => replies().length === 2);
  t.equal(port.calls.length, 1, 'executed once');
  t.same(replies()[0], replies()[1], 'the same reply twice');
});

t.test('more than maxPerMinute commands: the excess is refused and counted', { skip }, async (t) => {
  const { mes, port, replies, errors } = await setup(t, { maxPerMinute: 3 });
  for (let i = 0; i < 5; i++) await send(mes, 'alert.ack', { actor: 'mes-1', correlationId: `rl-${i}`, alertId: 'a' });
  await until(() => replies().length === 5);
  t.equal(port.calls.length, 3);
  t.equal(replies().filter((r) => r.code === 'AFG_E_MQTT_COMMAND_RATE_LIMITED').length, 2);
  t.equal(errors.get('AFG_E_MQTT_COMMAND_RATE_LIMITED'), 2);
});

t.test('a port that throws still yields a reply (AFG_E_MQTT_COMMAND_FAILED)', { skip }, async (t) => {
  const { mes, port, replies, errors } = await setup(t);
  port.throwNext = true;
  await send(mes, 'alert.ack', { actor: 'mes-1', correlationId: 'f-1', alertId: 'a' });
  await until(() => replies().length === 1);
  t.match(replies()[0], { ok: false, code: 'AFG_E_MQTT_COMMAND_FAILED', correlationId: 'f-1' });
  t.equal(errors.get('AFG_E_MQTT_COMMAND_FAILED'), 1);
});

t.test('MQTT 3.1.1: commands work with payload fields only', { skip }, async (t) => {
  const { mes, port, replies } = await setup(t, { protocolVersion: 4 });
  await send(mes, 'alert.ack', { actor: 'mes-1', correlationId: 'v4-1', alertId: 'a' }, { properties: { responseTopic: 'mes/responses/x' } });
  await until(() => replies().length === 1);
  t.equal(port.calls.length, 1);
  t.equal(replies()[0]!.correlationId, 'v4-1');
});

t.test('configuration of actors is checked', async (t) => {
  t.throws(() => new CommandActors([{ id: 'a', role: 'supervisor' }, { id: 'a', role: 'team_lead' }]), /listed twice/);
  t.throws(() => new CommandActors([{ id: 'a', role: 'supervisor', tokenSha256: 'abc' }]), /64 lowercase hex/);
  const port = new RecordingPort();
  const transport = { topics: { base: BASE, replies: () => `${BASE}/replies` } as never, protocolVersion: 5 as const, subscribe: () => undefined, publish: async () => true };
  t.throws(() => new MqttCommandListener({ transport, port, actors: new CommandActors([]), errors: new ErrorCounter(), responseTopicPrefixes: ['a/#'] }), /no wildcards/);
  t.throws(() => new MqttCommandListener({ transport, port, actors: new CommandActors([]), errors: new ErrorCounter(), maxPerMinute: 0 }), /positive/);
});
