import t from 'tap';
import fc from 'fast-check';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { FrameDecoder, type DecodedMessage } from '../../../firmware-bridge/serial/frame-decoder.ts';
import { cobsEncode } from '../../../firmware-bridge/serial/cobs.ts';
import { crc16CcittFalse } from '../../../firmware-bridge/serial/crc16-ccitt-false.ts';
import {
  encodeDeviceEvent,
  encodeError,
  encodeGaze,
  encodeGazeFrames,
  encodeHeartbeat,
  encodeHello,
  encodeRawBody,
  encodeTimeSyncRequest,
  encodeTimeSyncResponse,
} from '../../../firmware-bridge/serial/frame-encoder.ts';
import type { GazeColumns, HelloMessage } from '../../../firmware-bridge/serial/protocol.ts';

function collect(opts: { maxFrameLength?: number; onProtocolMismatch?: (v: number) => void } = {}) {
  const errors = new ErrorCounter();
  const messages: DecodedMessage[] = [];
  const dec = new FrameDecoder({ device: 'et-test', errors, onMessage: (m) => messages.push(m), ...opts });
  return { errors, messages, dec };
}

/** Plain-JSON view of a message, typed arrays as arrays and NaN as the string 'NaN', for deep equality. */
function plain(m: unknown): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v) => {
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isNaN(x) ? 'NaN' : x));
    if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
    return v;
  }));
}

const HELLO: HelloMessage = {
  deviceId: 'ET-0042',
  firmwareVersion: '2.4.1',
  protocolMin: 1,
  protocolMax: 1,
  sampleRateHz: 120,
  units: 'norm',
  geometry: { kind: 'screen', g0: 527, g1: 296, g2: 650, resX: 1920, resY: 1080 },
};

function gazeCols(n: number, t0 = 1_000_000): GazeColumns {
  const c: GazeColumns = {
    n,
    t: new Float64Array(n),
    x: new Float32Array(n),
    y: new Float32Array(n),
    pupil: new Float32Array(n),
    openness: new Float32Array(n),
    valid: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    c.t[i] = t0 + i * 8333;
    c.x[i] = i * 0.5 - 10;
    c.y[i] = -i * 0.25;
    c.pupil[i] = i % 7 === 0 ? NaN : 3 + i / 100;
    c.openness[i] = i % 5 === 0 ? NaN : 0.9;
    c.valid[i] = i % 3 === 0 ? 0 : 1;
  }
  return c;
}

t.test('the worked example of PROTOCOL.md §8 is byte exact', async (t) => {
  const wire = encodeHeartbeat({ tUs: 1_000_000, battery: 80, status: 0x03 }, 7);
  t.equal(Buffer.from(wire).toString('hex'), '040106070440420f01010101055003915900');
  const { dec, messages } = collect();
  dec.push(wire);
  t.same(plain(messages), [{ type: 'heartbeat', version: 1, seq: 7, tUs: 1_000_000, battery: 80, status: 3 }]);
});

t.test('every message type round-trips', async (t) => {
  const { dec, messages, errors } = collect();
  dec.push(encodeHello(HELLO, 0));
  dec.push(encodeDeviceEvent({ tUs: 2 ** 40 + 3, code: 2, arg: -150, text: 'kalibriert ✓' }, 1));
  dec.push(encodeTimeSyncRequest(123_456_789, 2));
  dec.push(encodeTimeSyncResponse({ t1Us: 1, t2Us: 2 ** 52, t3Us: 2 ** 52 + 50 }, 2));
  dec.push(encodeHeartbeat({ tUs: 5, battery: null, status: 0x0f }, 3));
  dec.push(encodeError({ code: 1, arg: 1, text: 'protocol version 1 only' }, 4));
  t.equal(errors.total(), 0);
  t.same(plain(messages), [
    { type: 'hello', version: 1, seq: 0, ...HELLO },
    { type: 'device_event', version: 1, seq: 1, tUs: 2 ** 40 + 3, code: 2, arg: -150, text: 'kalibriert ✓' },
    { type: 'time_sync_request', version: 1, seq: 2, t1Us: 123_456_789 },
    { type: 'time_sync_response', version: 1, seq: 2, t1Us: 1, t2Us: 2 ** 52, t3Us: 2 ** 52 + 50 },
    { type: 'heartbeat', version: 1, seq: 3, tUs: 5, battery: null, status: 0x0f },
    { type: 'error', version: 1, seq: 4, code: 1, arg: 1, text: 'protocol version 1 only' },
  ]);
});

