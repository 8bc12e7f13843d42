import t from 'tap';
import fc from 'fast-check';
import { encode } from '@msgpack/msgpack';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { PupilDatumDecoder } from '../../../firmware-bridge/pupil-core/pupil-datum-decoder.ts';

const gaze = (x: number, y: number, confidence: number, timestamp: number, extra: Record<string, unknown> = {}) =>
  encode({ topic: 'gaze.3d.01.', norm_pos: [x, y], confidence, timestamp, ...extra });

t.test('gaze datums become one columnar batch: µs, y flipped to top-left origin, confidence threshold', async (t) => {
  const errors = new ErrorCounter();
  const dec = new PupilDatumDecoder({ device: 'p1', errors, initialCapacity: 2 }); // forces growth
  t.equal(dec.push('gaze.3d.01.', gaze(0.25, 0.1, 0.95, 1234.5)), true);
  t.equal(dec.push(new TextEncoder().encode('gaze.2d.0.'), gaze(0.75, 0.8, 0.59, 1234.508)), true);
  t.equal(dec.push('gaze.3d.1.', gaze(1.2, -0.1, 0.6, 1234.516)), true);
  const b = dec.flush()!;
  t.equal(b.kind, 'gaze');
  t.equal(b.device, 'p1');
  t.equal(b.clock, 'device');
  t.equal(b.units, 'norm');
  t.equal(b.n, 3);
  t.same(Array.from(b.t), [1234.5e6, 1234.508e6, 1234.516e6]);
  t.same(Array.from(b.x), [0.25, 0.75, 1.2].map(Math.fround));
  t.same(Array.from(b.y), [1 - 0.1, 1 - 0.8, 1 - -0.1].map(Math.fround));
  t.same(Array.from(b.valid), [1, 0, 1], '0.59 < 0.6 is invalid, 0.6 is valid');
  t.ok(Array.from(b.pupil).every(Number.isNaN), 'no pupil datum, no base_data: NaN');
  t.ok(Array.from(b.openness).every(Number.isNaN), 'Pupil Core has no openness');
  t.equal(dec.flush(), null, 'flush empties');
  t.equal(errors.total(), 0);
});

t.test('configurable threshold', async (t) => {
  const dec = new PupilDatumDecoder({ device: 'p1', errors: new ErrorCounter(), minConfidence: 0.9 });
  dec.push('gaze.3d.0.', gaze(0.5, 0.5, 0.85, 1));
  dec.push('gaze.3d.0.', gaze(0.5, 0.5, 0.95, 2));
  t.same(Array.from(dec.flush()!.valid), [0, 1]);
  t.throws(() => new PupilDatumDecoder({ device: 'p1', errors: new ErrorCounter(), minConfidence: 1.5 }), RangeError);
  t.throws(() => new PupilDatumDecoder({ device: '', errors: new ErrorCounter() }), TypeError);
});

t.test('pupil mm: base_data diameter_3d first, else the latest pupil datum per eye within the window', async (t) => {
  const dec = new PupilDatumDecoder({ device: 'p1', errors: new ErrorCounter(), pupilMatchWindowS: 0.05 });
  dec.push('gaze.3d.01.', gaze(0.5, 0.5, 0.9, 10, { base_data: [{ diameter_3d: 3 }, { diameter_3d: 4 }] }));
  dec.push('pupil.0.3d', encode({ id: 0, timestamp: 10.0, diameter_3d: 5, diameter: 40 }));
  dec.push('pupil.1.3d', encode({ id: 1, timestamp: 10.01, diameter_3d: 6, diameter: 40 }));
  dec.push('gaze.3d.01.', gaze(0.5, 0.5, 0.9, 10.02));
  dec.push('pupil.0.2d', encode({ id: 0, timestamp: 10.03, diameter: 41 })); // no mm: keeps the 3d value
  dec.push('gaze.3d.01.', gaze(0.5, 0.5, 0.9, 10.055)); // eye 0 at 10.0 is 55 ms away; eye 1 at 45 ms
  dec.push('gaze.3d.01.', gaze(0.5, 0.5, 0.9, 11)); // both too old
  const b = dec.flush()!;
  t.same(Array.from(b.pupil.subarray(0, 3)), [3.5, 5.5, 6]);
  t.ok(Number.isNaN(b.pupil[3]!));
  t.equal(dec.stats().pupil, 3);
});

t.test('malformed payloads and missing fields are counted and dropped', async (t) => {
  const errors = new ErrorCounter();
  const dec = new PupilDatumDecoder({ device: 'p1', errors });
  t.equal(dec.push('gaze.3d.0.', new Uint8Array([0xc1])), false, 0xc1 + ' is never used in msgpack');
  t.equal(dec.push('gaze.3d.0.', encode([1, 2, 3])), false, 'not a map');
  t.equal(dec.push('gaze.3d.0.', encode({ norm_pos: [0.5], confidence: 1, timestamp: 1 })), false);
  t.equal(dec.push('gaze.3d.0.', encode({ norm_pos: [0.5, 0.5], timestamp: 1 })), false);
  t.equal(dec.push('gaze.3d.0.', encode({ norm_pos: [0.5, 0.5], confidence: 1 })), false);
  t.equal(dec.push('gaze.3d.0.', encode({ norm_pos: ['a', 0.5], confidence: 1, timestamp: 1 })), false);
  t.equal(dec.push('pupil.0.3d', encode({ id: 0, diameter_3d: 3 })), false, 'pupil datum without timestamp');
  t.equal(dec.push('notify.x', encode({})), false, 'other topics are ignored, not errors');
  t.same(dec.stats(), { messages: 8, gaze: 0, pupil: 0, malformed: 2, missingFields: 5, ignoredTopics: 1 });
  t.equal(errors.get('AFG_E_PUPIL_MESSAGE'), 7);
  t.equal(dec.flush(), null);
});

t.test('property: random bytes as payload never throw and are counted', async (t) => {
  const errors = new ErrorCounter();
  const dec = new PupilDatumDecoder({ device: 'p1', errors });
  let expectedBad = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom('gaze.3d.01.', 'pupil.0.3d'), (bytes, topic) => {
      const before = dec.stats();
      const added = dec.push(topic, bytes);
      const after = dec.stats();
      const bad = after.malformed + after.missingFields - (before.malformed + before.missingFields);
      // every message is exactly one of: a gaze sample, a pupil datum, a counted rejection
      const ok = (added ? 1 : 0) + (after.pupil - before.pupil) + bad === 1;
      expectedBad += bad;
      return ok;
    }),
    { numRuns: 2000 },
  );
  t.equal(errors.get('AFG_E_PUPIL_MESSAGE'), expectedBad);
  t.ok(expectedBad > 1900, `random bytes are nearly always rejected (${expectedBad})`);
  const b = dec.flush();
  t.equal(b?.n ?? 0, dec.stats().gaze);
});
