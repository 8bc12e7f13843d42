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

  /** reserved: a command to the gateway (ack, shelve, accept, reject, threshold) */
  command(name: string): string {
    return `${this.base}/cmd/${topicLevel(name)}`;
  }

  /** reserved: the filter the gateway subscribes to for commands */
  commands(): string {
    return `${this.base}/cmd/#`;
  }

  /** reserved: replies to commands, carrying the correlation id (outside cmd/ so the gateway never hears itself) */
  replies(): string {
    return `${this.base}/replies`;
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
  /** key of PAYLOAD_SCHEMAS, or null where the payload is not fixed yet */
  schema: 'StatusPayload' | 'AttentionPayload' | 'AlertPayload' | 'DecisionPayload' | 'DeviceStatusPayload' | null;
  what: string;
}

/** Every topic the gateway publishes or reserves; docs/mqtt.md is rendered from this table. */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { pattern: 'status', direction: 'out', qos: 1, retain: true, schema: 'StatusPayload', what: 'Gateway status. "online" on every (re)connect; "offline" on a clean stop and, as the MQTT last will, when the connection dies without a DISCONNECT.' },
  { pattern: 'wearers/<wearer>/attention', direction: 'out', qos: 0, retain: false, schema: 'AttentionPayload', what: 'Periodic attention estimate per wearer (pseudonym), at most once per period (default 1 s). Telemetry: not sent while the broker is away.' },
  { pattern: 'alerts', direction: 'out', qos: 1, retain: false, schema: 'AlertPayload', what: 'Alert episodes, one message per transition (raise, level change, ack, shelve, clear). Through the persisted outbox: at-least-once; de-duplicate on (id, rev).' },
  { pattern: 'decisions', direction: 'out', qos: 1, retain: false, schema: 'DecisionPayload', what: 'Scheduling decisions (break, reassign, line speed, rotate) and their state changes. Through the persisted outbox: at-least-once; de-duplicate on (id, state).' },
  { pattern: 'devices/<device>/status', direction: 'out', qos: 0, retain: true, schema: 'DeviceStatusPayload', what: 'Device connection state, rate and validity, at most once per device per period (default 5 s).' },
  { pattern: 'cmd/<command>', direction: 'in', qos: 1, retain: false, schema: null, what: 'Reserved for commands to the gateway (acknowledge / shelve an alert, accept / reject a decision, change a threshold). Not subscribed yet.' },
  { pattern: 'replies', direction: 'out', qos: 1, retain: false, schema: null, what: 'Reserved for command replies carrying the correlation id and the outcome. Not published yet.' },
];
