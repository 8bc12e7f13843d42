import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { EventBus } from '../../core/event-bus.ts';
import type { ErrorCode, ErrorCounter } from '../../core/errors.ts';
import type { Role, WearerId } from '../../core/types.ts';
import { classifyMqttError, mqttClientOptions, nextBackoff, type MqttConnectionSettings } from '../mqtt-connection.ts';
import { endClient } from '../end-client.ts';
import { BdSeqStore } from './bdseq-store.ts';
import { FleetMetrics } from './fleet-metrics.ts';
import { SparkplugCodec } from './sparkplug-codec.ts';
import { REBIRTH_METRIC, SparkplugModel, type MetricChange } from './sparkplug-metrics.ts';
import { SparkplugTopics } from './sparkplug-topics.ts';

export type EdgeNodeState = 'stopped' | 'connecting' | 'waiting_for_host' | 'online';

export interface SparkplugEdgeNodeOptions {
  connection: MqttConnectionSettings;
  clientId: string;
  groupId: string;
  edgeNodeId: string;
  /** wait for spBv1.0/STATE/<id> online before the births; null: no primary host */
  primaryHostId: string | null;
  bus: EventBus;
  wearers: readonly { id: WearerId; role: Role; station?: string }[];
  /** bdSeq is persisted here */
  dir: string;
  errors: ErrorCounter;
  site: string;
  gateway: string;
  version: string;
  publishPeriodMs?: number;
  scoreDeadband?: number;
  /** metric changes kept while not online, sent afterwards as is_historical */
  maxHistorical?: number;
  toEpochMs: (t: number) => number;
  /** epoch ms, for payload timestamps */
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

/** DATA messages are split so that none grows unbounded (a long outage's history). */
const MAX_METRICS_PER_MESSAGE = 500;

/**
 * A Sparkplug B 3.0 edge node (Sparkplug 3.0.0, chapters 4-6; rule ids in brackets), with its
 * own MQTT connection next to the JSON sink. The session logic is written here; only the
 * protobuf encoding comes from `sparkplug-payload`.
 *
 * - CONNECT: clean session (3.1.1) / clean start with session expiry 0 (5)
 *   ([tck-id-principles-persistence-clean-session-311], [...-50]); the Will is the NDEATH,
 *   QoS 1, not retained, carrying bdSeq as INT64 ([tck-id-message-flow-edge-node-birth-publish-will-message-qos],
 *   [...-will-retained], [tck-id-payloads-ndeath-bdseq]). bdSeq goes up by one on every new
 *   CONNECT, 0..255, persisted across restarts (BdSeqStore). Reconnects are made here (one
 *   CONNECT packet per attempt, each with its own Will), with exponential backoff.
 * - After CONNACK: subscribe NCMD and DCMD at QoS 1 ([tck-id-message-flow-edge-node-ncmd-subscribe]).
 *   With a primary host configured, subscribe to its STATE and publish nothing until a STATE with
 *   `online: true` and a timestamp not older than the last one seen arrives
 *   ([tck-id-message-flow-edge-node-birth-publish-phid-wait], [...-phid-wait-online]). A later
 *   `online: false` (not older) makes the node publish its NDEATH, disconnect and connect again
 *   ([tck-id-message-flow-edge-node-birth-publish-phid-offline], [tck-id-operational-behavior-edge-node-termination-host-offline]);
 *   older STATE messages are ignored.
 * - Births: NBIRTH (seq 0, the connection's bdSeq, every node metric, `Node Control/Rebirth`
 *   false and never aliased), then one DBIRTH per wearer; each message after the NBIRTH takes
 *   the next seq, 255 wrapping to 0 ([tck-id-topics-nbirth-seq-num], [tck-id-topics-ddata-seq-num]).
 *   NBIRTH, DBIRTH, NDATA and DDATA are QoS 0, not retained ([tck-id-topics-nbirth-mqtt] etc.).
 * - Data: report by exception, alias only. While not online (no connection, waiting for the
 *   host) changes are kept (at most `maxHistorical`, the oldest dropped and counted) and sent
 *   after the next births with is_historical set.
 * - NCMD `Node Control/Rebirth` = true: stop DATA, send the births again with the same bdSeq
 *   ([tck-id-operational-behavior-data-commands-rebirth-action-1..3]).
 * - Stop: NDEATH, then DISCONNECT ([tck-id-operational-behavior-edge-node-intentional-disconnect-ndeath]);
 *   with MQTT 5 as "disconnect with will message" (reason 0x04), which makes the broker send it.
 *
 * Sparkplug data is QoS 0 by the specification, so it is a live view for SCADA, not the
 * zero-loss path: alerts are delivered exactly as promised on the JSON `alerts` topic.
 *
 * @example
 *   const node = new SparkplugEdgeNode({ connection, clientId, groupId, edgeNodeId, ... });
 *   await node.start();
 *   ...
 *   await node.stop();
 */
export class SparkplugEdgeNode {
  readonly topics: SparkplugTopics;
  readonly stateTopic: string | null;
  private readonly o: SparkplugEdgeNodeOptions;
  private readonly bdSeqStore: BdSeqStore;
  private readonly model = new SparkplugModel();
  private readonly fleet: FleetMetrics;
  private readonly now: () => number;
  private readonly maxHistorical: number;
  private client: MqttClient | null = null;
  private stopping = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoff: number;
  private seq = 0;
  private bdSeq = -1;
  /** the newest STATE timestamp seen from the primary host (epoch ms) */
  private hostTimestamp = -Infinity;
  /** what this connection has seen of the primary host (reset on every CONNECT) */
  private hostOnline = false;
  private historical: MetricChange[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  state: EdgeNodeState = 'stopped';
  /** counts for /health and tests */
  births = 0;
  rebirths = 0;
  historicalDropped = 0;
  lastError: string | null = null;
  lastErrorCode: ErrorCode | null = null;

  constructor(opts: SparkplugEdgeNodeOptions) {
    this.o = opts;
    this.topics = new SparkplugTopics(opts.groupId, opts.edgeNodeId);
    this.stateTopic = opts.primaryHostId === null ? null : SparkplugTopics.hostState(opts.primaryHostId);
    this.now = opts.now ?? Date.now;
    this.maxHistorical = opts.maxHistorical ?? 10_000;
    if (!(Number.isInteger(this.maxHistorical) && this.maxHistorical >= 0)) throw new RangeError('maxHistorical must be an integer >= 0');
    this.backoff = opts.connection.reconnectMinMs;
    this.bdSeqStore = new BdSeqStore(opts.dir);
    this.fleet = new FleetMetrics(this.model, { wearers: opts.wearers, site: opts.site, gateway: opts.gateway, version: opts.version, publishPeriodMs: opts.publishPeriodMs ?? 1000, scoreDeadband: opts.scoreDeadband ?? 0.02, toEpochMs: opts.toEpochMs });
    this.fleet.defineAll(this.now(), 0);
  }

  /** The bdSeq of the current (or last) connection. */
  get currentBdSeq(): number {
    return this.bdSeq;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Connects; resolves when online (births sent), waiting for the host, or after `waitMs`. */
  async start(waitMs = 3000): Promise<void> {
    this.stopping = false;
    this.unsubscribe.push(
      this.o.bus.on('estimate', (e) => this.emit(this.fleet.onEstimate(e))),
      this.o.bus.on('alert', (a) => this.emit(this.fleet.onAlert(a))),
      this.o.bus.on('decision', (d) => this.emit(this.fleet.onDecision(d, this.now()))),
    );
    this.connect();
    const until = performance.now() + waitMs; // monotonic: a clock jump must not cut or stretch the wait
    while (performance.now() < until && this.state === 'connecting') await delay(20);
  }

  async stop(timeoutMs = 2000): Promise<void> {
    this.stopping = true;
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    if (client) await this.endSession(client, timeoutMs);
    this.state = 'stopped';
  }

  /** Sends the births again (what NCMD Node Control/Rebirth asks for). */
  rebirth(): void {
    if (this.state !== 'online') return; // the births come anyway once online
    this.rebirths++;
    this.sendBirths();
  }

  private connect(): void {
    if (this.stopping) return;
    this.state = 'connecting';
    this.bdSeq = this.bdSeqStore.next();
    this.hostOnline = false;
    this.fleet.setBdSeq(this.bdSeq, this.now());
    const s = this.o.connection;
    const opts: IClientOptions = {
      ...mqttClientOptions(s),
      clientId: this.o.clientId,
      clean: true,
      reconnectPeriod: 0, // each attempt is a new CONNECT with its own bdSeq: made here
      will: { topic: this.topics.node('NDEATH'), payload: Buffer.from(SparkplugCodec.death(this.bdSeq, this.now())), qos: 1, retain: false },
    };
    if (s.protocolVersion === 5) opts.properties = { sessionExpiryInterval: 0 };
    const client = mqtt.connect(s.url, opts);
    this.client = client;
    client.on('connect', () => {
      if (client !== this.client) return;
      this.backoff = s.reconnectMinMs;
      if (this.lastError) this.o.log?.('info', `Sparkplug edge node connected (bdSeq ${this.bdSeq}) after: ${this.lastError}`);
      this.lastError = null;
      this.lastErrorCode = null;
      const subs: Record<string, { qos: 1 }> = { [this.topics.node('NCMD')]: { qos: 1 }, [this.topics.deviceCommands()]: { qos: 1 } };
      if (this.stateTopic) subs[this.stateTopic] = { qos: 1 };
      client.subscribe(subs, (err) => {
        if (err || client !== this.client) return;
        if (this.stateTopic && !this.hostOnline) {
          this.state = 'waiting_for_host';
          this.o.log?.('info', `Sparkplug edge node connected (bdSeq ${this.bdSeq}); waiting for ${this.stateTopic} online`);
        } else {
          this.sendBirths();
        }
      });
    });
    client.on('message', (topic, payload) => {
      if (client !== this.client) return;
      if (topic === this.stateTopic) this.onHostState(client, payload);
      else if (topic === this.topics.node('NCMD')) this.onNodeCommand(payload);
      else this.o.errors.count('AFG_E_SPARKPLUG_COMMAND_INVALID'); // DCMD: no device metric is writable
    });
    client.on('error', (err) => {
      const code = classifyMqttError(err);
      const msg = `${code}: ${err.message}`;
      if (this.lastError !== msg) this.o.log?.(code === 'AFG_E_MQTT_CONNECT' ? 'warn' : 'error', `Sparkplug ${msg} (${s.url}; retrying with backoff)`);
      this.lastError = msg;
      this.lastErrorCode = code;
      this.o.errors.count(code);
    });
    client.on('close', () => {
      if (client !== this.client) return;
      this.client = null;
      this.state = 'connecting';
      client.end(true);
      this.scheduleReconnect(this.backoff);
      this.backoff = nextBackoff(this.backoff, s.reconnectMinMs, s.reconnectMaxMs);
    });
  }

  private scheduleReconnect(ms: number): void {
    if (this.stopping || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, ms);
  }

  private onHostState(client: MqttClient, payload: Buffer): void {
    let s: { online?: unknown; timestamp?: unknown };
    try {
      s = JSON.parse(payload.toString('utf8')) as typeof s;
    } catch {
      s = {};
    }
    if (typeof s.online !== 'boolean' || typeof s.timestamp !== 'number' || !Number.isFinite(s.timestamp)) {
      this.o.errors.count('AFG_E_SPARKPLUG_COMMAND_INVALID');
      this.o.log?.('warn', `AFG_E_SPARKPLUG_COMMAND_INVALID: ${this.stateTopic} payload is not {"online": boolean, "timestamp": number}; ignored`);
      return;
    }
    // an older STATE than one already seen is stale (a retained one overtaken, another server's)
    if (s.timestamp < this.hostTimestamp) return;
    this.hostTimestamp = s.timestamp;
    this.hostOnline = s.online;
    if (s.online && this.state === 'waiting_for_host') {
      this.o.log?.('info', `Sparkplug primary host ${this.o.primaryHostId} online; sending births`);
      this.sendBirths();
    } else if (!s.online && this.state === 'online') {
      this.o.log?.('warn', `Sparkplug primary host ${this.o.primaryHostId} offline: NDEATH, disconnect, connect again`);
      this.client = null;
      this.state = 'connecting';
      void this.endSession(client, 2000).then(() => this.scheduleReconnect(0));
    }
  }

  private onNodeCommand(payload: Buffer): void {
    let metrics: ReturnType<typeof SparkplugCodec.decodeCommand>;
    try {
      metrics = SparkplugCodec.decodeCommand(payload);
    } catch {
      this.o.errors.count('AFG_E_SPARKPLUG_COMMAND_INVALID');
      return;
    }
    for (const m of metrics) {
      if (m.name === REBIRTH_METRIC && m.value === true) this.rebirth();
      else this.o.errors.count('AFG_E_SPARKPLUG_COMMAND_INVALID'); // nothing else is writable
    }
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) % 256;
    return s;
  }

  /** NBIRTH (seq 0), a DBIRTH per device, then whatever history was kept; all in one turn. */
  private sendBirths(): void {
    const client = this.client;
    if (!client?.connected) return;
    const now = this.now();
    this.seq = 0;
    client.publish(this.topics.node('NBIRTH'), Buffer.from(SparkplugCodec.birth(now, this.nextSeq(), this.model.birth(null))), { qos: 0, retain: false });
    for (const d of this.model.devices()) {
      client.publish(this.topics.device('DBIRTH', d), Buffer.from(SparkplugCodec.birth(now, this.nextSeq(), this.model.birth(d))), { qos: 0, retain: false });
    }
    this.model.birthsSent();
    this.state = 'online';
    this.births++;
    const history = this.historical;
    this.historical = [];
    if (history.length) this.o.log?.('info', `Sparkplug: sending ${history.length} metric changes kept while offline as is_historical`);
    this.publishData(history, true);
  }

  private emit(changes: MetricChange[]): void {
    if (this.model.needsRebirth && this.state === 'online') {
      this.rebirth(); // a metric was added after the births: the births must list it
      return;
    }
    if (!changes.length) return;
    if (this.state === 'online' && this.client?.connected) {
      this.publishData(changes, false);
      return;
    }
    for (const c of changes) this.historical.push(c);
    const over = this.historical.length - this.maxHistorical;
    if (over > 0) {
      this.historical.splice(0, over);
      this.historicalDropped += over;
      this.o.errors.count('AFG_E_SPARKPLUG_BUFFER_FULL', over);
    }
  }

  /** One NDATA for node metrics and one DDATA per device, in the order the changes came. */
  private publishData(changes: readonly MetricChange[], historical: boolean): void {
    const client = this.client;
    if (!client?.connected || !changes.length) return;
    const groups = new Map<string | null, MetricChange[]>();
    for (const c of changes) {
      let g = groups.get(c.device);
      if (!g) {
        g = [];
        groups.set(c.device, g);
      }
      g.push(c);
    }
    const now = this.now();
    for (const [device, list] of groups) {
      for (let i = 0; i < list.length; i += MAX_METRICS_PER_MESSAGE) {
        const chunk = list.slice(i, i + MAX_METRICS_PER_MESSAGE).map((c) => ({ alias: c.alias, type: c.type, value: c.value, timestamp: c.timestamp, historical }));
        const topic = device === null ? this.topics.node('NDATA') : this.topics.device('DDATA', device);
        client.publish(topic, Buffer.from(SparkplugCodec.data(now, this.nextSeq(), chunk)), { qos: 0, retain: false });
      }
    }
  }

  /** NDEATH then DISCONNECT; with MQTT 5 the DISCONNECT carries 0x04 so the broker sends the Will. */
  private async endSession(client: MqttClient, timeoutMs: number): Promise<void> {
    if (client.connected) {
      if (this.o.connection.protocolVersion === 5) {
        await endClient(client, timeoutMs, { reasonCode: 0x04 });
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        client.publish(this.topics.node('NDEATH'), Buffer.from(SparkplugCodec.death(this.bdSeq, this.now())), { qos: 1, retain: false }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await endClient(client, timeoutMs);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
