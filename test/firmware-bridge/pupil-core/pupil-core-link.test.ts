import t from 'tap';
import fc from 'fast-check';
import * as zmq from 'zeromq';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import type { GazeBatch } from '../../../gateway/core/types.ts';
import { PupilCoreLink, type PupilCoreLinkOptions, type PupilTimeExchange } from '../../../firmware-bridge/pupil-core/pupil-core-link.ts';
import { PupilCoreEmulator } from '../../../firmware-bridge/pupil-core/pupil-core-emulator.ts';

const CLOCK_OFFSET_MS = 1e7;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Rig {
  emu: PupilCoreEmulator;
  link: PupilCoreLink;
  errors: ErrorCounter;
  batches: GazeBatch[];
  arrivals: number[];
  exchanges: PupilTimeExchange[];
  lost: number[];
  samples: () => number;
}

/** Emulator on a free port, link pointed at it; everything is closed in teardown. */
async function rig(t: { teardown: (fn: () => Promise<void>) => void }, emuOpts: ConstructorParameters<typeof PupilCoreEmulator>[0], linkOpts: Partial<PupilCoreLinkOptions> = {}): Promise<Rig> {
  const emu = new PupilCoreEmulator({ ...emuOpts });
  const { remotePort } = await emu.start();
  const errors = new ErrorCounter();
  const batches: GazeBatch[] = [];
  const arrivals: number[] = [];
  const exchanges: PupilTimeExchange[] = [];
  const lost: number[] = [];
  const link = new PupilCoreLink({
    device: 'pupil-1',
    host: '127.0.0.1',
    remotePort,
    errors,
    // injected monotonic clock, offset from performance.now so a wall-clock read would show
    now: () => performance.now() + CLOCK_OFFSET_MS,
    onBatch: (b, at) => {
      batches.push(b);
      arrivals.push(at);
    },
    onTimeExchange: (x) => exchanges.push(x),
    onSensorLost: (e) => lost.push(e.silentForMs),
    requestTimeoutMs: 300,
    backoff: { initialMs: 50, maxMs: 400 },
    ...linkOpts,
  });
  t.teardown(async () => {
    await link.close();
    await emu.stop();
  });
  link.start();
  return { emu, link, errors, batches, arrivals, exchanges, lost, samples: () => batches.reduce((s, b) => s + b.n, 0) };
}

/** PUB/SUB drops what is published before the subscription reaches the publisher: publish until one arrives. */
async function warmUp(r: Rig): Promise<void> {
  await waitFor('SUB socket up', () => r.link.status().subPort !== null);
  const end = Date.now() + 5000;
  while (r.samples() === 0) {
    if (Date.now() > end) throw new Error('no warm-up sample arrived');
    await r.emu.publish('gaze.3d.0.', { norm_pos: [0, 0], confidence: 1, timestamp: 1 });
    await sleep(20);
  }
  await sleep(50);
  r.batches.length = 0;
  r.arrivals.length = 0;
}