t.test('gaze decodes into a columnar device-clock batch, split at 48 samples per frame', async (t) => {
  const cols = gazeCols(100);
  const enc = encodeGazeFrames(cols, 65534);
  t.equal(enc.frames, 3, '100 samples need 3 frames of at most 48');
  const { dec, messages, errors } = collect();
  dec.push(enc.bytes);
  t.equal(errors.total(), 0);
  t.same(messages.map((m) => m.seq), [65534, 65535, 0], 'seq increments and wraps');
  t.equal(dec.stats().seqGaps, 0, 'a wrap is not a gap');
  const batches = messages.map((m) => (m.type === 'gaze' ? m.batch : null));
  t.same(batches.map((b) => b?.n), [48, 48, 4]);
  const b = batches[0]!;
  t.equal(b.clock, 'device');
  t.equal(b.units, 'deg', 'deg before any HELLO');
  t.ok(b.t instanceof Float64Array && b.x instanceof Float32Array && b.valid instanceof Uint8Array);
  const all = (k: 't' | 'x' | 'y' | 'pupil' | 'openness' | 'valid') => batches.flatMap((bb) => Array.from(bb![k] as ArrayLike<number>));
  t.same(plain(all('t')), plain(Array.from(cols.t)));
  t.same(plain(all('x')), plain(Array.from(cols.x)));
  t.same(plain(all('pupil')), plain(Array.from(cols.pupil)), 'NaN pupil survives as NaN');
  t.same(plain(all('openness')), plain(Array.from(cols.openness)));
  t.same(all('valid'), Array.from(cols.valid));
  // units follow the HELLO
  dec.push(encodeHello(HELLO, 1));
  dec.push(encodeGaze(gazeCols(2), 2));
  const last = messages[messages.length - 1]!;
  t.equal(last.type === 'gaze' && last.batch.units, 'norm');
});

t.test('a batch stays intact after later frames are decoded (decoder buffers are not shared with it)', async (t) => {
  const { dec, messages } = collect();
  dec.push(encodeGaze(gazeCols(10, 100), 0));
  dec.push(encodeGaze(gazeCols(10, 999_999), 1));
  const first = messages[0]!;
  t.equal(first.type === 'gaze' && first.batch.t[0], 100);
});

// --- property tests -------------------------------------------------------------------------

const f32 = fc.float({ noDefaultInfinity: false });
const u64us = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const text = (maxLength: number) => fc.string({ maxLength }).filter((s) => Buffer.byteLength(s) <= maxLength);

const arbGaze = fc
  .record({
    n: fc.integer({ min: 1, max: 130 }),
    t0: fc.integer({ min: 0, max: 2 ** 50 }),
    seed: fc.array(fc.tuple(fc.integer({ min: 0, max: 100_000 }), f32, f32, f32, f32, fc.boolean()), { minLength: 130, maxLength: 130 }),
  })
  .map(({ n, t0, seed }) => {
    const c = gazeCols(n, t0);
    let tt = t0;
    for (let i = 0; i < n; i++) {
      const [dt, x, y, p, o, v] = seed[i]!;
      tt += dt;
      c.t[i] = tt;
      c.x[i] = x;
      c.y[i] = y;
      c.pupil[i] = p;
      c.openness[i] = o;
      c.valid[i] = v ? 1 : 0;
    }
    return c;
  });

type Sent = { bytes: Uint8Array; expect: unknown[] };

