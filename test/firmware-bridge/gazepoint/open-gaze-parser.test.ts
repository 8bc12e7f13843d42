import t from 'tap';
import fc from 'fast-check';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import type { GazeBatch } from '../../../gateway/core/types.ts';
import { OpenGazeParser, type OpenGazeReply } from '../../../firmware-bridge/gazepoint/open-gaze-parser.ts';

interface Collected {
  t: number[];
  x: number[];
  y: number[];
  pupil: number[];
  openness: number[];
  valid: number[];
  batches: GazeBatch[];
  replies: OpenGazeReply[];
}

function setup(opts: { maxLineLength?: number; maxBatch?: number; pog?: 'fix' | 'best' } = {}) {
  const errors = new ErrorCounter();
  const got: Collected = { t: [], x: [], y: [], pupil: [], openness: [], valid: [], batches: [], replies: [] };
  const parser = new OpenGazeParser({
    device: 'gp3-test',
    errors,
    ...opts,
    onBatch: (b) => {
      got.batches.push(b);
      for (let i = 0; i < b.n; i++) {
        got.t.push(b.t[i]!);
        got.x.push(b.x[i]!);
        got.y.push(b.y[i]!);
        got.pupil.push(b.pupil[i]!);
        got.openness.push(b.openness[i]!);
        got.valid.push(b.valid[i]!);
      }
    },
    onReply: (r) => got.replies.push(r),
  });
  return { errors, parser, got };
}

const enc = (s: string) => new TextEncoder().encode(s);

t.test('the example record from the API document decodes exactly', async (t) => {
  const { parser, got, errors } = setup();
  parser.push(enc('<REC FPOGX="0.48439" FPOGY="0.50313" FPOGS="1891.86768" FPOGD="0.49280" FPOGID="1599" FPOGV="1" />\r\n'));
  t.equal(got.batches.length, 1);
  const b = got.batches[0]!;
  t.equal(b.kind, 'gaze');
  t.equal(b.clock, 'device');
  t.equal(b.units, 'norm');
  t.equal(b.device, 'gp3-test');
  t.equal(b.n, 1);
  // no TIME field: FPOGS + FPOGD, rounded to µs
  t.equal(got.t[0], 1892360480);
  t.equal(got.x[0], Math.fround(0.48439));
  t.equal(got.y[0], Math.fround(0.50313));
  t.equal(got.valid[0], 1);
  t.ok(Number.isNaN(got.pupil[0]), 'no LPMM/RPMM -> pupil unknown');
  t.ok(Number.isNaN(got.openness[0]), 'GP3 has no openness');
  t.equal(errors.total(), 0);
});

t.test('TIME wins over FPOGS; pupil is the mean of the valid LPMM/RPMM; LPD (pixels) is not used as mm', async (t) => {
  const { parser, got, errors } = setup();
  parser.push(
    '<REC CNT="7" TIME="12.34567" FPOGX="0.10000" FPOGY="0.90000" FPOGS="12.00000" FPOGD="0.10000" FPOGID="3" FPOGV="1" ' +
      'LPCX="0.4" LPCY="0.5" LPD="31.00000" LPS="1.0" LPV="1" LPMM="3.20000" LPMMV="1" RPMM="3.60000" RPMMV="1" />\r\n' +
      '<REC CNT="8" TIME="12.36234" FPOGX="0.10000" FPOGY="0.90000" FPOGS="12.00000" FPOGD="0.11667" FPOGID="3" FPOGV="1" ' +
      'LPD="31.00000" LPV="1" LPMM="3.20000" LPMMV="1" RPMM="0.00000" RPMMV="0" />\r\n' +
      '<REC CNT="9" TIME="12.37901" FPOGX="0.10000" FPOGY="0.90000" FPOGV="0" LPD="40.0" LPV="1" LPMM="0" LPMMV="0" RPMM="0" RPMMV="0" />\r\n',
  );
  t.same(got.t, [12345670, 12362340, 12379010]);
  t.equal(got.pupil[0], Math.fround(3.4));
  t.equal(got.pupil[1], Math.fround(3.2), 'invalid right eye left out of the mean');
  t.ok(Number.isNaN(got.pupil[2]), 'no valid mm pupil -> NaN even though LPD is present');
  t.same(got.valid, [1, 1, 0]);
  t.equal(errors.total(), 0);
  t.equal(parser.stats().cntGaps, 0);
});

t.test('a pupil without its own valid flag is unknown, even after a record that had one', async (t) => {
  const { parser, got } = setup();
  parser.push('<REC TIME="1.0" FPOGX="0.5" FPOGY="0.5" FPOGV="1" LPMM="3.0" LPMMV="1" />\r\n<REC TIME="1.1" FPOGX="0.5" FPOGY="0.5" FPOGV="1" LPMM="4.0" />\r\n');
  t.equal(got.pupil[0], 3);
  t.ok(Number.isNaN(got.pupil[1]), 'no stale LPMMV from the previous record');
});

