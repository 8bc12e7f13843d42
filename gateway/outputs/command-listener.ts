import type { IClientPublishOptions, IPublishPacket } from 'mqtt';
import { Ajv, type ValidateFunction } from 'ajv';
import type { TObject } from '@sinclair/typebox';
import type { CommandPort } from '../commands/command-port.ts';
import { GatewayCommand, type CommandReply } from '../commands/command-schemas.ts';
import type { ErrorCode, ErrorCounter } from '../core/errors.ts';
import type { CommandActors } from './command-actors.ts';
import type { MqttMessageHandler } from './mqtt-sink.ts';
import type { Topics } from './topics.ts';

/** The part of the MQTT connection the listener uses (MqttSink). */
export interface CommandTransport {
  readonly topics: Topics;
  readonly protocolVersion: 4 | 5;
  subscribe(filter: string, qos: 0 | 1, handler: MqttMessageHandler, retainAsPublished?: boolean): void;
  publish(topic: string, payload: string | Buffer, opts: IClientPublishOptions): Promise<boolean>;
}

export interface CommandListenerOptions {
  transport: CommandTransport;
  port: CommandPort;
  actors: CommandActors;
  errors: ErrorCounter;
  /** MQTT 5 response topics that may be used besides `<base>/replies/...` */
  responseTopicPrefixes?: readonly string[];
  /** commands accepted per minute, all senders together (token bucket) */
  maxPerMinute?: number;
  /** a repeated (actor, correlationId) within this window gets the first reply again, not a second execution */
  dedupWindowMs?: number;
  now?: () => number;
  /** monotonic ms (default performance.now): a wall-clock jump back must not empty the token bucket for hours */
  monoNow?: () => number;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

/** Envelope fields that belong to the MQTT transport, not to the command itself. */
const ENVELOPE = ['actor', 'token'] as const;
const MAX_PAYLOAD_BYTES = 16 * 1024;
const MAX_DEDUP = 2000;

/**
 * Commands from line systems over MQTT: subscribes to `<base>/cmd/+`, and for each message
 * checks, in order, that it is well-formed (a known command name on the topic, JSON object, a
 * correlation id, not retained), within the rate limit, from an authorised actor
 * (CommandActors), and valid against the command's schema; only then hands it to the
 * CommandPort. Every outcome is answered on `<base>/replies` (QoS 1) with the correlation id,
 * and, when an MQTT 5 sender set a response topic and correlation data, there too. A refused
 * command is counted under its code and changes nothing. A redelivered command (QoS 1 can
 * deliver twice) is answered again from a short memory instead of running twice.
 *
 * Cost per message: one JSON.parse, one ajv validation, one Map lookup; the port does the rest.
 *
 * @example
 *   const listener = new MqttCommandListener({ transport: sink, port, actors, errors });
 *   listener.start(); // before or after sink.start()
 */
export class MqttCommandListener {
  private readonly o: CommandListenerOptions;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly now: () => number;
  /** monotonic ms for the rate limit and the de-duplication window */
  private readonly monoNow: () => number;
  private readonly maxPerMinute: number;
  private readonly dedupWindowMs: number;
  private tokens: number;
  private lastRefill: number;
  private readonly recent = new Map<string, { at: number; reply: Promise<CommandReply> }>();
  /** commands handed to the port, and refusals by code (also in the ErrorCounter) */
  executed = 0;
  readonly refused: Partial<Record<ErrorCode, number>> = {};

