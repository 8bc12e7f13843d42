import { createServer, type Server } from 'node:net';

export interface EmbeddedBroker {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * An MQTT broker in the gateway process (aedes) for a box with no plant broker configured:
 * 127.0.0.1:1883 by default, or the next free port when that one is taken.
 *
 * @example
 *   const broker = await startEmbeddedBroker({ port: 1883 });
 *   console.log(broker.url); // mqtt://127.0.0.1:1883 (or 1884, ...)
 */
export async function startEmbeddedBroker(opts: { host?: string; port?: number; maxPortTries?: number } = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const first = opts.port ?? 1883;
  const tries = opts.maxPortTries ?? 20;
  // loaded here, not at module load: a gateway with a plant broker never pays for aedes
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  let lastErr: unknown;
  for (let port = first; port < first + tries; port++) {
    const server = createServer(aedes.handle);
    try {
      await listen(server, port, host);
    } catch (err) {
      lastErr = err;
      server.close();
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && first !== 0) continue;
      break;
    }
    const actual = (server.address() as { port: number }).port;
    return {
      url: `mqtt://${host}:${actual}`,
      host,
      port: actual,
      close: () =>
        new Promise<void>((resolve) => {
          aedes.close(() => server.close(() => resolve()));
        }),
    };
  }
  await new Promise<void>((r) => aedes.close(() => r()));
  throw new Error(`embedded MQTT broker: no free port in ${first}..${first + tries - 1} on ${host}: ${(lastErr as Error)?.message}`);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
