import type { ErrorCounter } from '../../gateway/core/errors.ts';
import type { AccBatch, DeviceId, EcgBatch } from '../../gateway/core/types.ts';
import { PmdMeasurement } from './pmd-control-point.ts';

/**
 * Polar Measurement Data (PMD) data frames, the notifications of FB005C82-....
 * Source: Polar BLE SDK, "Polar Measurement Data specification for 3rd party" and the SDK's
 * PmdDataFrame / BlePMDClient.parseDeltaFramesAll (github.com/polarofficial/polar-ble-sdk).
 *
 *   byte 0      measurement type (& 0x3F: 0 ECG, 2 ACC)
 *   bytes 1-8   uint64 LE, ns since 2000-01-01T00:00:00Z, time of the LAST sample in the frame
 *   byte 9      frame type (& 0x7F); bit 7 set = delta compressed
 *   samples     ECG frame type 0: int24 LE µV. ACC frame type 0/1/2: x,y,z as int8/int16/int24 LE, mG.
 *   delta       a reference sample (same layout as one uncompressed sample), then blocks of
 *               [bit width u8][sample count u8][ceil(width*count*channels/8) bytes of deltas,
 *               packed LSB-first, channel-interleaved, two's complement of `width` bits];
 *               each sample = previous sample + delta.
 *
 * Device time unit chosen here: µs since the Polar epoch (2000-01-01T00:00:00Z) as Float64, the
 * project's `device` clock unit. Float64 holds µs exactly until 2^53 µs (~285 years), and
 * the uint64 ns are converted without BigInt: hi * 2^32/1000 + lo/1000; at 2026 dates (~8e14 µs)
 * the Float64 step is 0.125 µs, far below any sample period.
 */
export const PMD_EPOCH_UNIX_MS = Date.UTC(2000, 0, 1);

/** Largest attribute value ATT can carry (Core 5.3 Vol 3 Part F §3.2.9); longer is garbage. */
const MAX_FRAME = 512;
const HEADER = 10;

/**
 * Bytes per channel value for a frame type, or 0 when the combination is not one we decode.
 * Compressed ACC type 0 is not "int8 deltas": in the Polar SDK (AccData.dataFromCompressedType0)
 * it has a 16-bit reference in G units scaled by the stream's `factor` setting, which the
 * gateway does not request, so such frames are refused (counted) rather than decoded wrongly.
 * Compressed ACC type 1 (16-bit reference, mG) is the SDK's; compressed type 2 (24-bit) and
 * compressed ECG (24-bit reference) follow the same rule by extension.
 */
function valueWidth(mtype: number, frameType: number, compressed: boolean): number {
  if (mtype === PmdMeasurement.Ecg) return frameType === 0 ? 3 : 0;
  if (mtype === PmdMeasurement.Acc) return frameType > 2 || (compressed && frameType === 0) ? 0 : frameType + 1;
  return 0;
}

function readSigned(p: Uint8Array, i: number, width: number): number {
  let v = 0;
  for (let b = width - 1; b >= 0; b--) v = v * 256 + p[i + b]!;
  const half = 2 ** (8 * width - 1);
  return v >= half ? v - 2 * half : v;
}

/**
 * Decodes PMD data frames into columnar batches (clock 'device', t in µs since the Polar epoch).
 * Sample times are placed backwards from the frame timestamp at the configured rate, which the
 * gateway chose in its start command. Cost: O(bytes) per frame, one batch (typed arrays) per
 * frame, no per-sample objects. Malformed frames: null, counted AFG_E_PMD_PAYLOAD, never thrown.
 *
 * @example
 *   const dec = new PmdFrameDecoder({ device: 'h10-1', errors, ecgRateHz: 130, accRateHz: 200 });
 *   const b = dec.decode(notificationBytes); // EcgBatch | AccBatch | null
 */
export class PmdFrameDecoder {
  readonly device: DeviceId;
  private readonly errors: ErrorCounter;
  private ecgPeriodUs: number;
  private accPeriodUs: number;
  /** device time of the last sample of the previous frame, per stream (ECG, ACC) */
  private readonly lastUs = [NaN, NaN];
  private dropped = 0;

  constructor(opts: { device: DeviceId; errors: ErrorCounter; ecgRateHz?: number; accRateHz?: number }) {
    this.device = opts.device;
    this.errors = opts.errors;
    this.ecgPeriodUs = PmdFrameDecoder.period(opts.ecgRateHz ?? 130);
    this.accPeriodUs = PmdFrameDecoder.period(opts.accRateHz ?? 200);
  }

  private static period(hz: number): number {
    if (!(hz > 0 && hz <= 100000)) throw new RangeError(`PMD sample rate must be in (0, 100000] Hz, got ${hz}`);
    return 1e6 / hz;
  }

