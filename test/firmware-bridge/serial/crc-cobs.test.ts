import t from 'tap';
import fc from 'fast-check';
import { crc16CcittFalse } from '../../../firmware-bridge/serial/crc16-ccitt-false.ts';
import { cobsDecode, cobsEncode } from '../../../firmware-bridge/serial/cobs.ts';

const hex = (s: string) => Uint8Array.from(s.trim().split(/\s+/).filter(Boolean).map((h) => parseInt(h, 16)));
const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/** Bit-at-a-time reference straight from the Rocksoft parameters (Williams 1993), to check the table. */
function crcBitwise(data: Uint8Array): number {
  let crc = 0xffff;
  for (const b of data) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

t.test('CRC-16/CCITT-FALSE check value of "123456789" is 0x29B1', async (t) => {
  t.equal(crc16CcittFalse(new TextEncoder().encode('123456789')), 0x29b1);
  t.equal(crc16CcittFalse(new Uint8Array(0)), 0xffff, 'empty input leaves the init value');
});

t.test('CRC honours start/end and matches a bitwise reference on random data', async (t) => {
  const s = new TextEncoder().encode('xx123456789yy');
  t.equal(crc16CcittFalse(s, 2, 11), 0x29b1);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (d) => crc16CcittFalse(d) === crcBitwise(d)));
});

// Vectors: Cheshire & Baker, "Consistent Overhead Byte Stuffing", IEEE/ACM ToN 7(2), 1999, and the
// examples commonly used with it (the Wikipedia COBS article's table).
const VECTORS: Array<[string, Uint8Array, Uint8Array]> = [
  ['single zero', hex('00'), hex('01 01')],
  ['two zeros', hex('00 00'), hex('01 01 01')],
  ['zero, data, zero', hex('00 11 00'), hex('01 02 11 01')],
  ['zero in the middle', hex('11 22 00 33'), hex('03 11 22 02 33')],
  ['no zero', hex('11 22 33 44'), hex('05 11 22 33 44')],
  ['trailing zeros', hex('11 00 00 00'), hex('02 11 01 01 01')],
  ['254 non-zero bytes', range(1, 254), cat(hex('ff'), range(1, 254))],
  ['zero then 254 non-zero', range(0, 254), cat(hex('01 ff'), range(1, 254))],
  ['255 non-zero bytes', range(1, 255), cat(hex('ff'), range(1, 254), hex('02 ff'))],
  ['254 non-zero then zero', cat(range(2, 255), hex('00')), cat(hex('ff'), range(2, 255), hex('01 01'))],
  ['253 non-zero, zero, one', cat(range(3, 255), hex('00 01')), cat(hex('fe'), range(3, 255), hex('02 01'))],
  ['empty', new Uint8Array(0), hex('01')],
];

t.test('COBS known vectors encode and decode', async (t) => {
  for (const [name, raw, enc] of VECTORS) {
    t.same(Array.from(cobsEncode(raw)), Array.from(enc), `encode: ${name}`);
    t.same(Array.from(cobsDecode(enc) ?? []), Array.from(raw), `decode: ${name}`);
  }
});

t.test('COBS round-trips random data and never emits 0x00', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1200 }), (d) => {
      const e = cobsEncode(d);
      if (e.includes(0)) return false;
      const back = cobsDecode(e);
      return back !== null && Buffer.from(back).equals(Buffer.from(d));
    }),
  );
});

t.test('COBS rejects invalid input instead of throwing', async (t) => {
  t.equal(cobsDecode(hex('05 11 22')), null, 'code points past the end');
  t.equal(cobsDecode(hex('03 11 00')), null, 'zero inside encoded data');
  t.equal(cobsDecode(hex('00')), null, 'zero code');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (d) => {
    const r = cobsDecode(d);
    return r === null || r instanceof Uint8Array;
  }));
});
