import { randomBytes } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import mqtt, { type MqttClient } from 'mqtt';
import { Type, type Static } from '@sinclair/typebox';
import type { ErrorCounter } from '../gateway/core/errors.ts';
import { AlertPayload, AttentionPayload, DecisionPayload, DeviceStatusPayload, OutboxReportPayload, StatusPayload } from '../gateway/outputs/payload-schemas.ts';

const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

/** What the site view shows of one gateway (all from its MQTT topics: derived data only). */
export const SiteGatewaySchema = Type.Object({
  gateway: Type.String(),
  /** online / offline from its retained status (offline also from its last will); unknown before any */
  status: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('unknown')]),
  /** no message for offlineAfterS: shown as silent, whatever the last status said */
  silent: Type.Boolean(),
  version: Nullable(Type.String()),
  lastMessageAt: Nullable(Type.Number()),
  outboxDepth: Nullable(Type.Number()),
  wearers: Type.Array(Type.Object({ id: Type.String(), state: Type.String(), score: Nullable(Type.Number()), quality: Type.Number(), ts: Type.Number() })),
  /** open alerts (active, acked, shelved), then the latest cleared ones */
  alerts: Type.Array(
    Type.Object({ id: Type.String(), rev: Type.Integer(), wearer: Type.String(), role: Type.String(), station: Type.Optional(Type.String()), kind: Type.String(), level: Type.Integer(), state: Type.String(), raisedAt: Type.Number(), by: Type.Optional(Type.String()) }),
  ),
  decisions: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), targets: Type.Array(Type.String()), reason: Type.String(), state: Type.String(), validUntil: Type.Number() })),
  devices: Type.Array(Type.Object({ device: Type.String(), wearer: Type.String(), kind: Type.String(), state: Type.String(), battery: Nullable(Type.Number()), validity: Type.Number(), lastSeen: Nullable(Type.Number()) })),
});
export type SiteGateway = Static<typeof SiteGatewaySchema>;

export const SiteSnapshotSchema = Type.Object({
  site: Type.String(),
  /** the dashboard's own connection to the site broker */
  connected: Type.Boolean(),
  broker: Type.String(),
  gateways: Type.Array(SiteGatewaySchema),
});
export type SiteSnapshot = Static<typeof SiteSnapshotSchema>;

export interface SiteFloorOptions {
  url: string;
  site: string;
  /** this dashboard's own gateway (marked in the view; its data comes from the broker like the others) */
  self?: string;
  username?: string | null;
  password?: string | null;
  errors?: ErrorCounter;
  offlineAfterMs?: number;
  maxGateways?: number;
  maxWearersPerGateway?: number;
  /** cleared alerts kept per gateway */
  maxClearedPerGateway?: number;
  now?: () => number;
  /** monotonic ms: when a gateway counts as silent is measured on this, never on the wall clock */
  monoNow?: () => number;
  /** test hook: the mqtt connect function */
  connect?: typeof mqtt.connect;
}

interface GatewayEntry {
  gateway: string;
  status: 'online' | 'offline' | 'unknown';
  version: string | null;
  lastMessageAt: number | null;
  outboxDepth: number | null;
  wearers: Map<string, SiteGateway['wearers'][number]>;
  alerts: Map<string, SiteGateway['alerts'][number]>;
  decisions: Map<string, SiteGateway['decisions'][number]>;
  devices: Map<string, SiteGateway['devices'][number]>;
}

const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;
const STATE_ORDER: Record<string, number> = { active: 0, acked: 1, shelved: 2, cleared: 3 };

/**
 * Floor mode: the dashboard subscribes to the site broker (`afg/v1/<site>/+/...`) and keeps a
 * view of every gateway of the site — status (retained, with the last will), attention per
 * wearer, alerts, decisions, devices, outbox depth — so one screen shows several lines.
 * Every payload is checked against the same JSON Schemas the gateways publish with
 * (gateway/outputs/payload-schemas.ts); one that does not match, or a topic that is not ours, is
 * dropped and counted (AFG_E_FLOOR_MODE_PAYLOAD), never shown half-read. Memory is bounded:
 * at most `maxGateways` gateways, `maxWearersPerGateway` wearers and devices each, open alerts
 * plus `maxClearedPerGateway` cleared ones, 100 decisions per gateway.
 * Read-only: acting on another gateway's alert goes through that gateway's own dashboard or
 * its MQTT command topics.
 * Cost: one schema validation per message; O(alerts of the gateway) to prune.
 *
 * @example
 *   const site = new SiteFloor({ url: 'mqtt://broker.plant:1883', site: 'plant-1', self: 'gw-a' });
 *   site.start();
 *   site.snapshot(); // { site, connected, gateways: [...] }
 */
