import fc from 'fast-check';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import type { GazeBatch } from '../../../gateway/core/types.ts';
import { OpenGazeParser } from '../../../firmware-bridge/gazepoint/open-gaze-parser.ts';
import { type FuzzTarget, type FuzzTally, unknownCodes } from '../fuzz-tally.ts';
import { checkGazeBatch, timed } from './timed-case.ts';

const NAME = 'gazepoint-xml';
const FIELDS = ['FPOGX', 'FPOGY', 'FPOGS', 'FPOGD', 'FPOGV', 'FPOGID', 'BPOGX', 'BPOGY', 'BPOGV', 'TIME', 'CNT', 'LPMM', 'LPMMV', 'RPMM', 'RPMMV', 'LPD', 'ID', 'STATE', 'X', 'y'];
const value = fc.oneof(
  fc.double({ noNaN: false }).map(String),
  fc.integer({ min: -5, max: 5 }).map(String),
  fc.double({ min: 0, max: 1, noNaN: true }).map((v) => v.toFixed(5)),
  fc.constantFrom('', ' ', 'NaN', 'Infinity', '-0', '1e400', '0x10', '1,5', '"', '<', '>', '&amp;', '\u0000', '9'.repeat(400)),
  fc.string({ maxLength: 20 }),
);
const attr = fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), value, fc.constantFrom(' ', '  ', '\t')).map(([k, v, sp]) => `${sp}${k}="${v}"`);
/** A REC the server could send (fix point, time, counter, pupils), with one or two fields made hostile. */
const nearValidRec = fc
  .record({
    x: fc.double({ min: -0.5, max: 1.5, noNaN: true }),
    y: fc.double({ min: -0.5, max: 1.5, noNaN: true }),
    v: fc.constantFrom(0, 1),
    time: fc.double({ min: 0, max: 1e6, noNaN: true }),
    cnt: fc.nat(),
    hostile: fc.array(fc.tuple(fc.constantFrom('FPOGX', 'FPOGY', 'FPOGV', 'TIME', 'FPOGS', 'FPOGD', 'CNT', 'LPMM', 'LPMMV', 'RPMM', 'RPMMV'), value), { maxLength: 2 }),
  })
  .map((r) => {
    const f: Record<string, string> = { CNT: String(r.cnt), TIME: r.time.toFixed(5), FPOGX: r.x.toFixed(5), FPOGY: r.y.toFixed(5), FPOGS: '0', FPOGD: '0.1', FPOGV: String(r.v), LPMM: '3.5', LPMMV: '1', RPMM: '3.4', RPMMV: '1' };
    for (const [k, v] of r.hostile) f[k] = v;
    return `<REC${Object.entries(f).map(([k, v]) => ` ${k}="${v}"`).join('')} />`;
  });

const line = fc.oneof(
  nearValidRec,
  fc.tuple(fc.constantFrom('REC', 'ACK', 'NACK', 'CAL', 'GET', 'rec', 'REC '), fc.array(attr, { maxLength: 16 }), fc.constantFrom(' />', '/>', '>', '', ' / >')).map(([tag, as, end]) => `<${tag}${as.join('')}${end}`),
  fc.string({ maxLength: 200 }),
  fc.constant(''),
);

/** Every complete non-blank line is accounted for in stats (before end()), and every drop is counted. */
function checkLines(p: OpenGazeParser): void {
  const s = p.stats();
  if (s.lines !== s.samples + s.replies + s.recordsWithoutGaze + s.garbled + s.untimed) throw new Error(`lines not accounted for: ${JSON.stringify(s)}`);
}

function checkAccounting(p: OpenGazeParser, errors: ErrorCounter): void {
  const s = p.stats();
  const counted = errors.get('AFG_E_GAZEPOINT_RECORD');
  if (counted !== s.garbled + s.oversized + s.untimed) throw new Error(`drops ${s.garbled + s.oversized + s.untimed} but ${counted} counted`);
}

async function run({ cases, seed, tally }: { cases: number; seed: number; tally: FuzzTally }): Promise<void> {
  const half = Math.max(1, Math.floor(cases / 2));
  const one = (chunks: readonly (string | Uint8Array)[]) => {
    tally.case(NAME);
    const errors = new ErrorCounter();
    const batches: GazeBatch[] = [];
    const p = new OpenGazeParser({ device: 'fuzz-gp3', errors, onBatch: (b) => batches.push(b), maxLineLength: 512 });
    timed(() => {
      for (const c of chunks) p.push(c);
      checkLines(p);
      p.end();
    });
    batches.forEach(checkGazeBatch);
    checkAccounting(p, errors);
    if (unknownCodes(errors).length) throw new Error(`unknown codes ${unknownCodes(errors)}`);
    tally.accepted(NAME, p.stats().samples + p.stats().replies);
    tally.rejectedFrom(NAME, errors, {});
  };
  // 1. anything at all, as bytes or text, in any chunks
  fc.assert(fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 1500 }), fc.string({ maxLength: 600 })), { maxLength: 6 }), one), { numRuns: half, seed });
  // 2. the server's line grammar with hostile attribute names and values, CRLF or LF, re-chunked
  fc.assert(
    fc.property(fc.array(line, { maxLength: 12 }), fc.constantFrom('\r\n', '\n'), fc.integer({ min: 1, max: 300 }), (lines, eol, chunk) => {
      const text = lines.join(eol) + eol;
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += chunk) chunks.push(text.slice(i, i + chunk));
      one(chunks);
    }),
    { numRuns: cases - half, seed: seed + 1 },
  );
}

export const gazepointXml: FuzzTarget = { name: NAME, weight: 15, what: 'OpenGazeParser.push: random bytes/text, hostile REC/ACK/CAL lines; every line accounted for, every drop counted', run };