t.test('normal flow: handshake, exact values, y flip, low confidence invalid, pupil from pupil datums', async (t) => {
  const r = await rig(t, { rateHz: 0, pupilTimeBaseS: 5000 });
  await warmUp(r);
  const st = r.link.status();
  t.equal(st.subPort, r.emu.status().pubPort, 'SUB_PORT answered by Pupil Remote');
  t.ok(r.exchanges.length >= 1, 't round trip made');
  const x = r.exchanges[0]!;
  t.ok(x.t4Ms > x.t1Ms, 't4 after t1');
  t.ok(x.pupilUs >= 5000e6 && x.pupilUs < 5100e6, `Pupil time from the emulator (${x.pupilUs})`);
  t.ok(Math.abs(st.clockOffsetMs! - ((x.t1Ms + x.t4Ms) / 2 - x.pupilUs / 1000)) < 1e-6, 'offset = midpoint of t1,t4 − Pupil time');
  t.equal(st.rttMs, x.t4Ms - x.t1Ms);

  await r.emu.publish('pupil.0.3d', { id: 0, timestamp: 100.0, diameter_3d: 4.0, diameter: 33 });
  await r.emu.publish('pupil.1.3d', { id: 1, timestamp: 100.0, diameter_3d: 5.0, diameter: 34 });
  await r.emu.publish('gaze.3d.01.', { norm_pos: [0.1, 0.2], confidence: 0.9, timestamp: 100.004 });
  await r.emu.publish('gaze.3d.01.', { norm_pos: [0.3, 0.9], confidence: 0.2, timestamp: 100.012 });
  await r.emu.publish('gaze.3d.01.', { norm_pos: [0.7, 0.5], confidence: 0.6, timestamp: 100.02, base_data: [{ diameter_3d: 3 }] });
  await r.emu.publish('notify.calibration', { subject: 'x' });
  await waitFor('3 samples', () => r.samples() >= 3);
  await sleep(60);
  const all = { t: [] as number[], x: [] as number[], y: [] as number[], pupil: [] as number[], valid: [] as number[] };
  for (const b of r.batches) {
    t.equal(b.clock, 'device');
    t.equal(b.units, 'norm');
    for (let i = 0; i < b.n; i++) {
      all.t.push(b.t[i]!);
      all.x.push(b.x[i]!);
      all.y.push(b.y[i]!);
      all.pupil.push(b.pupil[i]!);
      all.valid.push(b.valid[i]!);
      t.ok(Number.isNaN(b.openness[i]!));
    }
  }
  t.same(all.t, [100.004e6, 100.012e6, 100.02e6]);
  t.same(all.x, [0.1, 0.3, 0.7].map(Math.fround));
  t.same(all.y, [0.8, 0.1, 0.5].map((v) => Math.fround(v)).map((v, i) => Math.fround(1 - [0.2, 0.9, 0.5][i]!)));
  t.same(all.valid, [1, 0, 1]);
  t.same(all.pupil, [4.5, 4.5, 3]);
  t.ok(r.arrivals.every((a, i) => a >= CLOCK_OFFSET_MS && (i === 0 || a >= r.arrivals[i - 1]!)), 'arrival times from the injected clock, monotonic');
  t.ok(x.t1Ms >= CLOCK_OFFSET_MS, 't1/t4 from the injected clock');
  t.equal(r.errors.total(), 0);
  t.equal(r.link.status().decoder.ignoredTopics, 0, 'notify.* is not subscribed, so never received');

  const again = await r.link.requestTime();
  t.ok(again && again.pupilUs > x.pupilUs, 'requestTime() makes another round trip');
});

t.test('malformed payloads over the wire are counted, and the link keeps flowing', async (t) => {
  const r = await rig(t, { rateHz: 0 });
  await warmUp(r);
  await r.emu.publish('gaze.3d.0.', new Uint8Array([0xc1, 0x00, 0xff]));
  await r.emu.publish('gaze.3d.0.', new Uint8Array([0x93, 1, 2, 3])); // msgpack array, not a map
  await r.emu.publish('gaze.3d.0.', { confidence: 1, timestamp: 2 });
  await r.emu.publish('gaze.3d.0.', { norm_pos: [0.5, 0.5], confidence: 1, timestamp: 3 });
  await waitFor('good sample after bad ones', () => r.samples() >= 1);
  t.equal(r.errors.get('AFG_E_PUPIL_MESSAGE'), 3);
  t.same(r.link.status().decoder.malformed, 2);
  t.same(r.link.status().decoder.missingFields, 1);
  t.same(Array.from(r.batches[0]!.t), [3e6]);
});