export class SiteFloor {
  readonly schema = SiteSnapshotSchema;
  private readonly o: Required<Pick<SiteFloorOptions, 'offlineAfterMs' | 'maxGateways' | 'maxWearersPerGateway' | 'maxClearedPerGateway'>> & SiteFloorOptions;
  private readonly gateways = new Map<string, GatewayEntry>();
  private readonly listeners = new Set<(gateway: string) => void>();
  private readonly validators: Record<'status' | 'attention' | 'alert' | 'decision' | 'device' | 'outbox', ValidateFunction>;
  private readonly now: () => number;
  /** monotonic ms for the silence watch (default performance.now, or `now` when only that is injected) */
  private readonly monoNow: () => number;
  private readonly heardAt = new Map<string, number>();
  private client: MqttClient | null = null;
  private readonly prefix: string;

  constructor(opts: SiteFloorOptions) {
    if (!opts || typeof opts.url !== 'string' || !/^(mqtts?|wss?|tcp|ssl):\/\//.test(opts.url)) throw new RangeError('SiteFloor: url must be an mqtt(s)/ws(s) URL');
    if (!SEGMENT.test(opts.site)) throw new RangeError('SiteFloor: site must be 1-64 letters, digits, _ or -');
    this.o = { offlineAfterMs: 15_000, maxGateways: 64, maxWearersPerGateway: 500, maxClearedPerGateway: 50, ...opts };
    for (const k of ['offlineAfterMs', 'maxGateways', 'maxWearersPerGateway', 'maxClearedPerGateway'] as const) {
      if (!(Number.isInteger(this.o[k]) && this.o[k] >= 0)) throw new RangeError(`SiteFloor: ${k} must be a non-negative integer`);
    }
    this.now = opts.now ?? Date.now;
    this.monoNow = opts.monoNow ?? opts.now ?? (() => performance.now());
    this.prefix = `afg/v1/${opts.site}/`;
    const ajv = new Ajv({ strict: false, allErrors: false });
    this.validators = {
      status: ajv.compile(StatusPayload),
      attention: ajv.compile(AttentionPayload),
      alert: ajv.compile(AlertPayload),
      decision: ajv.compile(DecisionPayload),
      device: ajv.compile(DeviceStatusPayload),
      outbox: ajv.compile(OutboxReportPayload),
    };
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    if (this.client) return;
    const connect = this.o.connect ?? mqtt.connect;
    const client = connect(this.o.url, {
      clientId: `afg-dash-${this.o.site}-${this.o.self ?? 'x'}-${randomBytes(4).toString('hex')}`,
      clean: true,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      ...(this.o.username ? { username: this.o.username } : {}),
      ...(this.o.password ? { password: this.o.password } : {}),
    });
    this.client = client;
    client.on('connect', () => {
      const p = this.prefix;
      client.subscribe(
        {
          [`${p}+/status`]: { qos: 1 },
          [`${p}+/alerts`]: { qos: 1 },
          [`${p}+/decisions`]: { qos: 1 },
          [`${p}+/outbox`]: { qos: 1 },
          [`${p}+/wearers/+/attention`]: { qos: 0 },
          [`${p}+/devices/+/status`]: { qos: 0 },
        },
        () => this.emit('*'),
      );
    });
    client.on('close', () => this.emit('*'));
    // errors are the reconnect's business; the view shows the connection state
    client.on('error', () => undefined);
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.listeners.clear();
    if (c) await c.endAsync(true).catch(() => undefined);
  }

  /** Told the gateway id whose view changed ('*' for the connection itself). */
  subscribe(fn: (gateway: string) => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  snapshot(): SiteSnapshot {
    return { site: this.o.site, connected: this.connected, broker: redact(this.o.url), gateways: [...this.gateways.keys()].sort().map((g) => this.view(g)!) };
  }

  view(gateway: string): SiteGateway | null {
    const g = this.gateways.get(gateway);
    if (!g) return null;
    const alerts = [...g.alerts.values()].sort((a, b) => (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) || b.raisedAt - a.raisedAt);
    return {
      gateway: g.gateway,
      status: g.status,
      silent: this.silent(g.gateway, this.monoNow()),
      version: g.version,
      lastMessageAt: g.lastMessageAt,
      outboxDepth: g.outboxDepth,
      wearers: [...g.wearers.values()].sort((a, b) => a.id.localeCompare(b.id)),
      alerts,
      decisions: [...g.decisions.values()],
      devices: [...g.devices.values()].sort((a, b) => a.device.localeCompare(b.device)),
    };
  }

  /** Handles one message (public for tests that feed payloads without a broker). */
  onMessage(topic: string, payload: Buffer): void {
    if (!topic.startsWith(this.prefix)) return this.bad();
    const parts = topic.slice(this.prefix.length).split('/');
    const gw = parts[0]!;
    if (!SEGMENT.test(gw)) return this.bad();
    const rest = parts.slice(1);
    const kind =
      rest.length === 1 && (rest[0] === 'status' || rest[0] === 'alerts' || rest[0] === 'decisions' || rest[0] === 'outbox')
        ? ({ status: 'status', alerts: 'alert', decisions: 'decision', outbox: 'outbox' } as const)[rest[0]]
        : rest.length === 3 && rest[0] === 'wearers' && rest[2] === 'attention'
          ? 'attention'
          : rest.length === 3 && rest[0] === 'devices' && rest[2] === 'status'
            ? 'device'
            : null;
    if (!kind) return this.bad();
    if (payload.length === 0) return; // a cleared retained message: nothing to show
    let data: unknown;
    try {
      data = JSON.parse(payload.toString('utf8'));
    } catch {
      return this.bad();
    }
    if (!this.validators[kind](data)) return this.bad();
    const g = this.entry(gw);
    if (!g) return this.bad();
    g.lastMessageAt = this.now();
    this.heardAt.set(gw, this.monoNow());
    switch (kind) {
      case 'status': {
        const s = data as Static<typeof StatusPayload>;
        if (s.gateway !== gw) return this.bad();
        g.status = s.state;
        g.version = s.version;
        break;
      }
      case 'attention': {
        const a = data as Static<typeof AttentionPayload>;
        if (!g.wearers.has(a.wearer) && g.wearers.size >= this.o.maxWearersPerGateway) return this.bad();
        g.wearers.set(a.wearer, { id: a.wearer, state: a.state, score: a.score, quality: a.quality, ts: a.ts });
        break;
      }
      case 'alert': {
        const a = data as Static<typeof AlertPayload>;
        const prev = g.alerts.get(a.id);
        if (prev && prev.rev >= a.rev) break; // at-least-once: a repeat or a late older revision
        if (!prev && g.alerts.size >= this.maxAlerts()) {
          this.pruneAlerts(g, 0);
          if (g.alerts.size >= this.maxAlerts()) return this.bad();
        }
        g.alerts.set(a.id, { id: a.id, rev: a.rev, wearer: a.wearer, role: a.role, ...(a.station !== undefined ? { station: a.station } : {}), kind: a.kind, level: a.level, state: a.state, raisedAt: a.raisedAt, ...(a.by !== undefined ? { by: a.by } : {}) });
        this.pruneAlerts(g);
        break;
      }
      case 'decision': {
        const d = data as Static<typeof DecisionPayload>;
        g.decisions.delete(d.id);
        g.decisions.set(d.id, { id: d.id, kind: d.kind, targets: d.targets, reason: d.reason, state: d.state, validUntil: d.validUntil });
        while (g.decisions.size > 100) g.decisions.delete(g.decisions.keys().next().value as string);
        break;
      }
      case 'device': {
        const d = data as Static<typeof DeviceStatusPayload>;
        if (!g.devices.has(d.device) && g.devices.size >= this.o.maxWearersPerGateway) return this.bad();
        g.devices.set(d.device, { device: d.device, wearer: d.wearer, kind: d.kind, state: d.state, battery: d.battery, validity: d.validity, lastSeen: d.lastSeen });
        break;
      }
      case 'outbox':
        g.outboxDepth = (data as Static<typeof OutboxReportPayload>).depth;
        break;
    }
    this.emit(gw);
  }

  private entry(gw: string): GatewayEntry | null {
    let g = this.gateways.get(gw);
    if (!g) {
      if (this.gateways.size >= this.o.maxGateways) return null;
      g = { gateway: gw, status: 'unknown', version: null, lastMessageAt: null, outboxDepth: null, wearers: new Map(), alerts: new Map(), decisions: new Map(), devices: new Map() };
      this.gateways.set(gw, g);
    }
    return g;
  }

  /** open alerts a gateway may have at once in this view: a few per wearer */
  private maxAlerts(): number {
    return this.o.maxWearersPerGateway * 4 + this.o.maxClearedPerGateway;
  }

  private pruneAlerts(g: GatewayEntry, keepCleared = this.o.maxClearedPerGateway): void {
    const cleared = [...g.alerts.values()].filter((a) => a.state === 'cleared');
    if (cleared.length <= keepCleared) return;
    cleared.sort((a, b) => a.raisedAt - b.raisedAt);
    for (const a of cleared.slice(0, cleared.length - keepCleared)) g.alerts.delete(a.id);
  }

  /** Connection and per-gateway liveness only: small enough to send with every heartbeat. */
  health(): { connected: boolean; gateways: { gateway: string; status: string; silent: boolean; lastMessageAt: number | null }[] } {
    const t = this.monoNow();
    return {
      connected: this.connected,
      gateways: [...this.gateways.values()].map((g) => ({ gateway: g.gateway, status: g.status, silent: this.silent(g.gateway, t), lastMessageAt: g.lastMessageAt })),
    };
  }

  private silent(gateway: string, mono: number): boolean {
    const at = this.heardAt.get(gateway);
    return at === undefined || mono - at > this.o.offlineAfterMs;
  }

  private bad(): void {
    this.o.errors?.count('AFG_E_FLOOR_MODE_PAYLOAD');
  }

  private emit(gateway: string): void {
    for (const l of this.listeners) {
      try {
        l(gateway);
      } catch {
        // a closed SSE client must not stop the others
      }
    }
  }
}

/** The broker URL without credentials, for display. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'site broker';
  }
}
