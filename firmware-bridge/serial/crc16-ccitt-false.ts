/**
 * CRC-16/CCITT-FALSE: width 16, poly 0x1021, init 0xFFFF, no reflection, xorout 0, check 0x29B1
 * (parameters from R. Williams, "A Painless Guide to CRC Error Detection Algorithms", 1993,
 * and G. Cook's CRC catalogue, entry CRC-16/IBM-3740 alias CRC-16/CCITT-FALSE).
 *
 * Table-driven, one byte per step. Cost: O(end - start), one table lookup per byte, no allocation.
 *
 * @example
 *   crc16CcittFalse(new TextEncoder().encode('123456789')); // 0x29b1
 */

const POLY = 0x1021;

/** 256-entry table: CRC of each byte value shifted into the top of a zero register. */
const TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ POLY) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

export function crc16CcittFalse(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >>> 8) ^ data[i]!) & 0xff]!;
  }
  return crc;
}
