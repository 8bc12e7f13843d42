/**
 * Consistent Overhead Byte Stuffing (S. Cheshire, M. Baker, "Consistent Overhead Byte Stuffing",
 * IEEE/ACM Transactions on Networking 7(2):159-172, 1999). Removes every 0x00 so that 0x00 can
 * delimit frames. Neither function adds or expects the trailing 0x00 delimiter.
 *
 * Cost: O(n), one output allocation per call (the `Into` variants write into a caller buffer).
 *
 * @example
 *   cobsEncode(Uint8Array.of(0x11, 0x22, 0x00, 0x33)); // 03 11 22 02 33
 *   cobsDecode(Uint8Array.of(0x03, 0x11, 0x22, 0x02, 0x33)); // 11 22 00 33
 */

/** Worst-case encoded length of `n` bytes: one code byte per 254 data bytes, plus one. */
export function cobsMaxEncodedLength(n: number): number {
  return n + Math.floor(n / 254) + 1;
}

export function cobsEncode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(src.length));
  const n = cobsEncodeInto(src, 0, src.length, out, 0);
  return out.subarray(0, n);
}

/**
 * Encodes src[start, end) into dst at dstOffset; returns the number of bytes written.
 * dst must have room for cobsMaxEncodedLength(end - start) bytes.
 */
export function cobsEncodeInto(src: Uint8Array, start: number, end: number, dst: Uint8Array, dstOffset: number): number {
  let codeAt = dstOffset;
  let w = dstOffset + 1;
  let code = 1;
  for (let i = start; i < end; i++) {
    const b = src[i]!;
    if (b === 0) {
      dst[codeAt] = code;
      codeAt = w++;
      code = 1;
    } else {
      dst[w++] = b;
      code++;
      // A full block of 254 data bytes: close it (code 0xFF carries no implied zero). Only open
      // a new block if more input follows, so a 254-byte input encodes to 255 bytes, not 256.
      if (code === 0xff && i + 1 < end) {
        dst[codeAt] = code;
        codeAt = w++;
        code = 1;
      }
    }
  }
  dst[codeAt] = code;
  return w - dstOffset;
}

export function cobsDecode(src: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(src.length);
  const n = cobsDecodeInto(src, 0, src.length, out);
  return n < 0 ? null : out.subarray(0, n);
}

/**
 * Decodes src[start, end) (no delimiter inside) into dst from index 0; returns the decoded length,
 * or -1 when the input is not valid COBS (a zero byte, or a code that points past the end).
 * dst needs room for end - start bytes. dst may be src itself with start = 0 (decoding in place
 * is safe because the output never overtakes the input).
 */
export function cobsDecodeInto(src: Uint8Array, start: number, end: number, dst: Uint8Array): number {
  let r = start;
  let w = 0;
  while (r < end) {
    const code = src[r]!;
    if (code === 0) return -1;
    const blockEnd = r + code;
    if (blockEnd > end) return -1;
    r++;
    while (r < blockEnd) {
      const b = src[r++]!;
      if (b === 0) return -1;
      dst[w++] = b;
    }
    if (code !== 0xff && r < end) dst[w++] = 0;
  }
  return w;
}
