import { createRequire } from 'node:module';
import mqtt, { type MqttClient } from 'mqtt';

const require = createRequire(import.meta.url);
const proto = (require('sparkplug-payload/lib/sparkplugPayloadProto.js') as { org: { eclipse: { tahu: { protobuf: { Payload: { decode(b: Uint8Array): RawPayload; toObject(p: RawPayload, o: Record<string, unknown>): RawPayload } } } } } }).org.eclipse.tahu.protobuf.Payload;
const sparkplug = (require('sparkplug-payload') as { get(ns: string): { encodePayload(p: unknown): Uint8Array } }).get('spBv1.0')!;

/** A metric as it is on the wire (protobuf fields; absent ones are undefined). */
export interface RawMetric {
  name?: string;
  alias?: number;
  timestamp?: number;
  datatype?: number;
  isHistorical?: boolean;
  isNull?: boolean;
  intValue?: number;
  longValue?: number;
  doubleValue?: number;
  floatValue?: number;
  booleanValue?: boolean;
  stringValue?: string;
}
interface RawPayload {
  timestamp?: number;
  seq?: number;
  metrics?: RawMetric[];
}

export interface SeenMessage {
  type: string;
  device: string | null;
  seq: number | null;
  qos: number;
  retain: boolean;
  metrics: RawMetric[];
  /** metric name -> value, with aliases resolved through the births (the last one per name) */
  values: Map<string, unknown>;
  /** every metric in payload order, names resolved */
  resolved: { name: string; value: unknown; historical: boolean; timestamp: number | undefined }[];
  at: number;
}

const TYPE = { Int32: 3, Int64: 4, Double: 10, Boolean: 11, String: 12 } as const;

/**
 * A small Sparkplug host application for tests: subscribes to a group at QoS 1, decodes every
 * message at the protobuf level (so it sees exactly which fields were sent) and checks the
 * edge-node rules of Sparkplug 3.0.0 as it goes, collecting every broken rule in `violations`:
 * topic shapes, QoS/retain, seq 0 on NBIRTH and +1 mod 256 on every later birth/data message of
 * the session, bdSeq (INT64) in NBIRTH and as the only metric of NDEATH, NDEATH without seq,
 * `Node Control/Rebirth` (Boolean, false, no alias), name + datatype + value + alias in births,
 * aliases unique per node, alias-only DATA with aliases from the births, nothing outside a
 * session. It can act as the primary host (STATE births/deaths) and request a rebirth.
 *
 * @example
 *   const host = await SparkplugHost.connect(broker.url, 'plant-1');
 *   ...
 *   t.same(host.violations, []);
 */
export class SparkplugHost {
  readonly client: MqttClient;
  readonly group: string;
  /** only this edge node's messages are seen (null: the group's, which must then have one node at a time) */
  readonly edgeNode: string | null;
  readonly messages: SeenMessage[] = [];
  readonly violations: string[] = [];
  /** bdSeq of every NBIRTH, and of every NDEATH, in arrival order */
  readonly nbirthBdSeqs: number[] = [];
  readonly ndeathBdSeqs: number[] = [];
  private session: { node: string; bdSeq: number; expectSeq: number; aliases: Map<number, { device: string | null; name: string; type: number }>; devices: Set<string> } | null = null;