t.test('property: random multipart messages (0-3 extra frames, random bytes) under a gaze topic are counted and never stall the link', async (t) => {
  const r = await rig(t, { rateHz: 0 });
  await warmUp(r);
  let ts = 10;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 0, maxLength: 3 }), fc.constantFrom('gaze.3d.01.', 'gaze.', 'pupil.0.3d'), async (rest, topic) => {
      const before = r.samples();
      await r.emu.publishFrames([topic, ...rest]);
      ts += 1;
      await r.emu.publish('gaze.3d.01.', { norm_pos: [0.25, 0.75], confidence: 1, timestamp: ts });
      await waitFor('the next good datum', () => r.samples() > before, 3000);
      return r.link.status().state === 'connected';
    }),
    { numRuns: 25, seed: 4242 },
  );
  const d = r.link.status().decoder;
  t.equal(r.errors.get('AFG_E_PUPIL_MESSAGE'), d.malformed + d.missingFields, 'every drop counted');
  t.equal(d.messages, d.gaze + d.pupil + d.malformed + d.missingFields + d.ignoredTopics, 'every message accounted for');
  t.ok(d.malformed > 0, `some were malformed (${d.malformed})`);
  t.equal(r.errors.get('AFG_E_DEVICE_IO'), 0, 'no session was torn down for bad data');
});

t.test('Pupil Remote answering SUB_PORT / t with garbage: AFG_E_PUPIL_MESSAGE counted, the session retried, connects once the answers are sane', async (t) => {
  const r = await rig(t, { rateHz: 50 });
  await warmUp(r);
  await r.link.close();
  const errors = new ErrorCounter();
  let samples = 0;
  const { remotePort } = r.emu.status() as { remotePort: number };
  const link = new PupilCoreLink({ device: 'pupil-2', remotePort, errors, onBatch: (b) => (samples += b.n), requestTimeoutMs: 300, backoff: { initialMs: 20, maxMs: 80 } });
  t.teardown(() => link.close());
  r.emu.answerOverride = (req) => (req === 'SUB_PORT' ? 'Unknown command.' : undefined);
  link.start();
  await waitFor('two refused handshakes', () => errors.get('AFG_E_PUPIL_MESSAGE') >= 2);
  t.match(link.status().lastError, /^AFG_E_PUPIL_MESSAGE: Pupil Remote answered SUB_PORT with "Unknown command\."/);
  t.equal(errors.get('AFG_E_DEVICE_IO'), 1, 'one outage');
  r.emu.answerOverride = (req) => (req === 't' ? 'NaN' : undefined);
  const refusedT = errors.get('AFG_E_PUPIL_MESSAGE');
  await waitFor('a refused time', () => errors.get('AFG_E_PUPIL_MESSAGE') > refusedT);
  t.match(link.status().lastError, /answered 't' with "NaN"/);
  r.emu.answerOverride = undefined;
  await waitFor('data once Remote answers sanely', () => samples > 10);
  t.equal(link.status().state, 'connected');
});

t.test('emulator at rate: low-confidence samples are marked invalid', async (t) => {
  const r = await rig(t, { rateHz: 200, lowConfidenceEvery: 4 });
  await waitFor('40 samples', () => r.samples() >= 40);
  let valid = 0;
  let n = 0;
  for (const b of r.batches) for (let i = 0; i < b.n; i++, n++) valid += b.valid[i]!;
  t.ok(n - valid >= Math.floor(n / 4) - 2 && n - valid <= Math.ceil(n / 4) + 2, `about a quarter invalid (${n - valid} of ${n})`);
  t.ok(r.batches.some((b) => b.n > 1), 'several datums per batch');
  t.ok(r.batches.every((b) => Array.from(b.pupil).every((p) => p > 3 && p < 4.2)), 'pupil mm from base_data');
});

t.test('Pupil Capture quits and restarts: sensor_lost, backoff, reconnect on the new SUB port, data again', async (t) => {
  const r = await rig(t, { rateHz: 100 }, { sensorLostAfterMs: 300 });
  await waitFor('data', () => r.samples() >= 5);
  const firstPort = r.link.status().subPort;
  await r.emu.stop();
  await waitFor('sensor_lost', () => r.lost.length === 1);
  t.equal(r.link.status().state, 'sensor_lost');
  t.equal(r.errors.get('AFG_E_SENSOR_LOST'), 1);
  await waitFor('retries against the absent Remote', () => r.link.status().attempt >= 2);
  t.equal(r.errors.get('AFG_E_DEVICE_IO'), 1, 'one outage counted once, not per retry');
  t.ok(r.link.status().retryDelayMs! > 50, 'backoff grows');
  await sleep(200);
  t.equal(r.lost.length, 1, 'sensor_lost once per silence episode');
  const before = r.samples();
  await r.emu.start();
  await waitFor('data after restart', () => r.samples() >= before + 5);
  const st = r.link.status();
  t.equal(st.state, 'connected');
  t.equal(st.subPort, r.emu.status().pubPort);
  t.ok(st.reconnects >= 1);
  t.ok(firstPort !== null);
  t.equal(st.attempt, 0, 'backoff reset once data flows');
});

