import { connect, createServer, type Server, type Socket } from 'node:net';

/** What a client put in its CONNECT packet (MQTT 3.1.1 §3.1, MQTT 5 §3.1). */
export interface ConnectPacket {
  protocolLevel: number;
  cleanSession: boolean;
  keepalive: number;
  clientId: string;
  /** MQTT 5 only; null when absent (the default 0) */
  sessionExpiryInterval: number | null;
  will: { topic: string; payload: Buffer; qos: number; retain: boolean } | null;
  username: string | null;
}

/**
 * A TCP proxy between a client and a broker that parses each connection's CONNECT packet and
 * can cut every connection (as a network failure would: no DISCONNECT, so the broker sends the
 * Will), or hold the line closed (a gate: fault tests let a consumer reconnect before the
 * gateway does). Everything else is forwarded untouched.
 *
 * @example
 *   const spy = await startConnectSpy(broker.port);
 *   mqtt.connect(spy.url, ...);
 *   spy.connects[0].will?.qos; // 1
 *   spy.cutAll();
 */
export async function startConnectSpy(brokerPort: number): Promise<{ url: string; port: number; connects: ConnectPacket[]; cutAll(): void; gate(open: boolean): void; close(): Promise<void> }> {
  const connects: ConnectPacket[] = [];
  const pairs = new Set<[Socket, Socket]>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy(); // as a refused connection would be
      return;
    }
    const upstream = connect(brokerPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    let head: Buffer | null = Buffer.alloc(0);
    client.on('data', (d: Buffer) => {
      if (head !== null) {
        head = Buffer.concat([head, d]);
        const p = parseConnect(head);
        if (p) {
          connects.push(p);
          head = null;
        }
      }
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    connects,
    cutAll: () => {
      for (const [c, u] of pairs) {
        c.destroy();
        u.destroy();
      }
      pairs.clear();
    },
    /** closed: every connection is cut and new ones are refused until it is opened again */
    gate: (o: boolean) => {
      open = o;
      if (!o) {
        for (const [c, u] of pairs) {
          c.destroy();
          u.destroy();
        }
        pairs.clear();
      }
    },
    close: () =>
      new Promise<void>((r) => {
        for (const [c, u] of pairs) {
          c.destroy();
          u.destroy();
        }
        server.close(() => r());
      }),
  };
}

/** Parses a complete CONNECT packet at the start of `b`, or returns null if more bytes are needed. */
export function parseConnect(b: Buffer): ConnectPacket | null {
  if (b.length < 2) return null;
  if (b[0]! >> 4 !== 1) throw new Error(`first packet is not CONNECT (type ${b[0]! >> 4})`);
  let len = 0;
  let mult = 1;
  let i = 1;
  for (;;) {
    if (i >= b.length) return null;
    const byte = b[i++]!;
    len += (byte & 0x7f) * mult;
    mult *= 128;
    if (!(byte & 0x80)) break;
  }
  if (b.length < i + len) return null;
  const r = { pos: i };
  const u16 = () => {
    const v = b.readUInt16BE(r.pos);
    r.pos += 2;
    return v;
  };
  const bin = () => {
    const n = u16();
    const v = b.subarray(r.pos, r.pos + n);
    r.pos += n;
    return Buffer.from(v);
  };
  const varint = () => {
    let v = 0;
    let m = 1;
    for (;;) {
      const byte = b[r.pos++]!;
      v += (byte & 0x7f) * m;
      m *= 128;
      if (!(byte & 0x80)) return v;
    }
  };
  /** MQTT 5 properties: returns the session expiry interval (0x11) if present */
  const props = (): number | null => {
    const n = varint();
    const endAt = r.pos + n;
    let sei: number | null = null;
    while (r.pos < endAt) {
      const id = b[r.pos++]!;
      if (id === 0x11 || id === 0x18 || id === 0x27 || id === 0x02) {
        const v = b.readUInt32BE(r.pos);
        r.pos += 4;
        if (id === 0x11) sei = v;
      } else if (id === 0x21 || id === 0x22 || id === 0x13) r.pos += 2;
      else if (id === 0x17 || id === 0x19 || id === 0x01) r.pos += 1;
      else if (id === 0x15 || id === 0x16 || id === 0x03 || id === 0x08 || id === 0x09) r.pos += 2 + b.readUInt16BE(r.pos);
      else if (id === 0x26) {
        r.pos += 2 + b.readUInt16BE(r.pos);
        r.pos += 2 + b.readUInt16BE(r.pos);
      } else throw new Error(`unexpected CONNECT property 0x${id.toString(16)}`);
    }
    r.pos = endAt;
    return sei;
  };
  bin(); // protocol name
  const protocolLevel = b[r.pos++]!;
  const flags = b[r.pos++]!;
  const keepalive = u16();
  const sessionExpiryInterval = protocolLevel === 5 ? props() : null;
  const clientId = bin().toString('utf8');
  let will: ConnectPacket['will'] = null;
  if (flags & 0x04) {
    if (protocolLevel === 5) props();
    const topic = bin().toString('utf8');
    const payload = bin();
    will = { topic, payload, qos: (flags >> 3) & 0x03, retain: Boolean(flags & 0x20) };
  }
  const username = flags & 0x80 ? bin().toString('utf8') : null;
  return { protocolLevel, cleanSession: Boolean(flags & 0x02), keepalive, clientId, sessionExpiryInterval, will, username };
}