const arbMessage: fc.Arbitrary<Sent> = fc.oneof(
  fc
    .record({
      deviceId: text(64).filter((s) => s.length > 0),
      firmwareVersion: text(32),
      protocolMin: fc.integer({ min: 0, max: 1 }),
      protocolMax: fc.constant(1),
      sampleRateHz: f32,
      units: fc.constantFrom('deg' as const, 'norm' as const),
      geometry: fc.record({
        kind: fc.constantFrom('none' as const, 'screen' as const, 'scene_camera' as const),
        g0: f32,
        g1: f32,
        g2: f32,
        resX: fc.integer({ min: 0, max: 65535 }),
        resY: fc.integer({ min: 0, max: 65535 }),
      }),
      seq: fc.integer({ min: 0, max: 65535 }),
    })
    .map(({ seq, ...h }) => ({ bytes: encodeHello(h, seq), expect: [{ type: 'hello', version: 1, seq, ...h }] })),
  fc.record({ cols: arbGaze, seq: fc.integer({ min: 0, max: 65535 }) }).map(({ cols, seq }) => {
    const expect: unknown[] = [];
    for (let i = 0, k = 0; i < cols.n; i += 48, k++) {
      const m = Math.min(48, cols.n - i);
      const sl = <A extends { slice(a: number, b: number): A }>(a: A) => a.slice(i, i + m);
      expect.push({ seq: (seq + k) & 0xffff, t: sl(cols.t), x: sl(cols.x), y: sl(cols.y), pupil: sl(cols.pupil), openness: sl(cols.openness), valid: sl(cols.valid) });
    }
    return { bytes: encodeGaze(cols, seq), expect };
  }),
  fc.record({ tUs: u64us, code: fc.integer({ min: 0, max: 65535 }), arg: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), text: text(200), seq: fc.integer({ min: 0, max: 65535 }) })
    .map(({ seq, ...e }) => ({ bytes: encodeDeviceEvent(e, seq), expect: [{ type: 'device_event', version: 1, seq, ...e }] })),
  fc.record({ t1Us: u64us, t2Us: u64us, t3Us: u64us, seq: fc.integer({ min: 0, max: 65535 }) })
    .map(({ seq, ...r }) => ({ bytes: encodeTimeSyncResponse(r, seq), expect: [{ type: 'time_sync_response', version: 1, seq, ...r }] })),
  fc.record({ t1Us: u64us, seq: fc.integer({ min: 0, max: 65535 }) })
    .map(({ seq, t1Us }) => ({ bytes: encodeTimeSyncRequest(t1Us, seq), expect: [{ type: 'time_sync_request', version: 1, seq, t1Us }] })),
  fc.record({ tUs: u64us, battery: fc.option(fc.integer({ min: 0, max: 100 })), status: fc.integer({ min: 0, max: 255 }), seq: fc.integer({ min: 0, max: 65535 }) })
    .map(({ seq, ...h }) => ({ bytes: encodeHeartbeat(h, seq), expect: [{ type: 'heartbeat', version: 1, seq, ...h }] })),
  fc.record({ code: fc.integer({ min: 0, max: 65535 }), arg: fc.nat(), text: text(200), seq: fc.integer({ min: 0, max: 65535 }) })
    .map(({ seq, ...e }) => ({ bytes: encodeError(e, seq), expect: [{ type: 'error', version: 1, seq, ...e }] })),
);

/** What the decoder produced, in the shape of Sent.expect (gaze flattened to its columns). */
function observed(messages: DecodedMessage[]): unknown[] {
  return messages.map((m) => {
    if (m.type !== 'gaze') return plain(m);
    const b = m.batch;
    return plain({ seq: m.seq, t: b.t, x: b.x, y: b.y, pupil: b.pupil, openness: b.openness, valid: b.valid });
  });
}

t.test('property: encode then decode is the identity, for any mix of messages', async (t) => {
  fc.assert(
    fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 8 }), (sent) => {
      const { dec, messages, errors } = collect();
      for (const s of sent) dec.push(s.bytes);
      const want = plain(sent.flatMap((s) => s.expect));
      t.same(observed(messages), want);
      return errors.total() === 0;
    }),
    { numRuns: 150 },
  );
});

t.test('property: any chunking of the stream yields the same messages (byte by byte too)', async (t) => {
  fc.assert(
    fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }), fc.boolean(), (sent, cuts, byteByByte) => {
      const stream = Buffer.concat(sent.map((s) => s.bytes));
      const whole = collect();
      whole.dec.push(stream);
      const chunked = collect();
      let pos = 0;
      let k = 0;
      while (pos < stream.length) {
        const size = byteByByte ? 1 : cuts[k++ % cuts.length]!;
        chunked.dec.push(stream.subarray(pos, pos + size));
        pos += size;
      }
      return JSON.stringify(observed(chunked.messages)) === JSON.stringify(observed(whole.messages)) && whole.messages.length > 0 && chunked.errors.total() === 0;
    }),
    { numRuns: 150 },
  );
});

t.test('property: random bytes never throw nor stall; each bad frame is counted; a valid frame after them decodes', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), (garbage, chunk) => {
      const { dec, messages, errors } = collect();
      const stream = Buffer.concat([garbage, Uint8Array.of(0), encodeHeartbeat({ tUs: 42, battery: 50, status: 1 }, 9)]);
      for (let i = 0; i < stream.length; i += chunk) dec.push(stream.subarray(i, i + chunk));
      // every non-empty segment between delimiters is either delivered or counted, exactly once
      let segments = 0;
      let len = 0;
      for (const b of garbage) {
        if (b === 0) {
          if (len > 0) segments++;
          len = 0;
        } else len++;
      }
      if (len > 0) segments++;
      const last = messages[messages.length - 1];
      return (
        errors.total() + messages.length === segments + 1 &&
        last?.type === 'heartbeat' && last.tUs === 42 &&
        dec.stats().bytes === stream.length
      );
    }),
    { numRuns: 300 },
  );
});