  /** Call when a start command with a new rate was accepted. */
  setRate(type: PmdMeasurement, hz: number): void {
    if (type === PmdMeasurement.Ecg) this.ecgPeriodUs = PmdFrameDecoder.period(hz);
    else if (type === PmdMeasurement.Acc) this.accPeriodUs = PmdFrameDecoder.period(hz);
  }

  decode(p: Uint8Array): EcgBatch | AccBatch | null {
    if (p.length <= HEADER || p.length > MAX_FRAME) return this.reject();
    const mtype = p[0]! & 0x3f;
    const ft = p[9]!;
    const compressed = (ft & 0x80) !== 0;
    const width = valueWidth(mtype, ft & 0x7f, compressed);
    if (width === 0) return this.reject();
    const ch = mtype === PmdMeasurement.Ecg ? 1 : 3;
    const lo = (p[1]! | (p[2]! << 8) | (p[3]! << 16)) + p[4]! * 0x1000000;
    const hi = (p[5]! | (p[6]! << 8) | (p[7]! << 16)) + p[8]! * 0x1000000;
    const lastUs = hi * (4294967296 / 1000) + lo / 1000;
    const cols = compressed ? this.decodeDelta(p, ch, width) : this.decodePlain(p, ch, width);
    if (cols === null) return this.reject();
    const n = cols[0]!.length;
    const period = mtype === PmdMeasurement.Ecg ? this.ecgPeriodUs : this.accPeriodUs;
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) t[i] = lastUs - (n - 1 - i) * period;
    this.countGap(mtype === PmdMeasurement.Ecg ? 0 : 1, t[0]!, lastUs, period, n);
    if (mtype === PmdMeasurement.Ecg) return { kind: 'ecg', device: this.device, clock: 'device', n, t, uV: cols[0]! };
    return { kind: 'acc', device: this.device, clock: 'device', n, t, x: cols[0]!, y: cols[1]!, z: cols[2]! };
  }

  /**
   * Frames lost before this one, estimated from the time gap since the previous frame of the same
   * stream (notifications are not retransmitted; the frame timestamp is the only sequence the
   * H10 gives). A gap of more than half a frame of samples (and at least 1.5 periods, above the
   * sensor's timestamp jitter) counts as ceil(missing samples / this frame's size) frames.
   */
  get droppedFrames(): number {
    return this.dropped;
  }

  /** A new stream (after a reconnect): the gap to the old one is not a loss. */
  resetGaps(): void {
    this.lastUs[0] = this.lastUs[1] = NaN;
  }

  private countGap(k: 0 | 1, firstUs: number, lastUs: number, periodUs: number, n: number): void {
    const prev = this.lastUs[k]!;
    this.lastUs[k] = lastUs;
    if (Number.isNaN(prev)) return;
    const missing = (firstUs - prev) / periodUs - 1;
    if (missing > Math.max(1.5, n / 2)) this.dropped += Math.ceil(missing / n - 0.25);
  }

  private reject(): null {
    this.errors.count('AFG_E_PMD_PAYLOAD');
    return null;
  }

  private decodePlain(p: Uint8Array, ch: number, width: number): Float32Array[] | null {
    const stride = ch * width;
    const body = p.length - HEADER;
    if (body % stride !== 0) return null;
    const n = body / stride;
    const cols: Float32Array[] = [];
    for (let c = 0; c < ch; c++) cols.push(new Float32Array(n));
    for (let s = 0, i = HEADER; s < n; s++) for (let c = 0; c < ch; c++, i += width) cols[c]![s] = readSigned(p, i, width);
    return cols;
  }

  private decodeDelta(p: Uint8Array, ch: number, width: number): Float32Array[] | null {
    const first = HEADER + ch * width;
    if (first > p.length) return null;
    // pass 1: validate the block structure and count samples, so columns are allocated once
    let n = 1;
    for (let i = first; i < p.length; ) {
      if (i + 2 > p.length) return null;
      const bw = p[i]!;
      const count = p[i + 1]!;
      if (bw < 1 || bw > 32 || count === 0) return null;
      i += 2 + Math.ceil((bw * count * ch) / 8);
      if (i > p.length) return null;
      n += count;
    }
    const cols: Float32Array[] = [];
    const prev: number[] = [];
    for (let c = 0; c < ch; c++) {
      cols.push(new Float32Array(n));
      prev.push(readSigned(p, HEADER + c * width, width));
      cols[c]![0] = prev[c]!;
    }
    let s = 1;
    for (let i = first; i < p.length; ) {
      const bw = p[i]!;
      const count = p[i + 1]!;
      const base = i + 2;
      const half = 2 ** (bw - 1);
      let bit = 0;
      for (let k = 0; k < count; k++, s++) {
        for (let c = 0; c < ch; c++) {
          let v = 0;
          for (let b = 0; b < bw; b++, bit++) if ((p[base + (bit >> 3)]! >> (bit & 7)) & 1) v += 2 ** b;
          prev[c] = prev[c]! + (v >= half ? v - 2 * half : v);
          cols[c]![s] = prev[c]!;
        }
      }
      i = base + Math.ceil((bw * count * ch) / 8);
    }
    return cols;
  }
}

