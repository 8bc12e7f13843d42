import t from 'tap';
import fc from 'fast-check';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import type { AccBatch, EcgBatch } from '../../../gateway/core/types.ts';
import { buildGetSettings, buildStart, buildStop, encodePmdResponse, H10_ACC_START, H10_ECG_START, parsePmdResponse, PmdMeasurement, PmdOp } from '../../../firmware-bridge/ble/pmd-control-point.ts';
import { encodePmdDeltaFrame, encodePmdFrame, PmdFrameDecoder } from '../../../firmware-bridge/ble/pmd-data-frame.ts';

const hex = (s: string) => Uint8Array.from(s.replace(/\|/g, ' ').trim().split(/\s+/).map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0').toUpperCase()).join(' ');
// 2,000,000,000 ns = 0x77359400, little-endian: 00 94 35 77 00 00 00 00
const TS = '00 94 35 77 00 00 00 00';

t.test('control point commands are the issue bytes', async (t) => {
  t.equal(toHex(H10_ECG_START), '02 00 00 01 82 00 01 01 0E 00');
  t.equal(toHex(H10_ACC_START), '02 02 00 01 C8 00 01 01 10 00 02 01 08 00');
  t.equal(toHex(buildStart(PmdMeasurement.Ecg, { sampleRate: 130, resolution: 14 })), '02 00 00 01 82 00 01 01 0E 00');
  t.equal(toHex(buildStop(PmdMeasurement.Ecg)), '03 00');
  t.equal(toHex(buildStop(PmdMeasurement.Acc)), '03 02');
  t.equal(toHex(buildGetSettings(PmdMeasurement.Acc)), '01 02');
  t.throws(() => buildStart(PmdMeasurement.Ecg, { sampleRate: 70000, resolution: 14 }), RangeError);
});

t.test('control point responses: status names, settings, errors counted', async (t) => {
  const e = new ErrorCounter();
  t.match(parsePmdResponse(hex('F0 02 00 00 00'), e), { op: 2, type: 0, status: 'success' });
  t.match(parsePmdResponse(hex('F0 02 02 0A'), e), { op: 2, type: 2, statusCode: 10, status: 'invalid_mtu' });
  t.match(parsePmdResponse(hex('F0 02 00 06 00'), e), { status: 'already_in_state' });
  t.match(parsePmdResponse(hex('F0 02 00 0D 00'), e), { status: 'device_in_charger' });
  t.match(parsePmdResponse(hex('F0 02 00 C8 00'), e), { status: 'unknown' });
  // get ACC settings: rates 25,50,100,200; resolution 16; ranges 2,4,8
  const r = parsePmdResponse(hex('F0 01 02 00 00 | 00 04 19 00 32 00 64 00 C8 00 | 01 01 10 00 | 02 03 02 00 04 00 08 00'), e);
  t.same(r?.settings, { sampleRate: [25, 50, 100, 200], resolution: [16], range: [2, 4, 8] });
  t.equal(e.total(), 0);
  const settings = { sampleRate: [130], resolution: [14], channels: [1], factor: [1000] };
  t.same(parsePmdResponse(encodePmdResponse(PmdOp.GetSettings, 0, 0, settings), e)?.settings, settings);
  for (const bad of ['F0 01 02', '01 02 00 00', 'F0 01 02 00 00 00 04 19 00', 'F0 01 02 00 00 09 01 00 00']) t.equal(parsePmdResponse(hex(bad), e), null, bad);
  t.equal(e.get('AFG_E_PMD_PAYLOAD'), 4);
});

t.test('issue ECG vector', async (t) => {
  const e = new ErrorCounter();
  const b = new PmdFrameDecoder({ device: 'h10', errors: e, ecgRateHz: 130 }).decode(hex(`00 | ${TS} | 00 | 02 80 FF 02 80 00`)) as EcgBatch;
  t.equal(b.kind, 'ecg');
  t.equal(b.clock, 'device');
  t.equal(b.n, 2);
  // 0xFF8002 sign-extended = -32766; 0x008002 = 32770
  t.same(Array.from(b.uV), [-32766, 32770]);
  t.equal(b.t[1], 2_000_000, 'last sample at the frame timestamp, in µs');
  t.ok(Math.abs(b.t[0]! - (2_000_000 - 1e6 / 130)) < 1e-6, 'earlier sample one period before');
  t.equal(toHex(encodePmdFrame(PmdMeasurement.Ecg, 0, 2_000_000_000n, [Int32Array.of(-32766, 32770)], 2)), toHex(hex(`00 ${TS} 00 02 80 FF 02 80 00`)));
  t.equal(e.total(), 0);
});

t.test('ACC vectors of each width, decoded by hand', async (t) => {
  const e = new ErrorCounter();
  const dec = new PmdFrameDecoder({ device: 'h10', errors: e, accRateHz: 200 });
  const acc = (s: string) => {
    const b = dec.decode(hex(s)) as AccBatch;
    return { n: b.n, x: Array.from(b.x), y: Array.from(b.y), z: Array.from(b.z), t: Array.from(b.t) };
  };
  // type 0, int8: (01, FF, 7F) = (1, -1, 127); (80, 00, 02) = (-128, 0, 2)
  t.same(acc(`02 | ${TS} | 00 | 01 FF 7F 80 00 02`), { n: 2, x: [1, -128], y: [-1, 0], z: [127, 2], t: [1_995_000, 2_000_000] });
  // type 1, int16: E8 03 = 0x03E8 = 1000; 18 FC = 0xFC18 = -1000; 00 00 = 0
  t.same(acc(`02 | ${TS} | 01 | E8 03 18 FC 00 00`), { n: 1, x: [1000], y: [-1000], z: [0], t: [2_000_000] });
  // type 2, int24: A0 86 01 = 0x0186A0 = 100000; 60 79 FE = 0xFE7960 = 16677216 - 2^24 = -100000; FF FF 7F = 8388607
  t.same(acc(`02 | ${TS} | 02 | A0 86 01 60 79 FE FF FF 7F`), { n: 1, x: [100000], y: [-100000], z: [8388607], t: [2_000_000] });
  t.equal(e.total(), 0);
});

t.test('delta frames, decoded by hand', async (t) => {
  const e = new ErrorCounter();
  const dec = new PmdFrameDecoder({ device: 'h10', errors: e, ecgRateHz: 130, accRateHz: 200 });
  // ACC 0x81: reference int16 (1000, -1000, 0); block width 3, 2 samples, deltas (+1,-2,+3), (-4,0,+1)
  // 3-bit codes LSB-first: 001 110 011 100 000 001 -> bits b0..b17 = 1,0,0, 0,1,1, 1,1,0, 0,0,1, 0,0,0, 1,0,0
  // byte0 = b0..b7 = 1+16+32+64+128 = 0xF1; byte1 = b8..b15 = 8+128 = 0x88; byte2 = 0x00
  const a = dec.decode(hex(`02 | ${TS} | 81 | E8 03 18 FC 00 00 | 03 02 F1 88 00`)) as AccBatch;
  t.same([Array.from(a.x), Array.from(a.y), Array.from(a.z)], [[1000, 1001, 997], [-1000, -1002, -1002], [0, 3, 4]]);
  t.same(Array.from(a.t), [1_990_000, 1_995_000, 2_000_000]);
  // ECG 0x80: reference int24 100; block width 2 x4: +1,-1,-2,0 -> 01 11 10 00 -> b0..b7 = 1,0,1,1,0,1,0,0 = 0x2D;
  // block width 8 x1: 0x9C = -100
  const g = dec.decode(hex(`00 | ${TS} | 80 | 64 00 00 | 02 04 2D | 08 01 9C`)) as EcgBatch;
  t.same(Array.from(g.uV), [100, 101, 100, 98, 98, -2]);
  t.equal(e.total(), 0);
  // the encoder produces exactly these bytes
  t.equal(toHex(encodePmdDeltaFrame(PmdMeasurement.Acc, 1, 2_000_000_000n, [[1000, 1001, 997], [-1000, -1002, -1002], [0, 3, 4]], 3)), toHex(hex(`02 ${TS} 81 E8 03 18 FC 00 00 03 02 F1 88 00`)));
  t.equal(toHex(encodePmdDeltaFrame(PmdMeasurement.Ecg, 0, 2_000_000_000n, [[100, 101, 100, 98, 98]], 5)), toHex(hex(`00 ${TS} 80 64 00 00 02 04 2D`)));
  t.throws(() => encodePmdDeltaFrame(PmdMeasurement.Acc, 0, 0n, [[1], [2], [3]], 1), RangeError, 'no compressed ACC type 0');
});

t.test('malformed frames are counted, never thrown', async (t) => {
  const e = new ErrorCounter();
  const dec = new PmdFrameDecoder({ device: 'h10', errors: e });
  const bad = [
    `00 ${TS}`, // header only, no frame type
    `00 ${TS} 00`, // no samples
    `00 ${TS} 00 02 80`, // partial ECG sample
    `02 ${TS} 01 E8 03 18 FC 00`, // partial ACC sample
    `02 ${TS} 03 00 00 00`, // unknown ACC frame type
    `00 ${TS} 01 00 00 00`, // unknown ECG frame type
    `01 ${TS} 00 00 00 00`, // PPG: not decoded here
    `02 ${TS} 81 E8 03 18 FC 00`, // delta frame with short reference
    `02 ${TS} 81 E8 03 18 FC 00 00 03 02 F1 88`, // truncated delta block
    `02 ${TS} 81 E8 03 18 FC 00 00 00 02`, // zero bit width
    `02 ${TS} 81 E8 03 18 FC 00 00 21 01 00 00 00 00 00 00 00 00 00 00 00 00 00`, // 33-bit width
    `02 ${TS} 81 E8 03 18 FC 00 00 03`, // dangling block header
    `02 ${TS} 80 E8 03 18 FC 00 00 03 02 F1 88 00`, // compressed ACC type 0: G units x factor in the SDK, refused
  ];
  for (const b of bad) t.equal(dec.decode(hex(b)), null, b);
  t.equal(dec.decode(new Uint8Array(600)), null, 'oversized');
  t.equal(e.get('AFG_E_PMD_PAYLOAD'), bad.length + 1);
});

t.test('property: encode -> decode round trips, plain and delta', async (t) => {
  const accCase = fc.constantFrom(0, 1, 2).chain((ft) => {
    const lim = 2 ** (8 * (ft + 1) - 1);
    const v = fc.integer({ min: -lim, max: lim - 1 });
    return fc.tuple(fc.constant(ft), fc.array(fc.tuple(v, v, v), { minLength: 1, maxLength: 40 }));
  });
  fc.assert(
    fc.property(accCase, fc.bigInt({ min: 0n, max: (1n << 60n) - 1n }), fc.integer({ min: 1, max: 255 }), ([ft, samples], ns, blockSize) => {
      const n = samples.length;
      const cols = [0, 1, 2].map((c) => samples.map((s) => s[c]!));
      const e = new ErrorCounter();
      const dec = new PmdFrameDecoder({ device: 'd', errors: e, accRateHz: 50 });
      const frames = [encodePmdFrame(PmdMeasurement.Acc, ft, ns, cols, n)];
      if (ft > 0) frames.push(encodePmdDeltaFrame(PmdMeasurement.Acc, ft, ns, cols, n, blockSize));
      for (const frame of frames) {
        if (frame.length > 512) continue;
        const b = dec.decode(frame) as AccBatch;
        if (!b || e.total() !== 0) return false;
        // µs from ns: exact to well under a µs even at 2^60 ns
        if (b.n !== n || Math.abs(b.t[n - 1]! - Number(ns) / 1000) > 1) return false;
        if (Math.abs(b.t[0]! - (b.t[n - 1]! - (n - 1) * 20_000)) > 1) return false;
        for (let i = 0; i < n; i++) if (b.x[i] !== cols[0]![i] || b.y[i] !== cols[1]![i] || b.z[i] !== cols[2]![i]) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -(2 ** 23), max: 2 ** 23 - 1 }), { minLength: 1, maxLength: 73 }), (uV) => {
      const e = new ErrorCounter();
      const dec = new PmdFrameDecoder({ device: 'd', errors: e });
      const plain = dec.decode(encodePmdFrame(PmdMeasurement.Ecg, 0, 1_000_000n, [uV], uV.length)) as EcgBatch;
      const delta = dec.decode(encodePmdDeltaFrame(PmdMeasurement.Ecg, 0, 1_000_000n, [uV], uV.length, 16)) as EcgBatch;
      return e.total() === 0 && Array.from(plain.uV).join() === uV.join() && Array.from(delta.uV).join() === uV.join();
    }),
    { numRuns: 300 },
  );
  t.pass('round trips hold');
});