t.test('FPOGV=0 samples are kept, marked invalid', async (t) => {
  const { parser, got } = setup();
  parser.push('<REC TIME="1.00000" FPOGX="0.50000" FPOGY="0.50000" FPOGV="0" />\r\n<REC TIME="1.01667" FPOGX="0.6" FPOGY="0.4" FPOGV="1" />\r\n');
  t.same(got.valid, [0, 1]);
  t.equal(got.x[0], 0.5);
});

t.test('ACK, NACK and CAL lines go to onReply, not into samples', async (t) => {
  const { parser, got, errors } = setup();
  parser.push('<ACK ID="ENABLE_SEND_DATA" STATE="1" />\r\n<NACK ID="ENABLE_SEND_NOPE" />\r\n<CAL ID="CALIB_RESULT_PT" PT="1" CALX="0.5" CALY="0.5" />\r\n');
  t.equal(got.t.length, 0);
  t.same(
    got.replies.map((r) => [r.tag, r.id]),
    [
      ['ACK', 'ENABLE_SEND_DATA'],
      ['NACK', 'ENABLE_SEND_NOPE'],
      ['CAL', 'CALIB_RESULT_PT'],
    ],
  );
  t.equal(got.replies[0]!.attrs.STATE, '1');
  t.equal(got.replies[2]!.attrs.CALX, '0.5');
  t.equal(errors.total(), 0);
});

t.test('CNT jumps are counted as gaps; a record with only CNT is not an error', async (t) => {
  const { parser, got, errors } = setup();
  parser.push('<REC CNT="1" />\r\n<REC CNT="2" />\r\n<REC CNT="5" />\r\n<REC CNT="6" TIME="2.0" FPOGX="0.1" FPOGY="0.1" FPOGV="1" />\r\n');
  t.equal(parser.stats().cntGaps, 2);
  t.equal(parser.stats().recordsWithoutGaze, 3);
  t.equal(got.t.length, 1);
  t.equal(errors.total(), 0);
});

t.test('garbled lines are dropped and counted; good lines around them survive', async (t) => {
  const { parser, got, errors } = setup();
  parser.push(
    [
      '<REC TIME="1.0" FPOGX="0.1" FPOGY="0.2" FPOGV="1" />',
      '<REC TIME="1.1" FPOGX="abc" FPOGY="0.2" FPOGV="1" />', // non-numeric
      '<REC TIME="1.2" FPOGX="0.1" FPOGV="1" />', // partial gaze
      '<REC FPOGX="0.1" FPOGY="0.2" FPOGV="1" />', // untimed
      '<REC TIME="1.3" FPOGX="0.1 FPOGY="0.2" FPOGV="1" />', // broken quote
      'hello world',
      '<FOO A="1" />', // element the server never sends
      '<REC TIME="1.4" FPOGX="0.3" FPOGY="0.4" FPOGV="1" />',
      '',
    ].join('\r\n'),
  );
  t.same(got.t, [1000000, 1400000]);
  t.equal(errors.get('AFG_E_GAZEPOINT_RECORD'), 6);
  t.equal(parser.stats().garbled, 5);
  t.equal(parser.stats().untimed, 1);
});

t.test('an oversized line is dropped once, up to its CRLF, across chunks', async (t) => {
  const { parser, got, errors } = setup({ maxLineLength: 64 });
  parser.push('<REC TIME="1.0" FPOGX="0.1" FPOGY="0.2" FPOGV="1" />\r\n<REC ' + 'X'.repeat(50));
  parser.push('Y'.repeat(100));
  parser.push('Z'.repeat(100) + '" />\r\n<REC TIME="2.0" FPOGX="0.3" FPOGY="0.4" FPOGV="1" />\r\n');
  parser.push('<REC ' + 'W'.repeat(80) + ' />\r\n'); // oversized within one chunk
  t.same(got.t, [1000000, 2000000]);
  t.equal(parser.stats().oversized, 2);
  t.equal(errors.get('AFG_E_GAZEPOINT_RECORD'), 2);
});

t.test('maxBatch splits a long push into several batches, in order', async (t) => {
  const { parser, got } = setup({ maxBatch: 4 });
  let s = '';
  for (let i = 0; i < 10; i++) s += `<REC TIME="${i}.5" FPOGX="0.1" FPOGY="0.2" FPOGV="1" />\r\n`;
  parser.push(s);
  t.same(got.batches.map((b) => b.n), [4, 4, 2]);
  t.same(got.t, Array.from({ length: 10 }, (_, i) => (i + 0.5) * 1e6));
});

t.test("pog: 'best' reads BPOG*", async (t) => {
  const { parser, got } = setup({ pog: 'best' });
  parser.push('<REC TIME="1.0" FPOGX="0.1" FPOGY="0.2" FPOGV="1" BPOGX="0.7" BPOGY="0.8" BPOGV="0" />\r\n');
  t.equal(got.x[0], Math.fround(0.7));
  t.equal(got.valid[0], 0);
});

