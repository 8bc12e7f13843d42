import t from 'tap';
import fc from 'fast-check';
import { createServer, Socket } from 'node:net';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { GazepointLink, type GazepointLinkOptions } from '../../../firmware-bridge/gazepoint/gazepoint-link.ts';
import { GazepointEmulator, type GazepointColumns } from '../../../firmware-bridge/gazepoint/gazepoint-emulator.ts';
import { freePort } from '../../helpers/free-port.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Got {
  t: number[];
  x: number[];
  y: number[];
  pupil: number[];
  valid: number[];
  arrivals: number[];
  lost: number[];
}

function linkTo(port: number, extra: Partial<GazepointLinkOptions> = {}) {
  const errors = new ErrorCounter();
  const got: Got = { t: [], x: [], y: [], pupil: [], valid: [], arrivals: [], lost: [] };
  const link = new GazepointLink({
    device: 'gp3-1',
    host: '127.0.0.1',
    port,
    errors,
    backoff: { initialMs: 20, maxMs: 200 },
    onBatch: (b, atMs) => {
      got.arrivals.push(atMs);
      for (let i = 0; i < b.n; i++) {
        got.t.push(b.t[i]!);
        got.x.push(b.x[i]!);
        got.y.push(b.y[i]!);
        got.pupil.push(b.pupil[i]!);
        got.valid.push(b.valid[i]!);
      }
    },
    onSensorLost: (e) => got.lost.push(e.silentForMs),
    ...extra,
  });
  return { link, errors, got };
}

t.test('normal flow over TCP: SETs are acknowledged and values arrive exactly', async (t) => {
  const n = 30;
  const cols: GazepointColumns = { n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), valid: new Uint8Array(n), pupilMm: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    cols.t[i] = 50 + i * 0.01;
    cols.x[i] = Math.round(1e5 * (0.1 + i / 100)) / 1e5;
    cols.y[i] = Math.round(1e5 * (0.9 - i / 200)) / 1e5;
    cols.valid[i] = i % 5 === 4 ? 0 : 1; // every fifth sample: FPOGV=0
    cols.pupilMm![i] = i % 7 === 3 ? NaN : 3 + i / 100;
  }
  const emu = new GazepointEmulator({ rateHz: 200, columns: cols });
  const port = await emu.start();
  let fakeNow = 1000;
  const replies: string[] = [];
  const { link, errors, got } = linkTo(port, { now: () => (fakeNow += 1), onReply: (r) => replies.push(`${r.tag}:${r.id}:${r.attrs.STATE}`) });
  t.teardown(async () => {
    await link.close();
    await emu.stop();
  });
  link.start();
  await waitFor('30 samples', () => got.t.length >= n);
  t.equal(link.status().state, 'connected');
  t.equal(link.status().streaming, true);
  t.ok(replies.includes('ACK:ENABLE_SEND_POG_FIX:1'));
  t.ok(replies.includes('ACK:ENABLE_SEND_PUPILMM:1'));
  t.equal(replies.at(-1), 'ACK:ENABLE_SEND_DATA:1', 'ENABLE_SEND_DATA is sent last');
  for (let i = 0; i < n; i++) {
    t.equal(got.t[i], Math.round((50 + i * 0.01) * 1e6), `t[${i}]`);
    t.equal(got.x[i], Math.fround(cols.x[i]!), `x[${i}]`);
    t.equal(got.y[i], Math.fround(cols.y[i]!), `y[${i}]`);
    t.equal(got.valid[i], cols.valid[i], `valid[${i}]`);
    if (i % 7 === 3) t.ok(Number.isNaN(got.pupil[i]), `pupil[${i}] unknown`);
    else t.equal(got.pupil[i], Math.fround(Number((3 + i / 100).toFixed(5))), `pupil[${i}]`);
  }
  t.ok(got.arrivals.every((a, i) => a > 1000 && (i === 0 || a > got.arrivals[i - 1]!)), 'arrival times come from the injected clock');
  t.equal(errors.total(), 0);
  t.equal(link.status().parser.cntGaps, 0);
});