t.test('silence while Pupil Remote is still up: sensor_lost, never a state of the person; recovers', async (t) => {
  const r = await rig(t, { rateHz: 0 }, { sensorLostAfterMs: 200 });
  await warmUp(r);
  await waitFor('sensor_lost', () => r.lost.length === 1);
  t.ok(r.lost[0]! >= 200);
  t.equal(r.link.status().state, 'sensor_lost');
  t.equal(r.batches.length, 0, 'no samples are invented during the silence');
  await waitFor('re-asked Pupil Remote', () => r.link.status().subPort !== null && r.link.status().reconnects >= 1);
  await warmUp(r);
  t.equal(r.link.status().state, 'connected');
});

t.test('Pupil Remote that never answers: REQ times out, counted once, retried with growing backoff', async (t) => {
  const mute = new zmq.Reply({ linger: 0 });
  await mute.bind('tcp://127.0.0.1:*');
  const port = Number(/:(\d+)$/.exec(mute.lastEndpoint!)![1]);
  const errors = new ErrorCounter();
  const link = new PupilCoreLink({
    device: 'p',
    remotePort: port,
    errors,
    onBatch: () => undefined,
    requestTimeoutMs: 100,
    backoff: { initialMs: 20, maxMs: 80 },
  });
  t.teardown(async () => {
    await link.close();
    mute.close();
  });
  link.start();
  await waitFor('three failed handshakes', () => link.status().attempt >= 3);
  const st = link.status();
  t.equal(st.state, 'connecting');
  t.equal(st.subPort, null);
  t.equal(errors.get('AFG_E_DEVICE_IO'), 1);
  t.match(st.lastError ?? '', /./, 'the timeout is reported in status');
  t.ok(st.retryDelayMs! >= 80, `backoff doubled up to the cap (${st.retryDelayMs})`);
});

t.test('Pupil Remote absent at start, appears later: the link connects', async (t) => {
  const probe = new PupilCoreEmulator({ rateHz: 0 });
  const { remotePort } = await probe.start();
  await probe.stop(); // a port that was free a moment ago
  const emu = new PupilCoreEmulator({ rateHz: 100, remotePort });
  const errors = new ErrorCounter();
  let samples = 0;
  const link = new PupilCoreLink({
    device: 'p',
    remotePort,
    errors,
    onBatch: (b) => (samples += b.n),
    requestTimeoutMs: 100,
    backoff: { initialMs: 20, maxMs: 100 },
  });
  t.teardown(async () => {
    await link.close();
    await emu.stop();
  });
  link.start();
  await waitFor('failed handshakes', () => link.status().attempt >= 2);
  t.equal(samples, 0);
  await emu.start();
  await waitFor('data', () => samples >= 3);
  t.equal(link.status().state, 'connected');
  t.equal(errors.get('AFG_E_DEVICE_IO'), 1);
});

t.test('constructor validation and close before start', async (t) => {
  const base = { device: 'p', errors: new ErrorCounter(), onBatch: () => undefined };
  t.throws(() => new PupilCoreLink({ ...base, device: '' }), TypeError);
  t.throws(() => new PupilCoreLink({ ...base, remotePort: 0 }), RangeError);
  t.throws(() => new PupilCoreLink({ ...base, sensorLostAfterMs: 0 }), RangeError);
  t.throws(() => new PupilCoreLink({ ...base, backoff: { initialMs: 100, maxMs: 10 } }), RangeError);
  const l = new PupilCoreLink(base);
  await l.close();
  t.equal(l.status().state, 'disconnected');
  t.throws(() => new PupilCoreEmulator({ rateHz: -1 }), RangeError);
});