  constructor(opts: CommandListenerOptions) {
    this.o = opts;
    this.now = opts.now ?? Date.now;
    this.monoNow = opts.monoNow ?? opts.now ?? (() => performance.now());
    this.maxPerMinute = opts.maxPerMinute ?? 600;
    this.dedupWindowMs = opts.dedupWindowMs ?? 10 * 60_000;
    if (!(Number.isInteger(this.maxPerMinute) && this.maxPerMinute > 0)) throw new RangeError('maxPerMinute must be a positive integer');
    for (const p of opts.responseTopicPrefixes ?? []) if (/[+#]/.test(p) || p === '') throw new RangeError(`response topic prefix '${p}' must be a plain topic prefix (no wildcards)`);
    this.tokens = this.maxPerMinute;
    this.lastRefill = this.monoNow();
    const ajv = new Ajv({ strict: false, allErrors: false });
    for (const schema of (GatewayCommand as unknown as { anyOf: TObject[] }).anyOf) {
      const name = (schema.properties['command'] as unknown as { const: string }).const;
      this.validators.set(name, ajv.compile(schema));
    }
  }

  start(): void {
    // retain-as-published: a retained command is refused even on live delivery (MQTT 5)
    this.o.transport.subscribe(this.o.transport.topics.commands(), 1, (topic, payload, packet) => void this.handle(topic, payload, packet), true);
  }

  /** Handles one message; resolves with the reply that was published (exposed for tests). */
  async handle(topic: string, payload: Buffer, packet: IPublishPacket): Promise<CommandReply> {
    const name = topic.slice(topic.lastIndexOf('/') + 1);
    const props = packet.properties ?? {};
    const responseTopic = typeof props.responseTopic === 'string' ? props.responseTopic : null;
    const correlationData = Buffer.isBuffer(props.correlationData) ? props.correlationData : null;
    const refuse = (code: ErrorCode, reason: string, correlationId: string | null, command: string | null): Promise<CommandReply> => {
      this.o.errors.count(code);
      this.refused[code] = (this.refused[code] ?? 0) + 1;
      const reply: CommandReply = { correlationId, command, ok: false, code, reason, ts: this.now() };
      return this.reply(reply, responseTopic, correlationData).then(() => reply);
    };
    const command = this.validators.has(name) ? name : null;

    // 1. well-formed
    let body: Record<string, unknown> | null = null;
    if (payload.length <= MAX_PAYLOAD_BYTES) {
      try {
        const v: unknown = JSON.parse(payload.toString('utf8'));
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) body = v as Record<string, unknown>;
      } catch {
        /* not JSON */
      }
    }
    const fromData = correlationData && correlationData.length <= 128 ? correlationData.toString('utf8') : null;
    const correlationId = body && typeof body['correlationId'] === 'string' ? body['correlationId'] : fromData;
    if (command === null) return refuse('AFG_E_MQTT_COMMAND_INVALID', `unknown command '${name.slice(0, 80)}' (known: ${[...this.validators.keys()].join(', ')})`, correlationId, null);
    if (payload.length > MAX_PAYLOAD_BYTES) return refuse('AFG_E_MQTT_COMMAND_INVALID', `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`, correlationId, command);
    if (!body) return refuse('AFG_E_MQTT_COMMAND_INVALID', 'payload is not a JSON object', correlationId, command);
    if (packet.retain) return refuse('AFG_E_MQTT_COMMAND_INVALID', 'retained commands are refused: a retained message would run again on every reconnect', correlationId, command);
    if (correlationId === null) return refuse('AFG_E_MQTT_COMMAND_INVALID', 'no correlationId (payload field, or MQTT 5 correlation data)', null, command);
    if (body['command'] !== undefined && body['command'] !== command) return refuse('AFG_E_MQTT_COMMAND_INVALID', `payload command '${String(body['command']).slice(0, 80)}' does not match the topic's '${command}'`, correlationId, command);
    if (responseTopic !== null && !this.responseTopicAllowed(responseTopic)) return refuse('AFG_E_MQTT_COMMAND_INVALID', `response topic '${responseTopic.slice(0, 200)}' is not allowed (use ${this.o.transport.topics.replies()}/... or a configured mqtt.commands.responseTopicPrefixes entry)`, correlationId, command);

    // 2. rate
    if (!this.takeToken()) return refuse('AFG_E_MQTT_COMMAND_RATE_LIMITED', `more than ${this.maxPerMinute} commands per minute`, correlationId, command);

    // 3. who
    const user = userProperties(props.userProperties);
    const actorField = typeof body['actor'] === 'string' ? body['actor'] : undefined;
    const tokenField = typeof body['token'] === 'string' ? body['token'] : undefined;
    if (actorField !== undefined && user['actor'] !== undefined && actorField !== user['actor']) return refuse('AFG_E_MQTT_COMMAND_UNAUTHORISED', 'the payload and the MQTT 5 user property name different actors', correlationId, command);
    const who = this.o.actors.check(actorField ?? user['actor'], tokenField ?? user['token']);
    if (!who.ok) return refuse('AFG_E_MQTT_COMMAND_UNAUTHORISED', who.reason, correlationId, command);

    // 4. schema (the command without the transport envelope)
    const cmd: Record<string, unknown> = { ...body, command, correlationId };
    for (const k of ENVELOPE) delete cmd[k];
    const valid = this.validators.get(command)!;
    if (!valid(cmd)) {
      const e = valid.errors?.[0];
      const at = !e ? '/' : e.keyword === 'additionalProperties' ? `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}` : e.instancePath || '/';
      return refuse('AFG_E_MQTT_COMMAND_INVALID', `${command}: field ${at} ${e?.keyword === 'additionalProperties' ? 'is not a known field' : (e?.message ?? 'is invalid')}`, correlationId, command);
    }

    // 5. once per (actor, correlationId), then the port
    const key = `${who.actor}\u0000${correlationId}`;
    const now = this.monoNow();
    this.forgetOld(now);
    const seen = this.recent.get(key);
    if (seen) {
      const again = await seen.reply;
      await this.reply(again, responseTopic, correlationData);
      return again;
    }
    const run = this.execute(cmd, who.actor, who.role, command, correlationId);
    this.recent.set(key, { at: now, reply: run });
    const reply = await run;
    await this.reply(reply, responseTopic, correlationData);
    return reply;
  }

  private async execute(cmd: Record<string, unknown>, actor: string, role: Parameters<CommandPort['execute']>[1]['role'], command: string, correlationId: string): Promise<CommandReply> {
    this.executed++;
    try {
      return await this.o.port.execute(cmd, { actor, role, via: 'mqtt' });
    } catch (err) {
      // the port promises not to throw; if it does, the sender still gets an answer
      this.o.errors.count('AFG_E_MQTT_COMMAND_FAILED');
      this.refused.AFG_E_MQTT_COMMAND_FAILED = (this.refused.AFG_E_MQTT_COMMAND_FAILED ?? 0) + 1;
      this.o.log?.('error', `AFG_E_MQTT_COMMAND_FAILED: ${command} ${correlationId}: ${(err as Error).message}`);
      return { correlationId, command, ok: false, code: 'AFG_E_MQTT_COMMAND_FAILED', reason: 'the gateway could not carry out the command', ts: this.now() };
    }
  }

  private async reply(reply: CommandReply, responseTopic: string | null, correlationData: Buffer | null): Promise<void> {
    const body = JSON.stringify(reply);
    const sent = [this.o.transport.publish(this.o.transport.topics.replies(), body, { qos: 1 })];
    if (responseTopic !== null && this.o.transport.protocolVersion === 5 && this.responseTopicAllowed(responseTopic)) {
      sent.push(this.o.transport.publish(responseTopic, body, { qos: 1, properties: correlationData ? { correlationData } : {} }));
    }
    const ok = await Promise.all(sent);
    if (ok.includes(false)) this.o.log?.('warn', `command reply ${reply.correlationId ?? '(no id)'} could not be published (broker away or refused)`);
  }

  private responseTopicAllowed(t: string): boolean {
    if (/[+#\u0000]/.test(t) || t.length > 512) return false;
    if (t.startsWith(`${this.o.transport.topics.replies()}/`)) return true;
    return (this.o.responseTopicPrefixes ?? []).some((p) => t.startsWith(p));
  }

  private takeToken(): boolean {
    const now = this.monoNow();
    this.tokens = Math.min(this.maxPerMinute, this.tokens + ((now - this.lastRefill) * this.maxPerMinute) / 60_000);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private forgetOld(now: number): void {
    for (const [k, v] of this.recent) {
      if (now - v.at <= this.dedupWindowMs && this.recent.size <= MAX_DEDUP) break; // insertion order is age order
      this.recent.delete(k);
    }
  }
}

function userProperties(p: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (!p || typeof p !== 'object') return out;
  for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0];
  }
  return out;
}
