/**
 * A line system in its own process: subscribes to the gateway's alert topic at QoS 1 and prints
 * one NDJSON line per message with the receive time on CLOCK_MONOTONIC (process.hrtime, the same
 * clock in every process of the machine), so another process can subtract its own readings.
 * Prints `{"ready":true}` once the subscription is acknowledged.
 *
 * Usage: node --import tsx bench/lib/alert-subscriber.ts <mqtt-url> <topic>
 */
import mqtt from 'mqtt';

const [url, topic] = process.argv.slice(2);
if (!url || !topic) {
  process.stderr.write('usage: alert-subscriber.ts <mqtt-url> <topic>\n');
  process.exit(2);
}
const client = mqtt.connect(url, { clientId: `afg-bench-sub-${process.pid}`, clean: true, reconnectPeriod: 200 });
client.on('message', (_t, payload) => {
  const recvNs = process.hrtime.bigint();
  let m: { id?: string; rev?: number; wearer?: string; kind?: string; level?: number; state?: string } = {};
  try {
    m = JSON.parse(payload.toString('utf8'));
  } catch {
    /* not JSON: still reported, with no id */
  }
  process.stdout.write(`${JSON.stringify({ id: m.id, rev: m.rev, wearer: m.wearer, kind: m.kind, level: m.level, state: m.state, recvNs: String(recvNs) })}\n`);
});
client.on('connect', () => {
  client.subscribe(topic, { qos: 1 }, (err) => {
    if (err) {
      process.stderr.write(`subscribe failed: ${err.message}\n`);
      process.exit(1);
    }
    process.stdout.write('{"ready":true}\n');
  });
});
process.on('SIGTERM', () => client.end(true, {}, () => process.exit(0)));
