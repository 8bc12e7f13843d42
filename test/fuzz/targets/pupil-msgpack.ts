import fc from 'fast-check';
import { encode } from '@msgpack/msgpack';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { PupilDatumDecoder } from '../../../firmware-bridge/pupil-core/pupil-datum-decoder.ts';
import { type FuzzTarget, type FuzzTally, unknownCodes } from '../fuzz-tally.ts';
import { checkGazeBatch, timed } from './timed-case.ts';

const NAME = 'pupil-msgpack';
const topic = fc.oneof(fc.constantFrom('gaze.3d.01.', 'gaze.2d.0.', 'pupil.0.3d', 'pupil.1.2d', 'pupil.0', 'pupil.', 'gaze.', 'notify.calibration', 'frame.world', ''), fc.string({ maxLength: 30 }));
const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e308), fc.string({ maxLength: 5 }), fc.constant(null));
const datum = fc.record(
  {
    topic,
    norm_pos: fc.oneof(fc.tuple(num, num), fc.array(num, { maxLength: 4 }), num),
    confidence: num,
    timestamp: num,
    id: fc.oneof(fc.constantFrom(0, 1, 2, -1), num),
    diameter_3d: num,
    base_data: fc.oneof(fc.array(fc.record({ diameter_3d: num, timestamp: num }, { requiredKeys: [] }), { maxLength: 3 }), num),
  },
  { requiredKeys: [] },
);

async function run({ cases, seed, tally }: { cases: number; seed: number; tally: FuzzTally }): Promise<void> {
  const third = Math.max(1, Math.floor(cases / 3));
  const one = (msgs: readonly [string | Uint8Array, Uint8Array][]) => {
    tally.case(NAME);
    const errors = new ErrorCounter();
    const d = new PupilDatumDecoder({ device: 'fuzz-pupil', errors });
    let added = 0;
    timed(() => {
      for (const [t, p] of msgs) if (d.push(t, p)) added++;
    });
    const b = d.flush();
    if (b) checkGazeBatch(b);
    if ((b?.n ?? 0) !== added) throw new Error(`push reported ${added} samples, flush gave ${b?.n ?? 0}`);
    const s = d.stats();
    if (s.messages !== s.gaze + s.pupil + s.malformed + s.missingFields + s.ignoredTopics) throw new Error(`messages not accounted for: ${JSON.stringify(s)}`);
    if (errors.get('AFG_E_PUPIL_MESSAGE') !== s.malformed + s.missingFields) throw new Error('a drop was not counted');
    if (unknownCodes(errors).length) throw new Error(`unknown codes ${unknownCodes(errors)}`);
    tally.accepted(NAME, s.gaze + s.pupil);
    tally.rejectedFrom(NAME, errors, {});
  };
  // 1. random payload bytes under any topic
  fc.assert(fc.property(fc.array(fc.tuple(fc.oneof(topic, fc.uint8Array({ maxLength: 40 })), fc.uint8Array({ maxLength: 600 })), { maxLength: 6 }), one), { numRuns: third, seed });
  // 2. msgpack of anything
  fc.assert(fc.property(fc.array(fc.tuple(topic, fc.anything({ maxDepth: 3 })), { maxLength: 6 }), (xs) => one(xs.map(([t, v]) => [t, safeEncode(v)]))), { numRuns: third, seed: seed + 1 });
  // 3. datum-shaped maps with hostile field values
  fc.assert(fc.property(fc.array(datum, { maxLength: 8 }), (xs) => one(xs.map((x) => [x.topic ?? 'gaze.3d.01.', safeEncode(x)]))), { numRuns: cases - 2 * third, seed: seed + 2 });
}

function safeEncode(v: unknown): Uint8Array {
  try {
    return encode(v);
  } catch {
    return Uint8Array.of(0xc1); // a value msgpack cannot carry: the never-used byte 0xc1
  }
}

export const pupilMsgpack: FuzzTarget = { name: NAME, weight: 15, what: 'PupilDatumDecoder.push: random bytes, msgpack of anything, hostile gaze/pupil datums; every message accounted for', run };