t.test('garbage injected by the server is counted and data keeps flowing', async (t) => {
  const emu = new GazepointEmulator({ rateHz: 100 });
  const port = await emu.start();
  const { link, errors, got } = linkTo(port);
  t.teardown(async () => {
    await link.close();
    await emu.stop();
  });
  link.start();
  await waitFor('first samples', () => got.t.length >= 5);
  emu.injectGarbage('\r\n<REC FPOGX="0.1 FPOGY=\r\n');
  emu.injectGarbage(new Uint8Array([0xff, 0x00, 0x3c, 0x52, 0x0d, 0x0a]));
  emu.injectGarbage('<REC TIME="x" FPOGX="0.1" FPOGY="0.2" FPOGV="1" />\r\n');
  const before = got.t.length;
  await waitFor('garbage counted', () => errors.get('AFG_E_GAZEPOINT_RECORD') >= 3);
  await waitFor('more samples', () => got.t.length >= before + 10);
  t.equal(errors.get('AFG_E_GAZEPOINT_RECORD'), 3);
  t.equal(link.status().parser.garbled, 3);
  for (let i = 1; i < got.t.length; i++) t.ok(got.t[i]! > got.t[i - 1]!, 'device time increases');
  t.equal(link.status().state, 'connected');
});

t.test('property: random bytes from the server (any length, NUL, no CRLF, over the line limit) never stall the link; every dropped line is counted', async (t) => {
  const emu = new GazepointEmulator({ rateHz: 200 });
  const port = await emu.start();
  const { link, errors, got } = linkTo(port);
  t.teardown(async () => {
    await link.close();
    await emu.stop();
  });
  link.start();
  await waitFor('first samples', () => got.t.length >= 5);
  // short bursts, and long ones without a line feed: over the parser's 4096-byte line limit
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 400 }), fc.uint8Array({ minLength: 5000, maxLength: 9000 }).map((b) => b.map((x) => (x === 0x0a ? 0x20 : x)))), async (bytes) => {
      const before = got.t.length;
      emu.injectGarbage(bytes);
      emu.injectGarbage('\r\n'); // the garbage's last line ends; the server's next record is whole
      await waitFor('records after the garbage', () => got.t.length >= before + 5, 3000);
      return link.status().state === 'connected';
    }),
    { numRuns: 20, seed: 4243 },
  );
  const p = link.status().parser;
  t.equal(errors.get('AFG_E_GAZEPOINT_RECORD'), p.garbled + p.oversized + p.untimed, 'every dropped line counted');
  t.ok(p.garbled + p.oversized >= 15 && p.oversized > 0, `garbage lines dropped: ${p.garbled} garbled, ${p.oversized} oversized`);
  t.equal(errors.get('AFG_E_DEVICE_IO'), 0, 'the connection was never given up for bad data');
  for (let i = 1; i < got.t.length; i++) if (!(got.t[i]! > got.t[i - 1]!)) t.fail(`device time went back at ${i}`);
});

t.test('server goes away then comes back: the link reconnects with backoff and data flows again', async (t) => {
  const emu = new GazepointEmulator({ rateHz: 100 });
  const port = await emu.start();
  const states: string[] = [];
  const { link, errors, got } = linkTo(port, { sensorLostAfterMs: 5000, onStatus: (s) => states.push(s.state) });
  t.teardown(async () => {
    await link.close();
    await emu.stop();
  });
  link.start();
  await waitFor('first samples', () => got.t.length >= 5);
  await emu.stop();
  await waitFor('link notices', () => link.status().state === 'connecting' && !link.status().socketOpen);
  await waitFor('a few refused retries', () => link.status().attempt >= 3);
  const st = link.status();
  t.ok(st.retryDelayMs! >= 40, `backoff grew (${st.retryDelayMs} ms)`);
  t.equal(errors.get('AFG_E_DEVICE_IO'), 1, 'one outage counted once, not per retry');
  const mark = got.t.length;
  t.equal(await emu.start(), port, 'emulator restarts on the same port');
  await waitFor('data again', () => got.t.length >= mark + 10, 5000);
  t.equal(link.status().state, 'connected');
  t.equal(link.status().reconnects, 1);
  t.equal(link.status().attempt, 0);
  t.ok(states.includes('connecting') && states.at(-1) === 'connected', `states: ${states.join(',')}`);
  t.equal(errors.get('AFG_E_SENSOR_LOST'), 0);
});

