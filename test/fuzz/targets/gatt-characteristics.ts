import fc from 'fast-check';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { heartRateToBatches, parseHeartRateMeasurement, encodeHeartRateMeasurement } from '../../../firmware-bridge/ble/heart-rate-measurement.ts';
import { parseBatteryLevel, parseBodySensorLocation, parseDeviceInformationString } from '../../../firmware-bridge/ble/gatt-standard-characteristics.ts';
import { parsePmdResponse, encodePmdResponse } from '../../../firmware-bridge/ble/pmd-control-point.ts';
import { type FuzzTarget, type FuzzTally, unknownCodes } from '../fuzz-tally.ts';
import { timed } from './timed-case.ts';

const NAME = 'gatt';

type Parser = (p: Uint8Array, e: ErrorCounter) => unknown;
const PARSERS: [string, Parser][] = [
  ['hrm', parseHeartRateMeasurement],
  ['battery', parseBatteryLevel],
  ['location', parseBodySensorLocation],
  ['devinfo', parseDeviceInformationString],
  ['pmd-cp', parsePmdResponse],
];

/** Near-valid payloads: real encodings with a byte changed, cut or appended. */
const nearValid = fc
  .tuple(
    fc.oneof(
      fc.record({ bpm: fc.integer({ min: 0, max: 65535 }), contact: fc.constantFrom(0 as const, 1 as const, 2 as const), energy: fc.option(fc.integer({ min: 0, max: 65535 })), rr: fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 12 }) }).map((m) => encodeHeartRateMeasurement({ bpm: m.bpm, contact: m.contact, energyKj: m.energy, rr1024: m.rr })),
      fc.record({ op: fc.integer({ min: 0, max: 255 }), type: fc.integer({ min: 0, max: 255 }), st: fc.integer({ min: 0, max: 255 }), rate: fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 6 }) }).map((r) => encodePmdResponse(r.op, r.type, r.st, { sampleRate: r.rate })),
    ),
    fc.nat(),
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom('set', 'cut', 'append', 'none'),
  )
  .map(([bytes, at, v, op]) => {
    const b = [...bytes];
    if (op === 'set' && b.length) b[at % b.length] = v;
    else if (op === 'cut') b.length = at % (b.length + 1);
    else if (op === 'append') b.push(v);
    return Uint8Array.from(b);
  });

async function run({ cases, seed, tally }: { cases: number; seed: number; tally: FuzzTally }): Promise<void> {
  const half = Math.max(1, Math.floor(cases / 2));
  const one = (bytes: Uint8Array) => {
    tally.case(NAME); // one case = one payload through all five parsers
    for (const [which, parse] of PARSERS) {
      const errors = new ErrorCounter();
      const r = timed(() => parse(bytes, errors));
      // null exactly when one drop was counted: nothing refused silently, nothing counted twice
      if ((r === null) !== (errors.total() === 1) || errors.total() > 1) throw new Error(`${which}: result ${JSON.stringify(r)} with ${errors.total()} counted`);
      if (unknownCodes(errors).length) throw new Error(`unknown codes ${unknownCodes(errors)}`);
      if (r === null) {
        tally.rejectedFrom(NAME, errors, {});
        continue;
      }
      tally.accepted(NAME);
      if (which === 'hrm') {
        const m = r as ReturnType<typeof parseHeartRateMeasurement> & object;
        const { hr, rr } = heartRateToBatches(m, 'fuzz-strap', 1000);
        const bpm = hr.bpm[0]!;
        if (!(Number.isNaN(bpm) || (bpm > 0 && bpm <= 65535))) throw new Error(`bpm ${bpm}: a heart rate is unknown (NaN) or positive, never 0`);
        if (m.contact === 1 && rr) throw new Error('RR without skin contact');
        if (rr) for (let i = 0; i < rr.n; i++) if (!Number.isFinite(rr.t[i]!) || !Number.isFinite(rr.rrMs[i]!)) throw new Error('non-finite RR');
      }
      if (which === 'battery' && !(typeof r === 'number' && r >= 0 && r <= 100)) throw new Error(`battery ${String(r)} outside 0..100`);
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), one), { numRuns: half, seed });
  fc.assert(fc.property(nearValid, one), { numRuns: cases - half, seed: seed + 1 });
}

export const gattCharacteristics: FuzzTarget = { name: NAME, weight: 10, what: 'Heart Rate Measurement, battery, body sensor location, device information, PMD control point: null exactly when counted, values in range', run };
