import fc from 'fast-check';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { encodePmdDeltaFrame, encodePmdFrame, PmdFrameDecoder } from '../../../firmware-bridge/ble/pmd-data-frame.ts';
import { PmdMeasurement } from '../../../firmware-bridge/ble/pmd-control-point.ts';
import { type FuzzTarget, type FuzzTally, unknownCodes } from '../fuzz-tally.ts';
import { timed } from './timed-case.ts';

const NAME = 'polar-pmd';

const frame = fc
  .record({
    kind: fc.constantFrom('ecg', 'acc0', 'acc1', 'acc2', 'dacc1', 'dacc2'),
    n: fc.integer({ min: 1, max: 60 }),
    ns: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    vals: fc.array(fc.integer({ min: -127, max: 127 }), { minLength: 180, maxLength: 180 }),
    scale: fc.constantFrom(1, 100, 60000),
    block: fc.integer({ min: 1, max: 255 }),
  })
  .map((f) => {
    const ch = f.kind === 'ecg' ? 1 : 3;
    const cols = Array.from({ length: ch }, (_, c) => Int32Array.from({ length: f.n }, (_, i) => f.vals[(i * ch + c) % 180]! * f.scale));
    const clamp = (w: number) => cols.forEach((col) => col.forEach((v, i) => (col[i] = Math.max(-(2 ** (8 * w - 1)), Math.min(2 ** (8 * w - 1) - 1, v)))));
    if (f.kind === 'ecg') return encodePmdFrame(PmdMeasurement.Ecg, 0, f.ns, cols, Math.min(f.n, 50));
    const ft = Number(f.kind.at(-1));
    clamp(ft + 1);
    if (f.kind.startsWith('d')) return encodePmdDeltaFrame(PmdMeasurement.Acc, ft, f.ns, cols, f.n, f.block);
    return encodePmdFrame(PmdMeasurement.Acc, ft, f.ns, cols, Math.min(f.n, Math.floor(500 / (3 * (ft + 1)))));
  });

const mutated = fc.tuple(frame, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert')), { maxLength: 3 })).map(([f, ms]) => {
  const b = [...f];
  for (const [at, v, op] of ms) {
    if (op === 'set' && b.length) b[at % b.length] = v;
    else if (op === 'cut') b.length = at % (b.length + 1);
    else b.splice(at % (b.length + 1), 0, v);
  }
  return Uint8Array.from(b);
});

async function run({ cases, seed, tally }: { cases: number; seed: number; tally: FuzzTally }): Promise<void> {
  const third = Math.max(1, Math.floor(cases / 3));
  const one = (bytes: Uint8Array, expectOk: boolean) => {
    tally.case(NAME);
    const errors = new ErrorCounter();
    const d = new PmdFrameDecoder({ device: 'fuzz-h10', errors, ecgRateHz: 130, accRateHz: 200 });
    const b = timed(() => d.decode(bytes));
    if ((b === null) !== (errors.total() === 1) || errors.total() > 1) throw new Error(`result ${b ? b.kind : 'null'} with ${errors.total()} counted`);
    if (unknownCodes(errors).length) throw new Error(`unknown codes ${unknownCodes(errors)}`);
    if (expectOk && !b) throw new Error(`a valid frame was refused: ${Buffer.from(bytes).toString('hex')}`);
    if (!b) return void tally.rejectedFrom(NAME, errors, {});
    tally.accepted(NAME);
    if (!(b.n >= 1) || b.t.length !== b.n) throw new Error(`batch n ${b.n}`);
    const cols = b.kind === 'ecg' ? [b.uV] : [b.x, b.y, b.z];
    for (const c of cols) {
      if (c.length !== b.n) throw new Error('column length');
      for (let i = 0; i < b.n; i++) if (!Number.isFinite(c[i]!)) throw new Error('non-finite sample');
    }
    for (let i = 0; i < b.n; i++) {
      if (!Number.isFinite(b.t[i]!)) throw new Error('non-finite time');
      if (i > 0 && !(b.t[i]! > b.t[i - 1]!)) throw new Error('times not increasing');
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => one(b, false)), { numRuns: third, seed });
  // a frame over the ATT maximum (512 bytes) is refused on purpose; every other encoded frame must decode
  fc.assert(fc.property(frame, (b) => one(b, b.length <= 512)), { numRuns: third, seed: seed + 1 });
  fc.assert(fc.property(mutated, (b) => one(b, false)), { numRuns: cases - 2 * third, seed: seed + 2 });
}

export const polarPmd: FuzzTarget = { name: NAME, weight: 15, what: 'PmdFrameDecoder.decode: random bytes, valid ECG/ACC/delta frames (all must decode), mutated frames; null exactly when counted', run };
