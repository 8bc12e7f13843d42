/**
 * MQTT topic layout (docs/mqtt.md): everything under `afg/v1/<site>/<gateway>/`, so that
 * several gateways share one broker and consumers can subscribe per site or per gateway.
 */
export class Topics {
  readonly base: string;

  constructor(site: string, gateway: string) {
    for (const [name, v] of [['site', site], ['gateway', gateway]] as const) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(v)) throw new RangeError(`${name} id '${v}' must be 1-64 letters, digits, _ or - (no MQTT wildcards or slashes)`);
    }
    this.base = `afg/v1/${site}/${gateway}`;
  }

  /** retained; the last will says offline */
  status(): string {
    return `${this.base}/status`;
  }

  /** periodic, QoS 0 */
  attention(wearer: string): string {
    return `${this.base}/wearers/${wearer}/attention`;
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
    return `${this.base}/devices/${device}/status`;
  }
}
