import fc from 'fast-check';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { FrameDecoder, type DecodedMessage } from '../../../firmware-bridge/serial/frame-decoder.ts';
import { encodeDeviceEvent, encodeGaze, encodeHeartbeat, encodeHello, encodeTimeSyncRequest, encodeTimeSyncResponse } from '../../../firmware-bridge/serial/frame-encoder.ts';
import { type FuzzTarget, type FuzzTally, unknownCodes } from '../fuzz-tally.ts';
import { timed } from './timed-case.ts';

const NAME = 'serial-frames';

/** A valid frame of any message type, with random content. */
const validFrame = fc.oneof(
  fc.record({ n: fc.integer({ min: 1, max: 48 }), t0: fc.double({ min: 0, max: 2 ** 52, noNaN: true }), dt: fc.integer({ min: 0, max: 100_000 }), seed: fc.integer(), seq: fc.integer({ min: 0, max: 0xffff }), xs: fc.float32Array({ minLength: 48, maxLength: 48 }) }).map((g) => {
    const t = new Float64Array(g.n);
    const valid = new Uint8Array(g.n);
    for (let i = 0; i < g.n; i++) {
      t[i] = Math.floor(g.t0) + i * g.dt;
      valid[i] = (g.seed >> i % 31) & 1;
    }
    const col = Float32Array.from({ length: g.n }, (_, i) => g.xs[i]!);
    return encodeGaze({ n: g.n, t, x: col, y: col.map((v) => -v), pupil: col, openness: col, valid }, g.seq);
  }),
  fc.record({ id: fc.string({ minLength: 1, maxLength: 64 }), fw: fc.string({ maxLength: 32 }), rate: fc.float({ noNaN: true }), seq: fc.integer({ min: 0, max: 0xffff }), units: fc.constantFrom('deg' as const, 'norm' as const), kind: fc.constantFrom('none' as const, 'screen' as const, 'scene_camera' as const) }).map((h) =>
    encodeHello({ deviceId: h.id, firmwareVersion: h.fw, protocolMin: 1, protocolMax: 1, sampleRateHz: h.rate, units: h.units, geometry: { kind: h.kind, g0: 500, g1: 300, g2: 650, resX: 1920, resY: 1080 } }, h.seq),
  ),
  fc.record({ t: fc.integer({ min: 0, max: 2 ** 48 }), battery: fc.option(fc.integer({ min: 0, max: 100 })), status: fc.integer({ min: 0, max: 255 }), seq: fc.integer({ min: 0, max: 0xffff }) }).map((h) => encodeHeartbeat({ tUs: h.t, battery: h.battery, status: h.status }, h.seq)),
  fc.record({ t: fc.integer({ min: 0, max: 2 ** 48 }), code: fc.integer({ min: 0, max: 0xffff }), arg: fc.integer({ min: 0, max: 2 ** 31 }), text: fc.string({ maxLength: 200 }), seq: fc.integer({ min: 0, max: 0xffff }) }).map((e) => encodeDeviceEvent({ tUs: e.t, code: e.code, arg: e.arg, text: e.text }, e.seq)),
  fc.record({ t: fc.integer({ min: 0, max: 2 ** 48 }), seq: fc.integer({ min: 0, max: 0xffff }) }).map((r) => encodeTimeSyncRequest(r.t, r.seq)),
  fc.record({ t: fc.integer({ min: 0, max: 2 ** 48 }), seq: fc.integer({ min: 0, max: 0xffff }) }).map((r) => encodeTimeSyncResponse({ t1Us: r.t, t2Us: r.t + 10, t3Us: r.t + 60 }, r.seq)),
);

type Mutation = { op: 'flip'; at: number; bit: number } | { op: 'set'; at: number; v: number } | { op: 'drop'; at: number } | { op: 'insert'; at: number; v: number } | { op: 'truncate'; at: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

/** Applies mutations to the frame body (everything before its 0x00 delimiter). */
function mutate(frame: Uint8Array, ms: readonly Mutation[]): number[] {
  const b = [...frame.subarray(0, frame.length - 1)];
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.op === 'flip') b[at]! ^= 1 << m.bit;
    else if (m.op === 'set') b[at] = m.v;
    else if (m.op === 'drop') b.splice(at, 1);
    else if (m.op === 'insert') b.splice(at, 0, m.v);
    else b.length = at;
  }
  return b;
}

