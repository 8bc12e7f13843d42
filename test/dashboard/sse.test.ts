import t from 'tap';
import http from 'node:http';
import { alert, decision, device, estimate, startDashboard } from './floor-fixture.ts';

interface SseEvent {
  event: string;
  data: unknown;
}

/** A raw SSE client over node:http that parses events as they arrive. */
function openStream(url: string) {
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  let headers: http.IncomingHttpHeaders = {};
  let buf = '';
  const req = http.get(url, (res) => {
    headers = res.headers;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let event = 'message';
        let data: string | null = null;
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data = line.slice(6);
        }
        if (data !== null) events.push({ event, data: JSON.parse(data) });
      }
      for (const w of waiters.splice(0)) w();
    });
  });
  req.on('error', () => undefined);
  const waitFor = async (pred: (e: SseEvent[]) => boolean, timeoutMs = 5000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!pred(events)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${events.map((e) => e.event).join(',')}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return { events, waitFor, headers: () => headers, close: () => req.destroy() };
}

async function listening(o: Parameters<typeof startDashboard>[0] = {}) {
  const h = await startDashboard(o);
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (h.app.server.address() as { port: number }).port;
  return { ...h, url: `http://127.0.0.1:${port}` };
}

t.test('SSE: a snapshot first, then an alert as soon as it is on the bus', async (t) => {
  const h = await listening();
  t.teardown(() => h.app.close());
  const s = openStream(`${h.url}/api/events`);
  t.teardown(() => s.close());
  await s.waitFor((e) => e.length >= 1);
  t.match(s.headers()['content-type'], /text\/event-stream/);
  t.ok(s.headers()['content-security-policy'], 'security headers on the stream too');
  t.equal(s.events[0]!.event, 'snapshot');
  t.equal((s.events[0]!.data as { site: string }).site, 'plant-a');
  h.bus.emit('alert', alert('a1', 0, 'active'));
  h.bus.emit('decision', decision('d1', 'pending'));
  await s.waitFor((e) => e.some((x) => x.event === 'decision'));
  const alertEvent = s.events.find((x) => x.event === 'alert');
  t.same(alertEvent?.data, alert('a1', 0, 'active'));
  t.ok(s.events.findIndex((x) => x.event === 'alert') < s.events.findIndex((x) => x.event === 'decision'), 'in bus order');
});

t.test('SSE: per-wearer updates are coalesced: a 10 Hz stream for 200 ms yields one event with the latest', async (t) => {
  const h = await listening({ plugin: { wearerPeriodMs: 300, heartbeatMs: 60_000 } });
  t.teardown(() => h.app.close());
  const s = openStream(`${h.url}/api/events`);
  t.teardown(() => s.close());
  await s.waitFor((e) => e.length >= 1);
  for (let i = 0; i < 20; i++) {
    h.bus.emit('estimate', estimate('op-7f3a', i * 100, 'attentive', 0.5 + i / 100));
    h.bus.emit('estimate', estimate('op-21bc', i * 100, 'distracted', 0.2 + i / 100));
    h.bus.emit('device', device('et-1', i % 2 ? 'connected' : 'sensor_lost'));
  }
  await s.waitFor((e) => e.filter((x) => x.event === 'wearer').length >= 2);
  await new Promise((r) => setTimeout(r, 700)); // two more flush periods: nothing new may arrive
  const wearers = s.events.filter((x) => x.event === 'wearer').map((x) => x.data as { id: string; score: number });
  t.equal(wearers.length, 2, 'one event per wearer, not 40');
  t.same(wearers.find((w) => w.id === 'op-7f3a')?.score, 0.69, 'the latest value');
  const devices = s.events.filter((x) => x.event === 'device');
  t.equal(devices.length, 1);
  t.equal((devices[0]!.data as { state: string }).state, 'connected');
});

t.test('SSE: a heartbeat event keeps a quiet stream live', async (t) => {
  const h = await listening({ plugin: { heartbeatMs: 100 } });
  t.teardown(() => h.app.close());
  const s = openStream(`${h.url}/api/events`);
  t.teardown(() => s.close());
  await s.waitFor((e) => e.filter((x) => x.event === 'heartbeat').length >= 2);
  const hb = s.events.find((x) => x.event === 'heartbeat')!.data as { serverTime: number };
  t.type(hb.serverTime, 'number');
});

t.test('SSE: closing the client unsubscribes; closing the server ends open streams', async (t) => {
  const h = await listening();
  const before = (h.floor as unknown as { listeners: Set<unknown> }).listeners.size;
  const a = openStream(`${h.url}/api/events`);
  const b = openStream(`${h.url}/api/events`);
  await a.waitFor((e) => e.length >= 1);
  await b.waitFor((e) => e.length >= 1);
  const listeners = () => (h.floor as unknown as { listeners: Set<unknown> }).listeners.size;
  t.equal(listeners(), before + 2);
  a.close();
  const deadline = Date.now() + 3000;
  while (listeners() !== before + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.equal(listeners(), before + 1, 'the closed client no longer listens');
  const closed = Promise.race([h.app.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 3000))]);
  t.equal(await closed, 'closed', 'app.close() does not wait on the open stream');
  t.equal(listeners(), before);
  b.close();
});