function writeHeader(out: Uint8Array, type: PmdMeasurement, lastSampleNs: bigint, frameType: number): void {
  if (lastSampleNs < 0n || lastSampleNs >= 1n << 64n) throw new RangeError('PMD timestamp must be a uint64 of ns');
  out[0] = type;
  for (let b = 0; b < 8; b++) out[1 + b] = Number((lastSampleNs >> BigInt(8 * b)) & 0xffn);
  out[9] = frameType;
}

function writeSigned(out: Uint8Array, i: number, v: number, width: number): void {
  const half = 2 ** (8 * width - 1);
  if (!Number.isInteger(v) || v < -half || v >= half) throw new RangeError(`PMD value ${v} does not fit ${8 * width} bits`);
  let u = v < 0 ? v + 2 * half : v;
  for (let b = 0; b < width; b++) {
    out[i + b] = u & 0xff;
    u = Math.floor(u / 256);
  }
}

function checkColumns(type: PmdMeasurement, frameType: number, compressed: boolean, channels: readonly ArrayLike<number>[], n: number): number {
  const width = valueWidth(type, frameType, compressed);
  if (width === 0) throw new RangeError(`no ${compressed ? 'compressed ' : ''}PMD frame type ${frameType} for measurement ${type}`);
  if (channels.length !== (type === PmdMeasurement.Ecg ? 1 : 3)) throw new RangeError('ECG takes 1 channel, ACC 3');
  if (!Number.isInteger(n) || n < 1 || channels.some((c) => c.length < n)) throw new RangeError('n must be >= 1 and within every channel');
  return width;
}

/**
 * Uncompressed frame (the emulated H10 sends these). `lastSampleNs` is the time of sample n-1.
 *
 * @example encodePmdFrame(PmdMeasurement.Ecg, 0, 2_000_000_000n, [Int32Array.of(-32766, 32770)], 2)
 */
export function encodePmdFrame(type: PmdMeasurement, frameType: number, lastSampleNs: bigint, channels: readonly ArrayLike<number>[], n: number): Uint8Array {
  const width = checkColumns(type, frameType, false, channels, n);
  const out = new Uint8Array(HEADER + n * channels.length * width);
  writeHeader(out, type, lastSampleNs, frameType);
  for (let s = 0, i = HEADER; s < n; s++) for (const col of channels) (writeSigned(out, i, col[s]!, width), (i += width));
  return out;
}

/** Smallest two's-complement width (>= 1 bit) holding d. */
function bitsFor(d: number): number {
  let b = 1;
  while (d < -(2 ** (b - 1)) || d >= 2 ** (b - 1)) b++;
  return b;
}

/**
 * Delta-compressed frame: reference sample, then blocks of up to `blockSize` samples, each with
 * the smallest bit width that holds its deltas.
 *
 * @example encodePmdDeltaFrame(PmdMeasurement.Acc, 1, tNs, [x, y, z], n, 16) // frame type 0x81
 */
export function encodePmdDeltaFrame(type: PmdMeasurement, frameType: number, lastSampleNs: bigint, channels: readonly ArrayLike<number>[], n: number, blockSize = 255): Uint8Array {
  const width = checkColumns(type, frameType, true, channels, n);
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 255) throw new RangeError('blockSize must be 1..255');
  const ch = channels.length;
  const bytes: number[] = [];
  const ref = new Uint8Array(ch * width);
  channels.forEach((col, c) => writeSigned(ref, c * width, col[0]!, width));
  bytes.push(...ref);
  for (let start = 1; start < n; start += blockSize) {
    const end = Math.min(n, start + blockSize);
    let bw = 1;
    for (let s = start; s < end; s++) for (const col of channels) bw = Math.max(bw, bitsFor(col[s]! - col[s - 1]!));
    if (bw > 32) throw new RangeError('PMD delta wider than 32 bits');
    const packed = new Uint8Array(Math.ceil((bw * (end - start) * ch) / 8));
    let bit = 0;
    for (let s = start; s < end; s++) {
      for (const col of channels) {
        const d = col[s]! - col[s - 1]!;
        const u = d < 0 ? d + 2 ** bw : d;
        for (let b = 0; b < bw; b++, bit++) if (Math.floor(u / 2 ** b) % 2) packed[bit >> 3]! |= 1 << (bit & 7);
      }
    }
    bytes.push(bw, end - start, ...packed);
  }
  const out = new Uint8Array(HEADER + bytes.length);
  writeHeader(out, type, lastSampleNs, 0x80 | frameType);
  out.set(bytes, HEADER);
  return out;
}
