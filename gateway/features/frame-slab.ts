/**
 * Hands out small typed arrays as views into shared 16 KiB slabs. A fresh Float32Array of a few
 * dozen elements gets its own off-heap backing store (malloc, then ArrayBuffer sweeping by the
 * GC): about 0.5 µs each, the largest single cost of a feature frame. A view into an existing
 * buffer is ~10x cheaper. The views are ordinary, independent arrays for their holders (the
 * event bus may keep a frame); a slab is freed when the last view into it is dropped, so a
 * holder of one frame keeps at most one 16 KiB slab alive.
 *
 * Cost: O(1) per view; one 16 KiB allocation per ~80 frames.
 *
 * @example
 *   const slab = new FrameSlab();
 *   const values = slab.f32(37); const quality = slab.u8(37);
 */
export class FrameSlab {
  static readonly BYTES = 16_384;
  private buf = new ArrayBuffer(FrameSlab.BYTES);
  private off = 0;

  f32(n: number): Float32Array {
    const bytes = n * 4;
    this.reserve(bytes, 4);
    const a = new Float32Array(this.buf, this.off, n);
    this.off += bytes;
    return a;
  }

  u8(n: number): Uint8Array {
    this.reserve(n, 1);
    const a = new Uint8Array(this.buf, this.off, n);
    this.off += n;
    return a;
  }

  private reserve(bytes: number, align: number): void {
    if (bytes > FrameSlab.BYTES) throw new RangeError('FrameSlab: request larger than a slab');
    this.off = (this.off + align - 1) & ~(align - 1);
    if (this.off + bytes > FrameSlab.BYTES) {
      this.buf = new ArrayBuffer(FrameSlab.BYTES);
      this.off = 0;
    }
  }
}