  private constructor(client: MqttClient, group: string, edgeNode: string | null) {
    this.client = client;
    this.group = group;
    this.edgeNode = edgeNode;
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet.qos, packet.retain));
  }

  /** `edgeNode`: watch one node of a group that has several (one host per node keeps the session checks per node). */
  static async connect(url: string, group: string, opts: { hostId?: string; edgeNode?: string; username?: string; password?: string } = {}): Promise<SparkplugHost> {
    const will = opts.hostId ? { topic: `spBv1.0/STATE/${opts.hostId}`, payload: Buffer.from(JSON.stringify({ online: false, timestamp: Date.now() })), qos: 1 as const, retain: true } : undefined;
    const client = mqtt.connect(url, { clientId: `host-${Math.random().toString(16).slice(2)}`, clean: true, reconnectPeriod: 200, ...(will ? { will } : {}), ...(opts.username !== undefined ? { username: opts.username, password: opts.password } : {}) });
    const host = new SparkplugHost(client, group, opts.edgeNode ?? null);
    // spBv1.0/<group>/<type>/<node>[/<device>]: '#' also matches the node level itself (MQTT 3.1.1 §4.7.1.2)
    const filter = opts.edgeNode ? `spBv1.0/${group}/+/${opts.edgeNode}/#` : `spBv1.0/${group}/#`;
    await new Promise<void>((r) => client.once('connect', () => client.subscribe(filter, { qos: 1 }, () => r())));
    return host;
  }

  /** Publishes the primary host's STATE (retained, QoS 1), as a Sparkplug 3.0 host does. */
  state(hostId: string, online: boolean, timestamp: number): Promise<void> {
    return new Promise((r) => this.client.publish(`spBv1.0/STATE/${hostId}`, JSON.stringify({ online, timestamp }), { qos: 1, retain: true }, () => r()));
  }

  /** NCMD Node Control/Rebirth = true. */
  requestRebirth(node: string): Promise<void> {
    const payload = sparkplug.encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] });
    return new Promise((r) => this.client.publish(`spBv1.0/${this.group}/NCMD/${node}`, Buffer.from(payload), { qos: 0 }, () => r()));
  }

  /** The messages of one type (and device). */
  of(type: string, device?: string): SeenMessage[] {
    return this.messages.filter((m) => m.type === type && (device === undefined || m.device === device));
  }

  /** Every value a device's metric took, in order (births, live data, historical data). */
  history(device: string | null, name: string): { value: unknown; historical: boolean; timestamp: number | undefined }[] {
    const out: { value: unknown; historical: boolean; timestamp: number | undefined }[] = [];
    for (const m of this.messages) {
      if (m.device !== device) continue;
      for (const r of m.resolved) if (r.name === name) out.push({ value: r.value, historical: r.historical, timestamp: r.timestamp });
    }
    return out;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.client.end(true, {}, () => r()));
  }

  private bad(msg: string): void {
    this.violations.push(msg);
  }

  private onMessage(topic: string, payload: Buffer, qos: number, retain: boolean): void {
    const parts = topic.split('/');
    if (parts[0] !== 'spBv1.0' || parts[1] !== this.group) return;
    const type = parts[2]!;
    const node = parts[3]!;
    if (this.edgeNode !== null && node !== this.edgeNode) return;
    const device = parts[4] ?? null;
    const deviceTypes = ['DBIRTH', 'DDEATH', 'DDATA', 'DCMD'];
    if (deviceTypes.includes(type) !== (device !== null) || parts.length > 5) this.bad(`${topic}: device id must come with exactly DBIRTH/DDEATH/DDATA/DCMD`);
    if (type === 'NCMD' || type === 'DCMD') return; // ours or another host's commands
    let p: RawPayload;
    try {
      p = proto.toObject(proto.decode(payload), { longs: Number });
    } catch (err) {
      this.bad(`${topic}: not a Sparkplug B payload (${(err as Error).message})`);
      return;
    }
    const metrics = p.metrics ?? [];
    const seq = p.seq ?? null;
    const seen: SeenMessage = { type, device, seq, qos, retain, metrics, values: new Map(), resolved: [], at: Date.now() };
    this.messages.push(seen);
    if (retain) this.bad(`${topic}: retained`);
    if (p.timestamp === undefined) this.bad(`${topic}: no payload timestamp`);

    if (type === 'NDEATH') {
      if (seq !== null) this.bad('NDEATH carries a seq');
      if (qos !== 1) this.bad(`NDEATH arrived at QoS ${qos} (the Will must be QoS 1)`);
      if (metrics.length !== 1 || metrics[0]!.name !== 'bdSeq' || metrics[0]!.datatype !== TYPE.Int64) this.bad(`NDEATH must hold exactly bdSeq as INT64, got ${JSON.stringify(metrics)}`);
      const bd = metrics[0]?.longValue ?? -1;
      this.ndeathBdSeqs.push(bd);
      if (this.session && this.session.node === node && this.session.bdSeq === bd) this.session = null; // the session ends
      return;
    }
    if (qos !== 0) this.bad(`${type} arrived at QoS ${qos} (must be published at QoS 0)`);
    if (seq === null || seq < 0 || seq > 255) {
      this.bad(`${type}: seq missing or out of 0..255 (${seq})`);
      return;
    }
    if (type === 'NBIRTH') {
      if (seq !== 0) this.bad(`NBIRTH seq ${seq}, must be 0`);
      const bd = metrics.find((m) => m.name === 'bdSeq');
      if (!bd || bd.datatype !== TYPE.Int64 || typeof bd.longValue !== 'number') this.bad('NBIRTH without an INT64 bdSeq metric');
      const rebirth = metrics.find((m) => m.name === 'Node Control/Rebirth');
      if (!rebirth) this.bad('NBIRTH without Node Control/Rebirth');
      else {
        if (rebirth.datatype !== TYPE.Boolean || rebirth.booleanValue !== false) this.bad('Node Control/Rebirth must be Boolean false');
        if (rebirth.alias !== undefined) this.bad('Node Control/Rebirth must not be aliased');
      }
      this.nbirthBdSeqs.push(bd?.longValue ?? -1);
      this.session = { node, bdSeq: bd?.longValue ?? -1, expectSeq: 1, aliases: new Map(), devices: new Set() };
      this.checkBirth(seen, null);
      return;
    }
    const s = this.session;
    if (!s || s.node !== node) {
      this.bad(`${type} ${device ?? ''} outside a session (no NBIRTH before it)`);
      return;
    }
    if (seq !== s.expectSeq) this.bad(`${type} ${device ?? ''} seq ${seq}, expected ${s.expectSeq}`);
    s.expectSeq = (seq + 1) % 256;
    if (type === 'DBIRTH') {
      s.devices.add(device!);
      this.checkBirth(seen, device);
      return;
    }
    if (type === 'DDEATH') {
      s.devices.delete(device!);
      return;
    }
    if (type === 'DDATA' && !s.devices.has(device!)) this.bad(`DDATA for ${device} without a DBIRTH in this session`);
    for (const m of metrics) {
      if (m.name !== undefined) this.bad(`${type}: metric with a name (${m.name}); DATA must carry the alias only`);
      if (m.datatype !== undefined) this.bad(`${type}: metric with a datatype; not needed in DATA`);
      const def = m.alias === undefined ? undefined : s.aliases.get(m.alias);
      if (!def) {
        this.bad(`${type}: unknown alias ${m.alias}`);
        continue;
      }
      if (def.device !== device) this.bad(`${type} ${device}: alias ${m.alias} belongs to ${def.device ?? 'the node'}`);
      if (m.timestamp === undefined) this.bad(`${type}: metric without timestamp`);
      seen.values.set(def.name, valueOf(m, def.type));
      seen.resolved.push({ name: def.name, value: valueOf(m, def.type), historical: Boolean(m.isHistorical), timestamp: m.timestamp });
    }
  }

  private checkBirth(seen: SeenMessage, device: string | null): void {
    const s = this.session!;
    for (const m of seen.metrics) {
      if (!m.name) this.bad(`${seen.type}: metric without a name`);
      if (m.datatype === undefined) this.bad(`${seen.type}: ${m.name} without datatype`);
      if (m.timestamp === undefined) this.bad(`${seen.type}: ${m.name} without timestamp`);
      const v = valueOf(m, m.datatype ?? 0);
      if (v === undefined) this.bad(`${seen.type}: ${m.name} without a value (and not is_null)`);
      seen.values.set(m.name ?? '?', v);
      seen.resolved.push({ name: m.name ?? '?', value: v, historical: Boolean(m.isHistorical), timestamp: m.timestamp });
      if (m.name === 'Node Control/Rebirth') continue;
      if (m.alias === undefined) {
        this.bad(`${seen.type}: ${m.name} without alias`);
        continue;
      }
      const prev = s.aliases.get(m.alias);
      if (prev && (prev.device !== device || prev.name !== m.name)) this.bad(`alias ${m.alias} used for ${prev.device}/${prev.name} and ${device}/${m.name}`);
      s.aliases.set(m.alias, { device, name: m.name!, type: m.datatype ?? 0 });
    }
  }
}

function valueOf(m: RawMetric, type: number): unknown {
  if (m.isNull) return null;
  switch (type) {
    case TYPE.Int32:
      return m.intValue;
    case TYPE.Int64:
      return m.longValue;
    case TYPE.Double:
      return m.doubleValue;
    case TYPE.Boolean:
      return m.booleanValue;
    case TYPE.String:
      return m.stringValue;
    default:
      return undefined;
  }
}
