import mqtt, { type MqttClient } from 'mqtt';
import type { EventBus, DeviceStatus } from '../core/event-bus.ts';
import type { ErrorCounter } from '../core/errors.ts';
import type { Alert, AttentionEstimate, Decision } from '../core/types.ts';
import type { Outbox, OutboxEntry } from './outbox.ts';
import type { AlertPayload, AttentionPayload, DecisionPayload, DeviceStatusPayload, StatusPayload } from './payload-schemas.ts';
import { Topics } from './topics.ts';

export type MqttSinkState = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface MqttSinkOptions {
  url: string;
  site: string;
  gateway: string;
  version: string;
  bus: EventBus;
  outbox: Outbox;
  errors: ErrorCounter;
  clientId?: string | null;
  username?: string | null;
  password?: string | null;
  /** attention is published at most once per wearer per period (ms) */
  attentionPeriodMs?: number;
  /** first reconnect delay (ms); doubles per failed try up to reconnectMaxMs, back to this on CONNACK */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** device status at most once per device per period (ms) */
  devicePeriodMs?: number;
  /** gateway time (ms, monotonic) to epoch ms, for timestamps in payloads */
  toEpochMs: (t: number) => number;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

/**
 * Publishes the bus to line systems over MQTT. Alerts and decisions go into the persisted
 * outbox first and are published from there at QoS 1; an entry leaves the outbox only on the
 * broker's PUBACK, and after a reconnect everything pending is published again in order
 * (at-least-once; consumers de-duplicate on id + rev). mqtt.js's own offline queue is not used:
 * nothing is handed to the client while it is disconnected. Attention estimates are QoS 0
 * telemetry and are simply not sent while the broker is away.
 *
 * @example
 *   const sink = new MqttSink({ url, site, gateway, version, bus, outbox, errors, toEpochMs });
 *   await sink.start();
 *   ...
 *   await sink.stop(); // publishes status offline, waits for PUBACKs
 */
export class MqttSink {
  readonly topics: Topics;
  private readonly o: MqttSinkOptions;
  private client: MqttClient | null = null;
  private readonly inFlight = new Set<string>();
  private readonly lastAttention = new Map<string, number>();
  private readonly lastDevice = new Map<string, number>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly now: () => number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private startedAt: number | null = null;
  private connectedOnce = false;
  private generation = 0;
  published = 0;
  lastError: string | null = null;

  constructor(opts: MqttSinkOptions) {
    if (!/^(mqtts?|wss?|tcp|ssl):\/\//.test(opts.url)) throw new RangeError(`MQTT url '${opts.url}' must start with mqtt://, mqtts://, ws:// or wss://`);
    this.o = opts;
    this.topics = new Topics(opts.site, opts.gateway);
    this.now = opts.now ?? Date.now;
    this.reconnectMinMs = opts.reconnectMinMs ?? 1000;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? 30_000;
    if (!(this.reconnectMinMs > 0 && this.reconnectMaxMs >= this.reconnectMinMs)) throw new RangeError('reconnectMinMs must be > 0 and <= reconnectMaxMs');
    if (opts.attentionPeriodMs !== undefined && !(opts.attentionPeriodMs >= 0)) throw new RangeError('attentionPeriodMs must be >= 0');
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** for /health: where the connection stands */
  get state(): MqttSinkState {
    const c = this.client;
    if (!c) return 'stopped';
    if (c.connected) return 'connected';
    return this.connectedOnce ? 'reconnecting' : 'connecting';
  }

  /** for /health: alerts and decisions not yet acknowledged by the broker */
  get outboxDepth(): number {
    return this.o.outbox.depth();
  }

  /** Connects (resolves at the first CONNACK, or after `waitMs` either way: the gateway runs on without a broker). */
  async start(waitMs = 3000): Promise<void> {
    this.startedAt = this.now();
    const status = (state: 'online' | 'offline'): string =>
      JSON.stringify({ state, site: this.o.site, gateway: this.o.gateway, version: this.o.version, startedAt: state === 'online' ? this.startedAt : null, ts: this.now() } satisfies StatusPayload);
    const client = mqtt.connect(this.o.url, {
      clientId: this.o.clientId ?? `afg-${this.o.site}-${this.o.gateway}`,
      clean: true,
      reconnectPeriod: this.reconnectMinMs,
      connectTimeout: 5000,
      queueQoSZero: false,
      ...(this.o.username ? { username: this.o.username } : {}),
      ...(this.o.password ? { password: this.o.password } : {}),
      will: { topic: this.topics.status(), payload: Buffer.from(status('offline')), qos: 1, retain: true },
    });
    this.client = client;
    client.on('reconnect', () => {
      // backoff: mqtt.js reads reconnectPeriod each time it schedules the next try
      client.options.reconnectPeriod = Math.min(this.reconnectMaxMs, Math.max(this.reconnectMinMs, (client.options.reconnectPeriod ?? this.reconnectMinMs) * 2));
    });
    client.on('connect', () => {
      client.options.reconnectPeriod = this.reconnectMinMs;
      this.generation++;
      this.inFlight.clear();
      this.lastError = null;
      if (!this.connectedOnce) this.o.log?.('info', `MQTT connected to ${this.o.url}`);
      else this.o.log?.('info', `MQTT reconnected; publishing ${this.o.outbox.depth()} pending outbox entries`);
      this.connectedOnce = true;
      client.publish(this.topics.status(), status('online'), { qos: 1, retain: true });
      this.flushOutbox();
    });
    client.on('close', () => {
      this.inFlight.clear();
    });
    client.on('error', (err) => {
      const msg = `AFG_E_MQTT_CONNECT: ${err.message}`;
      if (this.lastError !== msg) this.o.log?.('warn', `${msg} (retrying with backoff)`);
      this.lastError = msg;
      this.o.errors.count('AFG_E_MQTT_CONNECT');
    });
    this.unsubscribe.push(
      this.o.bus.on('alert', (a) => void this.enqueueAlert(a)),
      this.o.bus.on('decision', (d) => void this.enqueueDecision(d)),
      this.o.bus.on('estimate', (e) => this.publishAttention(e)),
      this.o.bus.on('device', (s) => this.publishDevice(s)),
    );
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Publishes the offline status, waits for pending PUBACKs up to `timeoutMs`, disconnects. */
  async stop(timeoutMs = 2000): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    const client = this.client;
    if (!client) return;
    if (!client.connected && !client.disconnecting) {
      // mid-reconnect (a broker restart, a keep-alive miss under load): give it a moment, so
      // line systems get a clean "offline" rather than a stale retained "online"
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(timeoutMs, 1500));
        client.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (client.connected) {
      const offline = JSON.stringify({ state: 'offline', site: this.o.site, gateway: this.o.gateway, version: this.o.version, startedAt: this.startedAt, ts: this.now() } satisfies StatusPayload);
      await Promise.race([
        new Promise<void>((resolve) => client.publish(this.topics.status(), offline, { qos: 1, retain: true }, () => resolve())),
        delay(timeoutMs),
      ]);
      const until = Date.now() + timeoutMs;
      while (this.inFlight.size && Date.now() < until) await delay(20);
    }
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
    this.client = null;
  }

  private async enqueueAlert(a: Alert): Promise<void> {
    const payload: AlertPayload = { ...a, ts: this.now() };
    await this.o.outbox.append({ id: `${a.id}:${a.rev}`, topic: this.topics.alerts(), payload: JSON.stringify(payload), qos: 1, key: a.wearer, cls: 'alert' });
    this.flushOutbox();
  }

  private async enqueueDecision(d: Decision): Promise<void> {
    const payload: DecisionPayload = { ...d, ts: this.now() };
    await this.o.outbox.append({ id: `${d.id}:${d.state}`, topic: this.topics.decisions(), payload: JSON.stringify(payload), qos: 1, key: d.targets[0] ?? 'fleet', cls: 'decision' });
    this.flushOutbox();
  }

  /** Publishes every pending entry not yet in flight on this connection, in raise order. */
  private flushOutbox(): void {
    const client = this.client;
    if (!client?.connected) return;
    const gen = this.generation;
    for (const e of this.o.outbox.pending()) {
      if (this.inFlight.has(e.id)) continue;
      this.inFlight.add(e.id);
      this.publishEntry(client, e, gen);
    }
  }

  private publishEntry(client: MqttClient, e: OutboxEntry, gen: number): void {
    client.publish(e.topic, e.payload, { qos: e.qos }, (err) => {
      if (gen === this.generation) this.inFlight.delete(e.id);
      if (err) return; // stays in the outbox; published again after the reconnect
      this.published++;
      void this.o.outbox.ack(e.id);
    });
  }

  private publishAttention(e: AttentionEstimate): void {
    const client = this.client;
    if (!client?.connected) return;
    const period = this.o.attentionPeriodMs ?? 1000;
    const last = this.lastAttention.get(e.wearer);
    if (last !== undefined && e.t - last < period) return;
    this.lastAttention.set(e.wearer, e.t);
    const payload: AttentionPayload = { wearer: e.wearer, t: e.t, ts: Math.round(this.o.toEpochMs(e.t)), state: e.state, score: e.score === null ? null : round3(e.score), probs: e.probs && { attentive: round3(e.probs.attentive), distracted: round3(e.probs.distracted), drowsy: round3(e.probs.drowsy), overloaded: round3(e.probs.overloaded) }, quality: round3(e.quality), estimator: e.estimator };
    client.publish(this.topics.attention(e.wearer), JSON.stringify(payload), { qos: 0 });
  }

  private publishDevice(s: DeviceStatus): void {
    const client = this.client;
    if (!client?.connected) return;
    const now = this.now();
    const last = this.lastDevice.get(s.device);
    if (last !== undefined && now - last < (this.o.devicePeriodMs ?? 5000)) return;
    this.lastDevice.set(s.device, now);
    const payload: DeviceStatusPayload = { ...s, lastSeen: s.lastSeen === null ? null : Math.round(this.o.toEpochMs(s.lastSeen)), ts: now };
    client.publish(this.topics.device(s.device), JSON.stringify(payload), { qos: 0, retain: true });
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
