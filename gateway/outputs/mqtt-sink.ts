import mqtt, { type IClientPublishOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { EventBus, DeviceStatus } from '../core/event-bus.ts';
import type { ErrorCode, ErrorCounter } from '../core/errors.ts';
import type { Alert, AttentionEstimate, Decision } from '../core/types.ts';
import { classifyMqttError, mqttClientOptions, nextBackoff, type MqttConnectionSettings } from './mqtt-connection.ts';
import { endClient } from './end-client.ts';
import { topicMatches } from './topic-filter.ts';
import type { Outbox, OutboxEntry } from './outbox.ts';
import { AttentionSummary } from './attention-summary.ts';
import type { AlertPayload, AttentionPayload, AttentionSummaryPayload, DecisionPayload, DeviceStatusPayload, OutboxReportPayload, StatusPayload } from './payload-schemas.ts';
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
  /** protocol, credentials, TLS, backoff (mqttConnectionSettings); without it: MQTT 3.1.1, no TLS, the fields below */
  connection?: MqttConnectionSettings;
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
  /** aggregate attention per wearer over this period (ms), QoS 1 through the outbox as telemetry; null/absent: off */
  summaryPeriodMs?: number | null;
  /** the retained outbox report is published at least this often while connected (ms) */
  outboxReportPeriodMs?: number;
  /** gateway time (ms, monotonic) to epoch ms, for timestamps in payloads */
  toEpochMs: (t: number) => number;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

/** An inbound subscription: re-made on every CONNACK (clean session), dispatched by filter. */
export type MqttMessageHandler = (topic: string, payload: Buffer, packet: IPublishPacket) => void;

/**
 * Publishes the bus to line systems over MQTT. Alerts and decisions go into the persisted
 * outbox first and are published from there at QoS 1; an entry leaves the outbox only on the
 * broker's PUBACK, and after a reconnect everything pending is published again in order
 * (at-least-once; consumers de-duplicate on id + rev). mqtt.js's own offline queue is not used:
 * nothing is handed to the client while it is disconnected. Attention estimates are QoS 0
 * telemetry and are simply not sent while the broker is away.
 *
 * Connection failures are classified (AFG_E_MQTT_AUTH, AFG_E_MQTT_TLS, AFG_E_MQTT_CONNECT),
 * logged once per distinct error, counted per try, and retried with exponential backoff; the
 * rest of the gateway never waits for the broker. With MQTT 5 a publish the broker's ACL
 * refuses comes back as a PUBACK reason code: it is counted (AFG_E_MQTT_ACL_DENIED) and the entry
 * stays in the outbox until a later connection. (MQTT 3.1.1 has no way to say so: Mosquitto
 * acknowledges and drops a denied publish, which is why the default for a plant broker is 5.)
 *
 * Other outputs of the same connection (command replies) use `publish`; inbound topics
 * (commands, vehicle speed) register with `subscribe`. The sink reads its own `status` topic
 * too, to find a second process running with the same site and gateway ids
 * (AFG_E_MQTT_DUPLICATE_GATEWAY, `duplicateOf`).
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
  private readonly conn: MqttConnectionSettings;
  private client: MqttClient | null = null;
  private readonly inFlight = new Set<string>();
  private readonly lastAttention = new Map<string, number>();
  private readonly lastDevice = new Map<string, number>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly subscriptions: { filter: string; qos: 0 | 1; rap: boolean; handler: MqttMessageHandler }[] = [];
  private readonly now: () => number;
  private startedAt: number | null = null;
  private connectedOnce = false;
  private generation = 0;
  private deniedTopics = new Set<string>();
  private readonly summary: AttentionSummary | null;
  private reportTimer: NodeJS.Timeout | null = null;
  private reportDue: NodeJS.Timeout | null = null;
  /** monotonic ms of the last outbox report (rate limit: one a second) */
  private lastReportAt = -Infinity;
  published = 0;
  /** the last connection error, `AFG_E_...: message`; null while connected */
  lastError: string | null = null;
  lastErrorCode: ErrorCode | null = null;
  /** failed connection tries since the last CONNACK */
  failedTries = 0;
  /** startedAt of another process publishing as this gateway (same site and gateway ids), while it is online; else null */
  duplicateOf: number | null = null;
  private readonly duplicatesLogged = new Set<number>();
  private stopping = false;

  constructor(opts: MqttSinkOptions) {
    if (!/^(mqtts?|wss?|tcp|ssl):\/\//.test(opts.url)) throw new RangeError(`MQTT url '${opts.url}' must start with mqtt://, mqtts://, ws:// or wss://`);
    this.o = opts;
    this.topics = new Topics(opts.site, opts.gateway);
    this.now = opts.now ?? Date.now;
    this.conn = opts.connection ?? {
      url: opts.url,
      protocolVersion: 4,
      keepaliveS: 30,
      reconnectMinMs: opts.reconnectMinMs ?? 1000,
      reconnectMaxMs: opts.reconnectMaxMs ?? 30_000,
      username: opts.username ?? null,
      password: opts.password ?? null,
      tls: { ca: null, cert: null, key: null, rejectUnauthorized: true, servername: null },
    };
    if (!(this.conn.reconnectMinMs > 0 && this.conn.reconnectMaxMs >= this.conn.reconnectMinMs)) throw new RangeError('reconnectMinMs must be > 0 and <= reconnectMaxMs');
    if (opts.attentionPeriodMs !== undefined && !(opts.attentionPeriodMs >= 0)) throw new RangeError('attentionPeriodMs must be >= 0');
    this.summary = opts.summaryPeriodMs ? new AttentionSummary(opts.summaryPeriodMs, opts.toEpochMs) : null;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  get protocolVersion(): 4 | 5 {
    return this.conn.protocolVersion;
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

  /** the client id this sink connects with */
  get clientId(): string {
    return this.o.clientId ?? `afg-${this.o.site}-${this.o.gateway}`;
  }

  /**
   * Receives messages on `filter` (made again after every reconnect). Register before start()
   * or at any time; a filter the broker's ACL refuses is counted (AFG_E_MQTT_ACL_DENIED).
   * `retainAsPublished` (MQTT 5) keeps the retain flag on live deliveries, so a handler can
   * tell a retained message from a fresh one (3.1.1 clears it on live delivery, §3.3.1.3).
   */
  subscribe(filter: string, qos: 0 | 1, handler: MqttMessageHandler, retainAsPublished = false): void {
    const s = { filter, qos, rap: retainAsPublished, handler };
    this.subscriptions.push(s);
    if (this.client?.connected) this.subscribeOn(this.client, [s]);
  }

  /**
   * Publishes on the current connection; resolves true on PUBACK (QoS 1) or hand-off (QoS 0),
   * false when disconnected or refused. Not persisted: for replies, which are only meaningful
   * on the connection that brought the command.
   */
  publish(topic: string, payload: string | Buffer, opts: IClientPublishOptions): Promise<boolean> {
    const client = this.client;
    if (!client?.connected) return Promise.resolve(false);
    return new Promise((resolve) => {
      client.publish(topic, payload, opts, (err) => {
        if (err) this.noteDenied(topic, err);
        resolve(!err);
      });
    });
  }

  /** Connects (resolves at the first CONNACK, or after `waitMs` either way: the gateway runs on without a broker). */
  async start(waitMs = 3000): Promise<void> {
    this.startedAt = this.now();
    const status = (state: 'online' | 'offline'): string => this.statusPayload(state, state === 'online' ? this.startedAt : null);
    this.subscribe(this.topics.status(), 1, (_topic, payload, packet) => this.watchOwnStatus(payload, packet));
    const client = mqtt.connect(this.conn.url, {
      ...mqttClientOptions(this.conn),
      clientId: this.clientId,
      clean: true,
      reconnectPeriod: this.conn.reconnectMinMs,
      will: { topic: this.topics.status(), payload: Buffer.from(status('offline')), qos: 1, retain: true },
    });
    this.client = client;
    client.on('reconnect', () => {
      // backoff: mqtt.js reads reconnectPeriod each time it schedules the next try
      client.options.reconnectPeriod = nextBackoff(client.options.reconnectPeriod ?? this.conn.reconnectMinMs, this.conn.reconnectMinMs, this.conn.reconnectMaxMs);
    });
    client.on('connect', () => {
      client.options.reconnectPeriod = this.conn.reconnectMinMs;
      this.generation++;
      this.inFlight.clear();
      this.deniedTopics.clear();
      if (this.lastError) this.o.log?.('info', `MQTT connected after ${this.failedTries} failed tries (last: ${this.lastError})`);
      this.lastError = null;
      this.lastErrorCode = null;
      this.failedTries = 0;
      if (!this.connectedOnce) this.o.log?.('info', `MQTT connected to ${this.conn.url}`);
      else this.o.log?.('info', `MQTT reconnected; publishing ${this.o.outbox.depth()} pending outbox entries`);
      this.connectedOnce = true;
      // subscriptions first: the broker handles one connection's packets in order, so our own
      // status topic is watched before our "online" goes out, and another process's answer to it
      // arrives live. The other way round, Mosquitto (one packet per connection per loop turn)
      // could take that answer before our SUBSCRIBE and hand it to us as retained: ignored, and
      // the duplicate never found on this side (CI saw it under load)
      this.subscribeOn(client, this.subscriptions);
      client.publish(this.topics.status(), status('online'), { qos: 1, retain: true });
      this.flushOutbox();
      this.publishOutboxReport();
    });
    client.on('message', (topic, payload, packet) => {
      for (const s of this.subscriptions) {
        if (!topicMatches(s.filter, topic)) continue;
        try {
          s.handler(topic, payload, packet);
        } catch (err) {
          this.o.log?.('error', `MQTT handler for ${s.filter} threw on ${topic}: ${(err as Error).message}`);
        }
      }
    });
    client.on('close', () => {
      this.inFlight.clear();
    });
    client.on('error', (err) => {
      const code = classifyMqttError(err);
      const msg = `${code}: ${err.message}`;
      if (this.lastError !== msg) this.o.log?.(code === 'AFG_E_MQTT_CONNECT' ? 'warn' : 'error', `${msg} (${this.conn.url}; retrying with backoff up to ${this.conn.reconnectMaxMs} ms)`);
      this.lastError = msg;
      this.lastErrorCode = code;
      this.failedTries++;
      this.o.errors.count(code);
    });
    this.unsubscribe.push(
      this.o.bus.on('alert', (a) => void this.enqueueAlert(a)),
      this.o.bus.on('decision', (d) => void this.enqueueDecision(d)),
      this.o.bus.on('estimate', (e) => {
        this.publishAttention(e);
        this.summarise(e);
      }),
      this.o.bus.on('device', (s) => this.publishDevice(s)),
    );
    // drops are reported at once (at most once a second); depth at least every period
    this.o.outbox.onDropped(() => this.scheduleOutboxReport());
    this.reportTimer = setInterval(() => this.publishOutboxReport(), this.o.outboxReportPeriodMs ?? 60_000);
    this.reportTimer.unref();
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
    this.stopping = true;
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.reportTimer) clearInterval(this.reportTimer);
    if (this.reportDue) clearTimeout(this.reportDue);
    this.reportTimer = this.reportDue = null;
    // the open summary periods are persisted in the outbox: sent on the next run if not now
    if (this.summary) for (const p of this.summary.flush()) await this.enqueueSummary(p);
    const client = this.client;
    if (!client) return;
    if (!client.connected && !client.disconnecting && this.connectedOnce) {
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
      this.flushOutbox();
      this.publishOutboxReport();
      const offline = this.statusPayload('offline', this.startedAt);
      await new Promise<void>((resolve) => {
        // a cleared timer: a pending one would hold the process open after a clean stop
        const timer = setTimeout(resolve, timeoutMs);
        client.publish(this.topics.status(), offline, { qos: 1, retain: true }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      const until = performance.now() + timeoutMs; // monotonic: a clock jump must not cut or stretch the drain
      while (this.inFlight.size && performance.now() < until) await delay(20);
    }
    await endClient(client, timeoutMs);
    this.client = null;
  }

  /** Publishes (again) what the outbox holds; the outbox calls this when something was appended outside the bus. */
  flush(): void {
    this.flushOutbox();
  }

  private subscribeOn(client: MqttClient, subs: readonly { filter: string; qos: 0 | 1; rap: boolean }[]): void {
    for (const s of subs) {
      client.subscribe(s.filter, { qos: s.qos, rap: s.rap }, (err, granted) => {
        const refused = err !== null || (granted ?? []).some((g) => g.qos === 128 || (g.qos as number) >= 0x80);
        if (refused) {
          this.o.errors.count('AFG_E_MQTT_ACL_DENIED');
          this.o.log?.('error', `AFG_E_MQTT_ACL_DENIED: the broker refused the subscription ${s.filter}${err ? ` (${err.message})` : ''}; check its ACL`);
        }
      });
    }
  }

  /** The retained outbox report: depth and every drop so far (survives restarts). */
  outboxReport(): OutboxReportPayload {
    const box = this.o.outbox;
    const d = box.dropStats();
    return { depth: box.depth(), bytes: box.pendingBytes(), oldestAt: box.oldestAt(), dropped: { total: d.total, byClass: d.byClass, byReason: d.byReason }, recentDrops: d.recent, ts: this.now() };
  }

  private publishOutboxReport(): void {
    const client = this.client;
    if (!client?.connected) return; // the next CONNACK publishes it
    this.lastReportAt = performance.now();
    client.publish(this.topics.outbox(), JSON.stringify(this.outboxReport()), { qos: 1, retain: true });
  }

  private scheduleOutboxReport(): void {
    if (this.reportDue) return;
    const wait = Math.max(0, 1000 - (performance.now() - this.lastReportAt));
    this.reportDue = setTimeout(() => {
      this.reportDue = null;
      this.publishOutboxReport();
    }, wait);
    this.reportDue.unref();
  }

  private summarise(e: AttentionEstimate): void {
    const done = this.summary?.add(e);
    if (done) void this.enqueueSummary(done);
  }

  private async enqueueSummary(p: Omit<AttentionSummaryPayload, 'ts'>): Promise<void> {
    const payload: AttentionSummaryPayload = { ...p, ts: this.now() };
    await this.o.outbox.append({ id: `sm:${p.wearer}:${p.from}`, topic: this.topics.summary(p.wearer), payload: JSON.stringify(payload), qos: 1, key: p.wearer, cls: 'telemetry' });
    this.flushOutbox();
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
      if (err) {
        // refused by the broker (MQTT 5 reason code) or cut off: stays in the outbox. A refused
        // one stays marked in flight for this connection, so it is not re-sent in a tight loop.
        if (!this.noteDenied(e.topic, err) && gen === this.generation) this.inFlight.delete(e.id);
        return;
      }
      if (gen === this.generation) this.inFlight.delete(e.id);
      this.published++;
      void this.o.outbox.ack(e.id);
    });
  }

  private statusPayload(state: 'online' | 'offline', startedAt: number | null): string {
    return JSON.stringify({ state, site: this.o.site, gateway: this.o.gateway, version: this.o.version, startedAt, ts: this.now() } satisfies StatusPayload);
  }

  /**
   * Two processes with the same site and gateway ids write into one namespace and both act on
   * its commands, and nothing on the wire tells their messages apart. Each watches its own
   * status topic: a live `online` with another startedAt is the other process. A retained one is
   * not proof (it may be this gateway's previous run, before the broker sent its Will), so on
   * finding the other the gateway says `online` once more: the other one, which may have seen
   * only that retained status, then finds it too.
   */
  private watchOwnStatus(payload: Buffer, packet: IPublishPacket): void {
    if (packet.retain || this.stopping) return;
    let s: Partial<StatusPayload>;
    try {
      s = JSON.parse(payload.toString('utf8')) as Partial<StatusPayload>;
    } catch {
      return;
    }
    if (typeof s.startedAt !== 'number' || s.startedAt === this.startedAt) return;
    if (s.state === 'offline') {
      if (this.duplicateOf === s.startedAt) this.duplicateOf = null;
      return;
    }
    if (s.state !== 'online') return;
    this.o.errors.count('AFG_E_MQTT_DUPLICATE_GATEWAY');
    this.duplicateOf = s.startedAt;
    if (this.duplicatesLogged.has(s.startedAt)) return;
    this.duplicatesLogged.add(s.startedAt);
    this.o.log?.('error', `AFG_E_MQTT_DUPLICATE_GATEWAY: another process publishes as ${this.topics.base} (started at ${new Date(s.startedAt).toISOString()}, this one at ${new Date(this.startedAt ?? 0).toISOString()}); both act on its commands. Give each gateway its own site/gateway ids`);
    this.client?.publish(this.topics.status(), this.statusPayload('online', this.startedAt), { qos: 1, retain: true });
  }

  /** Counts and logs (once per topic per connection) a publish the broker refused; true if it was a refusal. */
  private noteDenied(topic: string, err: Error & { code?: unknown }): boolean {
    if (typeof err.code !== 'number' || err.code < 0x80) return false;
    this.o.errors.count('AFG_E_MQTT_ACL_DENIED');
    if (!this.deniedTopics.has(topic)) {
      this.deniedTopics.add(topic);
      this.o.log?.('error', `AFG_E_MQTT_ACL_DENIED: the broker refused a publish on ${topic} (${err.message}); kept in the outbox, check the broker's ACL`);
    }
    return true;
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
    const mono = performance.now(); // the rate limit on monotonic time: a wall-clock jump back must not silence it for hours
    const last = this.lastDevice.get(s.device);
    if (last !== undefined && mono - last < (this.o.devicePeriodMs ?? 5000)) return;
    this.lastDevice.set(s.device, mono);
    // field by field, not a spread: only what the schema names leaves the box
    const payload: DeviceStatusPayload = { device: s.device, wearer: s.wearer, kind: s.kind, transport: s.transport, state: s.state, lastSeen: s.lastSeen === null ? null : Math.round(this.o.toEpochMs(s.lastSeen)), rateHz: s.rateHz, validity: s.validity, battery: s.battery, errors: s.errors, ts: now };
    if (s.detail !== undefined) payload.detail = s.detail;
    if (s.quality !== undefined) payload.quality = s.quality;
    if (s.contact !== undefined) payload.contact = s.contact;
    if (s.mtu !== undefined) payload.mtu = s.mtu;
    client.publish(this.topics.device(s.device), JSON.stringify(payload), { qos: 0, retain: true });
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
