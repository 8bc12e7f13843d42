/**
 * MQTT topic layout (docs/mqtt.md): everything under `afg/v1/<site>/<gateway>/`, so that
 * several gateways share one broker and consumers can subscribe per site or per gateway.
 *
 * Cost: one string concatenation per call.
 *
 * @example
 *   const topics = new Topics('plant-1', 'gw-a');
 *   topics.alerts(); // 'afg/v1/plant-1/gw-a/alerts'
 */
export class Topics {
  readonly base: string;

  constructor(site: string, gateway: string) {
    for (const [name, v] of [['site', site], ['gateway', gateway]] as const) {
      if (!SEGMENT.test(v)) throw new RangeError(`${name} id '${v}' must be 1-64 letters, digits, _ or - (no MQTT wildcards or slashes)`);
    }
    this.base = `afg/v1/${site}/${gateway}`;
  }

  /** retained; the last will says offline */
  status(): string {
    return `${this.base}/status`;
  }

  /** periodic, QoS 0 */
  attention(wearer: string): string {
    return `${this.base}/wearers/${topicLevel(wearer)}/attention`;
  }

  /** optional aggregate telemetry, QoS 1 through the outbox (class telemetry) */
  summary(wearer: string): string {
    return `${this.base}/wearers/${topicLevel(wearer)}/summary`;
  }

  /** retained, QoS 1: outbox depth and every drop */
  outbox(): string {
    return `${this.base}/outbox`;
  }

  /** QoS 1, through the outbox */
  alerts(): string {
    return `${this.base}/alerts`;
  }

  /** QoS 1, through the outbox */
  decisions(): string {
    return `${this.base}/decisions`;
  }

  /** retained, QoS 0 */
  device(device: string): string {
    return `${this.base}/devices/${topicLevel(device)}/status`;
  }

  /** a command to the gateway (ack, shelve, accept, reject, threshold) */
  command(name: string): string {
    return `${this.base}/cmd/${topicLevel(name)}`;
  }

  /** the filter the gateway subscribes to for commands */
  commands(): string {
    return `${this.base}/cmd/+`;
  }

  /** replies to commands, carrying the correlation id (outside cmd/ so the gateway never hears itself) */
  replies(): string {
    return `${this.base}/replies`;
  }

  /** inbound: a driver's vehicle speed */
  vehicleSpeed(wearer: string): string {
    return `${this.base}/vehicles/${topicLevel(wearer)}/speed`;
  }
}

const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A wearer, device or command id becomes exactly one topic level. Ids come from config and
 * devices (a BLE address has colons, which are fine); the MQTT level separator and wildcards
 * (MQTT 3.1.1 §4.7.1) and control characters would split or widen the topic, so they become '_'.
 * Never throws: this runs inside bus handlers.
 */
export function topicLevel(id: string): string {
  const s = id.replace(/[/+#\u0000-\u001f]/g, '_');
  return s.length ? s : '_';
}

export interface TopicSpec {
  /** relative to `afg/v1/<site>/<gateway>/` */
  pattern: string;
  direction: 'out' | 'in';
  qos: 0 | 1;
  retain: boolean;
  /** key of PAYLOAD_SCHEMAS or INBOUND_SCHEMAS; 'Commands' for the cmd/ topics (one schema per command) */
  schema: 'StatusPayload' | 'AttentionPayload' | 'AttentionSummaryPayload' | 'AlertPayload' | 'DecisionPayload' | 'DeviceStatusPayload' | 'OutboxReportPayload' | 'CommandReply' | 'VehicleSpeedPayload' | 'Commands';
  what: string;
}

/** Every topic the gateway publishes or reserves; docs/mqtt.md is rendered from this table. */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { pattern: 'status', direction: 'out', qos: 1, retain: true, schema: 'StatusPayload', what: 'Gateway status. "online" on every (re)connect; "offline" on a clean stop and, as the MQTT last will, when the connection dies without a DISCONNECT. The gateway reads it too: an "online" from another process (another `startedAt`) means two gateways run with the same site and gateway ids (AFG_E_MQTT_DUPLICATE_GATEWAY, on /health).' },
  { pattern: 'wearers/<wearer>/attention', direction: 'out', qos: 0, retain: false, schema: 'AttentionPayload', what: 'Periodic attention estimate per wearer (pseudonym), at most once per period (default 1 s). Telemetry: not sent while the broker is away.' },
  { pattern: 'wearers/<wearer>/summary', direction: 'out', qos: 1, retain: false, schema: 'AttentionSummaryPayload', what: 'Optional (mqtt.summary.enabled): per wearer per period (default 60 s) the share of time per state and the mean score. Through the outbox as telemetry: dropped first when the outbox is full; de-duplicate on (wearer, from).' },
  { pattern: 'alerts', direction: 'out', qos: 1, retain: false, schema: 'AlertPayload', what: 'Alert episodes, one message per transition (raise, level change, ack, shelve, clear). Through the persisted outbox: at-least-once; de-duplicate on (id, rev).' },
  { pattern: 'decisions', direction: 'out', qos: 1, retain: false, schema: 'DecisionPayload', what: 'Scheduling decisions (break, reassign, line speed, rotate) and their state changes. Through the persisted outbox: at-least-once; de-duplicate on (id, state).' },
  { pattern: 'devices/<device>/status', direction: 'out', qos: 0, retain: true, schema: 'DeviceStatusPayload', what: 'Device connection state, achieved rate, validity and link quality (dropped frames, CRC and input errors, reconnects; BLE: skin contact, MTU, per-stream rates), at most once per device per period (default 5 s).' },
  { pattern: 'outbox', direction: 'out', qos: 1, retain: true, schema: 'OutboxReportPayload', what: 'What waits in the outbox and everything it ever dropped (by class and reason, the latest ids). On every connect, after drops (at most once a second) and every minute. A line system sees here if an alert was lost to the outbox bounds.' },
  { pattern: 'cmd/<command>', direction: 'in', qos: 1, retain: false, schema: 'Commands', what: 'Commands to the gateway: `alert.ack`, `alert.shelve`, `decision.accept`, `decision.reject`, `threshold.set`. Schema-validated and authorised (see Commands); never retained.' },
  { pattern: 'replies', direction: 'out', qos: 1, retain: false, schema: 'CommandReply', what: 'One reply per command received, accepted or refused, with its correlation id, a code and the reason. With MQTT 5 also on the sender\'s response topic, with its correlation data.' },
  { pattern: 'vehicles/<wearer>/speed', direction: 'in', qos: 0, retain: false, schema: 'VehicleSpeedPayload', what: 'A driver\'s vehicle speed (from the vehicle controller). Stale or malformed messages are dropped and counted; without a fresh one the configured speed is assumed.' },
];