// --- targeted bad input -----------------------------------------------------------------------

t.test('garbage without a delimiter, then valid frames: resync loses at most the first frame', async (t) => {
  const { dec, messages, errors } = collect();
  const hb = (seq: number) => encodeHeartbeat({ tUs: seq, battery: 90, status: 1 }, seq);
  dec.push(Uint8Array.from({ length: 50 }, (_, i) => (i * 37 + 1) & 0xff || 1)); // non-zero noise
  dec.push(hb(1));
  dec.push(hb(2));
  dec.push(hb(3));
  t.same(messages.map((m) => m.seq), [2, 3]);
  t.equal(errors.total(), 1, 'the noise glued to frame 1 is one counted bad frame');
});

t.test('each error class is counted under its code', async (t) => {
  const { dec, messages, errors } = collect();
  // CRC: a valid frame with one body bit flipped, re-stuffed so that COBS stays valid
  const body = Uint8Array.of(1, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 50, 1);
  const crc = crc16CcittFalse(body);
  const bad = Uint8Array.of(...body, crc & 0xff, crc >>> 8);
  bad[5] ^= 0x10;
  dec.push(Uint8Array.of(...cobsEncode(bad), 0));
  t.equal(errors.get('AFG_E_FRAME_CRC'), 1, 'CRC');
  dec.push(Uint8Array.of(0x05, 0x11, 0x22, 0x00));
  t.equal(errors.get('AFG_E_FRAME_COBS'), 1, 'COBS code past the end');
  dec.push(new Uint8Array(5000).fill(0x7e));
  dec.push(Uint8Array.of(0));
  t.equal(errors.get('AFG_E_FRAME_TOO_LONG'), 1, 'too long counted once');
  dec.push(Uint8Array.of(...cobsEncode(Uint8Array.of(1, 6, 0)), 0));
  t.equal(errors.get('AFG_E_FRAME_TRUNCATED'), 1, 'shorter than header + CRC');
  dec.push(encodeRawBody(Uint8Array.of(1, 2, 0, 0, 5, 0)));
  t.equal(errors.get('AFG_E_FRAME_TRUNCATED'), 2, 'gaze payload shorter than its count says');
  dec.push(encodeRawBody(Uint8Array.of(1, 0x7f, 0, 0)));
  t.equal(errors.get('AFG_E_FRAME_UNKNOWN_TYPE'), 1, 'unknown type');
  t.equal(messages.length, 0, 'nothing bad was delivered');
  dec.push(Uint8Array.of(0, 0, 0)); // empty frames are flushes, not errors
  t.equal(errors.total(), 6);
});

t.test('a smaller maxFrameLength drops frames over it as too long', async (t) => {
  const { dec, messages, errors } = collect({ maxFrameLength: 64 });
  dec.push(encodeGaze(gazeCols(10), 0)); // 10 × 21 + 16 bytes > 64
  dec.push(encodeHeartbeat({ tUs: 1, battery: 1, status: 0 }, 1));
  t.equal(errors.get('AFG_E_FRAME_TOO_LONG'), 1);
  t.same(messages.map((m) => m.type), ['heartbeat']);
});

t.test('a device speaking another protocol version is refused and counted, whatever it sends', async (t) => {
  const seen: number[] = [];
  const { dec, messages, errors } = collect({ onProtocolMismatch: (v) => seen.push(v) });
  dec.push(encodeHello({ ...HELLO, protocolMin: 2, protocolMax: 2 }, 0, { version: 2 }));
  dec.push(encodeGaze(gazeCols(5), 1, { version: 2 }));
  t.equal(messages.length, 0, 'no data reaches the pipeline');
  t.equal(errors.get('AFG_E_PROTOCOL_VERSION'), 2);
  t.same(seen, [2, 2]);
  dec.push(encodeHello(HELLO, 2));
  t.same(messages.map((m) => m.type), ['hello'], 'the same stream recovers once the device speaks version 1');
});

t.test('seq gaps of device frames are counted as dropped frames', async (t) => {
  const { dec } = collect();
  dec.push(encodeHeartbeat({ tUs: 1, battery: 1, status: 0 }, 10));
  dec.push(encodeHeartbeat({ tUs: 2, battery: 1, status: 0 }, 13));
  t.equal(dec.stats().seqGaps, 2);
  t.equal(dec.stats().frames, 2);
});

t.test('constructor validates its options', async (t) => {
  const errors = new ErrorCounter();
  t.throws(() => new FrameDecoder({ device: '', errors, onMessage: () => {} }));
  t.throws(() => new FrameDecoder({ device: 'd', errors, maxFrameLength: 3, onMessage: () => {} }));
});
