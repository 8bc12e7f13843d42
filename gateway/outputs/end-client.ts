import type { IDisconnectPacket, MqttClient } from 'mqtt';

/**
 * Ends an mqtt.js client within `timeoutMs`: a graceful end (DISCONNECT after what is in
 * flight) when connected, and a forced one if that does not finish in time (a broker that
 * stopped answering) or when not connected. A stop must never hang on the broker.
 *
 * @example
 *   await endClient(client, 1000);
 */
export function endClient(client: MqttClient, timeoutMs: number, disconnect: Partial<IDisconnectPacket> = {}): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => client.end(true, {}, finish), timeoutMs);
    client.end(!client.connected, disconnect, finish);
  });
}
