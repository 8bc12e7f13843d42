import { createRequire } from 'node:module';
import type { UMetric, UPayload } from 'sparkplug-payload/lib/sparkplugbpayload.js';

// sparkplug-payload is CommonJS: its encoder for births and deaths, its generated protobuf
// module for DATA messages (which must carry the alias only, without name or datatype)
const require = createRequire(import.meta.url);
const sparkplug = (require('sparkplug-payload') as { get(ns: string): { encodePayload(p: UPayload): Uint8Array; decodePayload(b: Uint8Array): UPayload } }).get('spBv1.0')!;
const proto = (require('sparkplug-payload/lib/sparkplugPayloadProto.js') as { org: { eclipse: { tahu: { protobuf: { Payload: ProtoPayloadStatic } } } } }).org.eclipse.tahu.protobuf.Payload;

interface ProtoPayloadStatic {
  create(p: Record<string, unknown>): unknown;
  encode(p: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): Record<string, unknown>;
}

/** The Sparkplug datatypes the gateway uses (Sparkplug 3.0.0 §6.4.16, DataType enum). */
export type SparkplugType = 'Int32' | 'Int64' | 'Double' | 'Boolean' | 'String';
export type MetricValue = number | boolean | string | null;

export interface BirthMetric {
  name: string;
  /** null only for Node Control/Rebirth, which is never aliased */
  alias: number | null;
  type: SparkplugType;
  value: MetricValue;
  /** epoch ms */
  timestamp: number;
}

export interface DataMetric {
  alias: number;
  type: SparkplugType;
  value: MetricValue;
  timestamp: number;
  historical: boolean;
}

/**
 * Encodes the gateway's Sparkplug B payloads with the npm `sparkplug-payload` package
 * (Eclipse Tahu's protobuf definition). Births carry name, alias, datatype and value for every
 * metric ([tck-id-topics-nbirth-metrics], [tck-id-payloads-alias-birth-requirement]); a null
 * value is sent with is_null ([tck-id-operational-behavior-data-publish-nbirth-values]). DATA
 * messages carry the alias only, no name ([tck-id-payloads-alias-data-cmd-requirement]) and no
 * datatype ([tck-id-payloads-metric-datatype-not-req]). The NDEATH holds exactly the bdSeq
 * metric (INT64) and no seq ([tck-id-topics-ndeath-payload], [tck-id-topics-ndeath-seq]).
 *
 * Cost: one protobuf encode per message.
 */
export const SparkplugCodec = {
  birth(timestamp: number, seq: number, metrics: readonly BirthMetric[]): Uint8Array {
    const m: UMetric[] = metrics.map((x) => ({ name: x.name, ...(x.alias !== null ? { alias: x.alias } : {}), type: x.type, value: x.value, timestamp: x.timestamp }));
    return sparkplug.encodePayload({ timestamp, seq, metrics: m });
  },

  death(bdSeq: number, timestamp: number): Uint8Array {
    return sparkplug.encodePayload({ timestamp, metrics: [{ name: 'bdSeq', type: 'Int64', value: bdSeq, timestamp }] });
  },

  data(timestamp: number, seq: number, metrics: readonly DataMetric[]): Uint8Array {
    const m = metrics.map((x) => {
      const o: Record<string, unknown> = { alias: x.alias, timestamp: x.timestamp };
      if (x.historical) o['isHistorical'] = true;
      if (x.value === null) o['isNull'] = true;
      else o[valueField(x.type)] = x.value;
      return o;
    });
    return proto.encode(proto.create({ timestamp, seq, metrics: m })).finish();
  },

  /** A decoded NCMD/DCMD (names, aliases, values); throws on bytes that are not a Sparkplug payload. */
  decodeCommand(bytes: Uint8Array): { name?: string; alias?: number; value: unknown }[] {
    const p = sparkplug.decodePayload(bytes);
    return (p.metrics ?? []).map((m) => ({ ...(m.name ? { name: m.name } : {}), ...(m.alias !== undefined && m.alias !== null ? { alias: Number(m.alias) } : {}), value: m.value }));
  },
};

function valueField(t: SparkplugType): string {
  switch (t) {
    case 'Int32':
      return 'intValue';
    case 'Int64':
      return 'longValue';
    case 'Double':
      return 'doubleValue';
    case 'Boolean':
      return 'booleanValue';
    case 'String':
      return 'stringValue';
  }
}