t.test('property: random bytes never throw and every rejection is counted', async (t) => {
  const e = new ErrorCounter();
  const dec = new PmdFrameDecoder({ device: 'd', errors: e });
  let rejected = 0;
  const headed = fc.tuple(fc.constantFrom(0, 2, 0x40, 0x82), fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.constantFrom(0, 1, 2, 0x80, 0x81, 0x82), fc.uint8Array({ maxLength: 300 })).map(([a, ts, ft, rest]) => Uint8Array.from([a, ...ts, ft, ...rest]));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 700 }), headed), (b) => {
      if (dec.decode(b) === null) rejected++;
      if (parsePmdResponse(b, e) === null) rejected++;
    }),
    { numRuns: 3000 },
  );
  t.equal(e.get('AFG_E_PMD_PAYLOAD'), rejected);
  t.ok(rejected > 0);
});

t.test('lost frames are counted from the time gap to the previous frame of the same stream', async (t) => {
  // frames of 10 ECG samples at 130 Hz and 5 ACC samples at 200 Hz, back to back in device time
  const e = new ErrorCounter();
  const dec = new PmdFrameDecoder({ device: 'h10', errors: e, ecgRateHz: 130, accRateHz: 200 });
  const ecgPeriodNs = 1e9 / 130;
  const ecg = (k: number) => encodePmdFrame(PmdMeasurement.Ecg, 0, BigInt(Math.round(1e12 + (10 * (k + 1) - 1) * ecgPeriodNs)), [Int32Array.from({ length: 10 }, (_, i) => i)], 10);
  const acc = (k: number) => encodePmdFrame(PmdMeasurement.Acc, 1, BigInt(2e12 + (5 * (k + 1) - 1) * 5e6), [Int32Array.of(1, 2, 3, 4, 5), Int32Array.of(1, 2, 3, 4, 5), Int32Array.of(1, 2, 3, 4, 5)], 5);
  for (const k of [0, 1, 2]) dec.decode(ecg(k));
  t.equal(dec.droppedFrames, 0, 'consecutive frames: nothing lost (ns rounding is no gap)');
  dec.decode(ecg(4)); // frame 3 never arrived
  t.equal(dec.droppedFrames, 1);
  dec.decode(ecg(8)); // 5, 6, 7 lost
  t.equal(dec.droppedFrames, 4);
  for (const k of [0, 1, 3]) dec.decode(acc(k)); // the ACC stream has its own sequence
  t.equal(dec.droppedFrames, 5);
  dec.decode(ecg(2)); // an older frame (reordered or a reset clock) is no loss
  t.equal(dec.droppedFrames, 5);
  dec.resetGaps();
  dec.decode(ecg(20)); // a restarted stream after a reconnect
  t.equal(dec.droppedFrames, 5, 'the gap to a restarted stream is not counted');
  t.equal(e.total(), 0);
});
