import t from 'tap';
import { createServer } from 'node:net';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../gateway/outputs/embedded-broker.ts';
import { freePort } from '../helpers/free-port.ts';

t.test('a client can publish and subscribe through the embedded broker', async (t) => {
  const broker = await startEmbeddedBroker({ port: await freePort() });
  t.teardown(() => broker.close());
  const c = mqtt.connect(broker.url);
  t.teardown(() => void c.end(true));
  await new Promise<void>((r) => c.on('connect', () => r()));
  const got = new Promise<string>((r) => c.on('message', (_tp, p) => r(p.toString())));
  await new Promise<void>((r) => c.subscribe('afg/#', { qos: 1 }, () => r()));
  c.publish('afg/v1/s/g/alerts', 'hello', { qos: 1 });
  t.equal(await got, 'hello');
});

t.test('when the port is taken, the next free one is used', async (t) => {
  const port = await freePort();
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
  t.teardown(() => void blocker.close());
  const broker = await startEmbeddedBroker({ port });
  t.teardown(() => broker.close());
  t.not(broker.port, port);
  t.ok(broker.port > port && broker.port < port + 20);
  t.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`);
});