t.test('sensor_lost during silence (TCP up, no records), cleared when samples return', async (t) => {
  const emu = new GazepointEmulator({ rateHz: 100 });
  const port = await emu.start();
  const { link, errors, got } = linkTo(port, { sensorLostAfterMs: 150 });
  t.teardown(async () => {
    await link.close();
    await emu.stop();
  });
  link.start();
  await waitFor('first samples', () => got.t.length >= 5);
  t.equal(got.lost.length, 0);
  emu.pause();
  await waitFor('sensor_lost', () => got.lost.length === 1);
  t.ok(got.lost[0]! >= 150, 'reported after the configured silence');
  t.equal(link.status().state, 'sensor_lost');
  t.equal(link.status().socketOpen, true, 'the connection is still up');
  t.equal(errors.get('AFG_E_SENSOR_LOST'), 1);
  await sleep(300);
  t.equal(got.lost.length, 1, 'once per silence episode');
  const mark = got.t.length;
  emu.resume();
  await waitFor('samples again', () => got.t.length > mark + 3);
  t.equal(link.status().state, 'connected');
});

t.test('no server at all: sensor_lost after the silence, retries keep going', async (t) => {
  const port = await freePort();
  const { link, errors, got } = linkTo(port, { sensorLostAfterMs: 100 });
  t.teardown(() => link.close());
  link.start();
  await waitFor('sensor_lost', () => got.lost.length === 1);
  t.equal(link.status().state, 'sensor_lost');
  t.ok(link.status().attempt >= 1);
  t.equal(errors.get('AFG_E_DEVICE_IO'), 1);
  t.equal(got.t.length, 0);
});

t.test('the link sends exactly the CRLF-terminated SET commands, ENABLE_SEND_DATA last', async (t) => {
  let received = '';
  const server = createServer((s: Socket) => {
    s.setEncoding('latin1');
    s.on('data', (d: string) => (received += d));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const { link } = linkTo(port, { enable: ['ENABLE_SEND_POG_FIX', 'ENABLE_SEND_TIME'] });
  t.teardown(async () => {
    await link.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
  link.start();
  await waitFor('commands', () => received.includes('ENABLE_SEND_DATA'));
  t.equal(
    received,
    '<SET ID="ENABLE_SEND_POG_FIX" STATE="1" />\r\n<SET ID="ENABLE_SEND_TIME" STATE="1" />\r\n<SET ID="ENABLE_SEND_DATA" STATE="1" />\r\n',
  );
});

t.test('emulator answers an unknown ID with NACK and the link records it', async (t) => {
  const emu = new GazepointEmulator({ rateHz: 50 });
  const port = await emu.start();
  const { link, got, errors } = linkTo(port, { enable: ['ENABLE_SEND_TIME', 'ENABLE_SEND_POG_FIX', 'ENABLE_SEND_WARP_DRIVE'] });
  t.teardown(async () => {
    await link.close();
    await emu.stop();
  });
  link.start();
  await waitFor('samples', () => got.t.length >= 3);
  t.same(link.status().refused, ['ENABLE_SEND_WARP_DRIVE']);
  t.equal(errors.get('AFG_E_GAZEPOINT_REFUSED'), 1, 'counted under a stable code');
  t.match(link.status().lastError, /^AFG_E_GAZEPOINT_REFUSED: server refused ENABLE_SEND_WARP_DRIVE/);
  t.ok(got.pupil.every((p) => Number.isNaN(p)), 'PUPILMM not enabled -> pupil unknown');
});

t.test('constructor validates its options', async (t) => {
  const errors = new ErrorCounter();
  const onBatch = () => {};
  t.throws(() => new GazepointLink({ device: '', errors, onBatch }), TypeError);
  t.throws(() => new GazepointLink({ device: 'd', errors, onBatch, port: 70000 }), RangeError);
  t.throws(() => new GazepointLink({ device: 'd', errors, onBatch, sensorLostAfterMs: 0 }), RangeError);
  t.throws(() => new GazepointLink({ device: 'd', errors, onBatch, backoff: { initialMs: 100, maxMs: 10 } }), RangeError);
  t.throws(() => new GazepointLink({ device: 'd', errors, onBatch, enable: ['X" /><SET'] }), RangeError);
  t.throws(() => new GazepointEmulator({ rateHz: 0 }), RangeError);
});
