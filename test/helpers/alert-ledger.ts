import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';

export interface ReceivedAlert {
  id: string;
  rev: number;
  wearer: string;
  kind: string;
  state: string;
  raisedAt: number;
}

/**
 * A line system's view of `alerts` for the fault tests: a QoS 1 subscriber that keeps every
 * message (duplicates included), and after de-duplication by (id, rev) answers which alerts
 * arrived and whether each wearer's arrived in the order raised. After a broker restart call
 * `resubscribed()` before letting the gateway back in, so nothing is published to nobody.
 *
 * @example
 *   const ledger = await AlertLedger.connect(broker.url, 'afg/v1/p/g/alerts');
 *   ...
 *   ledger.missing(expectedKeys); // []
 */
export class AlertLedger {
  readonly client: MqttClient;
  readonly topic: string;
  readonly raw: ReceivedAlert[] = [];
  private subscribedAt = 0;

  private constructor(client: MqttClient, topic: string) {
    this.client = client;
    this.topic = topic;
    client.on('message', (_t, p) => this.raw.push(JSON.parse(p.toString()) as ReceivedAlert));
  }

  static async connect(url: string, topic: string): Promise<AlertLedger> {
    const client = mqtt.connect(url, { clientId: `ledger-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 100, resubscribe: false });
    const l = new AlertLedger(client, topic);
    client.on('connect', () => client.subscribe(topic, { qos: 1 }, () => (l.subscribedAt = Date.now())));
    await l.resubscribed(0);
    return l;
  }

  /** Resolves once the subscription is in place on a connection made after `since` (ms epoch). */
  async resubscribed(since = Date.now(), timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(this.client.connected && this.subscribedAt >= since)) {
      if (Date.now() > end) throw new Error('the ledger did not resubscribe');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** First arrival of each (id, rev), in arrival order. */
  unique(): ReceivedAlert[] {
    const seen = new Set<string>();
    return this.raw.filter((a) => {
      const k = `${a.id}:${a.rev}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  keys(): Set<string> {
    return new Set(this.raw.map((a) => `${a.id}:${a.rev}`));
  }

  missing(expected: Iterable<string>): string[] {
    const got = this.keys();
    return [...expected].filter((k) => !got.has(k));
  }

  /** Per wearer: the de-duplicated arrivals must be in raise order (raisedAt, then rev). */
  outOfOrder(): string[] {
    const bad: string[] = [];
    const last = new Map<string, ReceivedAlert>();
    for (const a of this.unique()) {
      const p = last.get(a.wearer);
      if (p && (a.raisedAt < p.raisedAt || (a.id === p.id && a.rev < p.rev))) bad.push(`${a.wearer}: ${a.id}:${a.rev} (${a.raisedAt}) after ${p.id}:${p.rev} (${p.raisedAt})`);
      last.set(a.wearer, a);
    }
    return bad;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.client.end(true, {}, () => r()));
  }
}

/** Every (id, rev) the gateway's store recorded (read after a clean stop): what was raised. */
export function storedAlertKeys(dataDir: string): Set<string> {
  const data = JSON.parse(readFileSync(path.join(dataDir, 'afg-store.json'), 'utf8')) as { alerts: Record<string, { history: { rev: number }[] }> };
  const out = new Set<string>();
  for (const [id, a] of Object.entries(data.alerts)) for (const h of a.history) out.add(`${id}:${h.rev}`);
  return out;
}

/** The ids of the alerts persisted in the outbox file and not acknowledged (what a crash must not lose). */
export function outboxPendingIds(dataDir: string, cls = 'alert'): string[] {
  let text = '';
  try {
    text = readFileSync(path.join(dataDir, 'outbox', 'outbox.log'), 'utf8');
  } catch {
    return [];
  }
  const pending = new Map<string, string>();
  for (const line of text.split('\n')) {
    let l: { op: string; e?: { id: string; cls: string }; id?: string; d?: { id: string } };
    try {
      l = JSON.parse(line);
    } catch {
      continue; // a torn last line: never counted as raised
    }
    if (l.op === 'add' && l.e) pending.set(l.e.id, l.e.cls);
    else if (l.op === 'ack' && l.id) pending.delete(l.id);
    else if (l.op === 'drop' && l.d) pending.delete(l.d.id);
  }
  return [...pending].filter(([, c]) => c === cls).map(([id]) => id);
}