t.test('end() counts a partial last line', async (t) => {
  const { parser, errors } = setup();
  parser.push('<REC TIME="1.0" FPOGX=');
  parser.end();
  t.equal(errors.get('AFG_E_GAZEPOINT_RECORD'), 1);
});

t.test('constructor validates its options', async (t) => {
  const errors = new ErrorCounter();
  t.throws(() => new OpenGazeParser({ device: '', errors, onBatch: () => {} }), TypeError);
  t.throws(() => new OpenGazeParser({ device: 'd', errors, onBatch: () => {}, maxLineLength: 3 }), RangeError);
  t.throws(() => new OpenGazeParser({ device: 'd', errors, onBatch: () => {}, pog: 'left' as 'fix' }), RangeError);
});

// ---- properties ----

const sampleArb = fc.record({
  t: fc.integer({ min: 0, max: 9_999_999_999 }), // TIME in 10 µs units (5 decimals)
  x: fc.integer({ min: -50_000, max: 150_000 }), // 5 decimals, off-screen allowed
  y: fc.integer({ min: -50_000, max: 150_000 }),
  v: fc.constantFrom(0, 1),
  l: fc.integer({ min: 0, max: 900_000 }),
  lv: fc.constantFrom(0, 1),
  r: fc.integer({ min: 0, max: 900_000 }),
  rv: fc.constantFrom(0, 1),
});
type S = typeof sampleArb extends fc.Arbitrary<infer U> ? U : never;
const d5 = (k: number) => (k / 1e5).toFixed(5);
const recLine = (s: S, cnt: number) =>
  `<REC CNT="${cnt}" TIME="${d5(s.t)}" FPOGX="${d5(s.x)}" FPOGY="${d5(s.y)}" FPOGS="0.00000" FPOGD="0.00000" FPOGID="1" FPOGV="${s.v}" ` +
  `LPD="30.0" LPV="1" LPMM="${d5(s.l)}" LPMMV="${s.lv}" RPMM="${d5(s.r)}" RPMMV="${s.rv}" />\r\n`;

t.test('property: any split of a valid stream gives the same, exactly decoded samples', async (t) => {
  fc.assert(
    fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 30 }), (samples, cutsRaw) => {
      let stream = '<ACK ID="ENABLE_SEND_DATA" STATE="1" />\r\n';
      samples.forEach((s, i) => (stream += recLine(s, i)));
      const bytes = enc(stream);
      const cuts = [...new Set(cutsRaw.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const { parser, got, errors } = setup({ maxBatch: 7 });
      let prev = 0;
      for (const c of [...cuts, bytes.length]) {
        parser.push(bytes.subarray(prev, c));
        prev = c;
      }
      if (errors.total() !== 0) return false;
      if (got.replies.length !== 1 || got.t.length !== samples.length) return false;
      return samples.every((s, i) => {
        const pv = (s.l > 0 && s.lv ? 1 : 0) + (s.r > 0 && s.rv ? 1 : 0);
        const mm = pv === 0 ? NaN : ((s.l > 0 && s.lv ? s.l / 1e5 : 0) + (s.r > 0 && s.rv ? s.r / 1e5 : 0)) / pv;
        return (
          got.t[i] === s.t * 10 &&
          got.x[i] === Math.fround(s.x / 1e5) &&
          got.y[i] === Math.fround(s.y / 1e5) &&
          got.valid[i] === s.v &&
          Object.is(got.pupil[i], Math.fround(mm))
        );
      });
    }),
    { numRuns: 300 },
  );
  t.pass('300 random streams and splits agreed');
});

t.test('property: random bytes never throw, yield no samples, and are counted', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cutsRaw) => {
      const { parser, got, errors } = setup({ maxLineLength: 128 });
      const cuts = [...new Set(cutsRaw.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      let prev = 0;
      for (const c of [...cuts, bytes.length]) {
        parser.push(bytes.subarray(prev, c));
        prev = c;
      }
      parser.end();
      const text = new TextDecoder('latin1').decode(bytes);
      const meaningful = text.split('\n').some((l) => l.trim() !== '');
      return got.t.length === 0 && (!meaningful || errors.get('AFG_E_GAZEPOINT_RECORD') >= 1);
    }),
    { numRuns: 500 },
  );
  t.pass('500 random byte streams were dropped and counted');
});

t.test('property: garbage between valid records costs only the garbage', async (t) => {
  fc.assert(
    fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 10 }), fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 5 }), (samples, junk) => {
      const { parser, got } = setup();
      let stream = '';
      samples.forEach((s, i) => {
        // junk lines never contain a newline, so each stays one garbled line
        stream += junk[i % junk.length]!.replace(/[\r\n]/g, '') + '\r\n' + recLine(s, i);
      });
      parser.push(stream);
      return got.t.length === samples.length && got.t.every((v, i) => v === samples[i]!.t * 10);
    }),
    { numRuns: 200 },
  );
  t.pass('records around garbage survived');
});