/** A delivered message must be well-formed: columns of length n, in order for gaze. */
function checkMessage(m: DecodedMessage): void {
  if (m.type !== 'gaze') return;
  const b = m.batch;
  if (!(b.n >= 1 && b.t.length === b.n && b.x.length === b.n && b.valid.length === b.n)) throw new Error(`malformed batch n=${b.n}`);
  for (let i = 0; i < b.n; i++) {
    if (!Number.isFinite(b.t[i]!)) throw new Error(`non-finite t at ${i}`);
    if (i > 0 && b.t[i]! < b.t[i - 1]!) throw new Error('gaze times go backwards within a frame');
    if (b.valid[i] !== 0 && b.valid[i] !== 1) throw new Error('valid is not 0/1');
  }
}

function decoder(errors: ErrorCounter, out: DecodedMessage[]): FrameDecoder {
  return new FrameDecoder({ device: 'fuzz-et', errors, onMessage: (m) => out.push(m) });
}

async function run({ cases, seed, tally }: { cases: number; seed: number; tally: FuzzTally }): Promise<void> {
  const third = Math.max(1, Math.floor(cases / 3));
  // 1. any bytes in any chunks: never throws, every drop counted under a known code
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 8 }), (chunks) => {
      tally.case(NAME);
      const errors = new ErrorCounter();
      const out: DecodedMessage[] = [];
      const d = decoder(errors, out);
      timed(() => {
        for (const c of chunks) d.push(c);
        d.push(Uint8Array.of(0));
      });
      out.forEach(checkMessage);
      if (unknownCodes(errors).length) throw new Error(`unknown codes ${unknownCodes(errors)}`);
      tally.accepted(NAME, out.length);
      tally.rejectedFrom(NAME, errors, {});
    }),
    { numRuns: third, seed },
  );
  // 2. a valid frame, mutated: either delivered intact-looking, or counted — never silently dropped
  fc.assert(
    fc.property(validFrame, fc.array(mutation, { minLength: 1, maxLength: 4 }), (frame, ms) => {
      tally.case(NAME);
      const errors = new ErrorCounter();
      const out: DecodedMessage[] = [];
      const d = decoder(errors, out);
      const body = mutate(frame, ms);
      timed(() => d.push(Uint8Array.from([0, ...body, 0])));
      out.forEach(checkMessage);
      const counted = errors.total();
      const pieces = body.length === 0 ? 0 : body.filter((v) => v === 0).length + 1; // a 0x00 inside splits the frame
      const nonEmpty = body.length === 0 ? 0 : pieces - countEmpty(body);
      if (out.length + counted < nonEmpty) throw new Error(`a mutated frame vanished: ${nonEmpty} pieces, ${out.length} delivered, ${counted} counted, body ${JSON.stringify(body)}`);
      tally.accepted(NAME, out.length);
      tally.rejectedFrom(NAME, errors, {});
    }),
    { numRuns: third, seed: seed + 1 },
  );
  // 3. a stream of valid frames with one corrupted frame among them: the others all arrive
  fc.assert(
    fc.property(fc.array(validFrame, { minLength: 2, maxLength: 6 }), fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 64 }), (frames, which, ms, chunk) => {
      tally.case(NAME);
      const bad = which % frames.length;
      const bytes: number[] = [0];
      frames.forEach((f, i) => bytes.push(...(i === bad ? [...mutate(f, ms).filter((v) => v !== 0), 0] : f)));
      const errors = new ErrorCounter();
      const out: DecodedMessage[] = [];
      const d = decoder(errors, out);
      const all = Uint8Array.from(bytes);
      timed(() => {
        for (let i = 0; i < all.length; i += chunk) d.push(all.subarray(i, i + chunk));
      });
      out.forEach(checkMessage);
      if (out.length < frames.length - 1) throw new Error(`good frames lost around a bad one: ${out.length} of ${frames.length - 1}`);
      tally.accepted(NAME, out.length);
      tally.rejectedFrom(NAME, errors, {});
    }),
    { numRuns: cases - 2 * third, seed: seed + 2 },
  );
}

function countEmpty(body: readonly number[]): number {
  // pieces between 0x00 bytes that are empty do not count as frames (repeated delimiters)
  let empty = 0;
  let len = 0;
  for (const v of [...body, 0]) {
    if (v === 0) {
      if (len === 0) empty++;
      len = 0;
    } else len++;
  }
  return empty;
}

export const serialFrames: FuzzTarget = { name: NAME, weight: 20, what: 'FrameDecoder.push: random bytes, mutated valid frames, a bad frame among good ones', run };
