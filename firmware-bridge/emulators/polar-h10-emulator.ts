import { encodePmdResponse, parsePmdStart, PmdMeasurement, PmdOp, type PmdSettings } from '../ble/pmd-control-point.ts';
import { encodePmdDeltaFrame, encodePmdFrame, PMD_EPOCH_UNIX_MS } from '../ble/pmd-data-frame.ts';

/** What the H10 offers (Polar BLE SDK documentation, H10: ECG 130 Hz 14-bit; ACC 25-200 Hz, 16-bit, ±2/4/8 G). */
const OFFERED: Record<number, PmdSettings> = {
  [PmdMeasurement.Ecg]: { sampleRate: [130], resolution: [14] },
  [PmdMeasurement.Acc]: { sampleRate: [25, 50, 100, 200], resolution: [16], range: [2, 4, 8] },
};
/**
 * Smallest ATT MTU this emulated H10 streams with; below it a start answers invalid_mtu. Polar
 * documents no minimum: 232 is what users report having to request (polar-ble-sdk issue #287),
 * others saw the H10 accept 64-70 (issues #40, #55); the Polar SDK itself asks for 512.
 */
export const H10_MIN_MTU = 232;

interface Stream {
  rateHz: number;
}

/**
 * A Polar H10 as bytes: answers PMD control point writes like the sensor and turns sample
 * columns into PMD data frames sized to the MTU (ECG: int24 µV, frame type 0; ACC: int16 mG,
 * frame type 1, or delta-compressed 0x81). Pure: no timers, no I/O; the simulated fleet calls
 * it and pushes the bytes through the same parsers as a real strap's.
 * Times are µs since the Polar epoch (2000-01-01Z), as PmdFrameDecoder hands them back.
 * Cost: O(samples) per call, one Uint8Array per frame.
 *
 * @example
 *   const h10 = new PolarH10Emulator();
 *   h10.writeControlPoint(H10_ECG_START);          // F0 02 00 00 00
 *   const frames = h10.ecgFrames(lastUs, uV, n);    // Uint8Array[] of PMD data notifications
 */
export class PolarH10Emulator {
  mtu: number;
  /** send ACC delta-compressed (frame type 0x81) instead of plain int16 */
  compressAcc: boolean;
  private readonly streams = new Map<number, Stream>();

  constructor(opts: { mtu?: number; compressAcc?: boolean } = {}) {
    this.mtu = opts.mtu ?? 232;
    if (!Number.isInteger(this.mtu) || this.mtu < 23 || this.mtu > 517) throw new RangeError('mtu must be an integer 23..517');
    this.compressAcc = opts.compressAcc ?? false;
  }

  /** Handles a control point write; returns the indication the sensor sends back. */
  writeControlPoint(cmd: Uint8Array): Uint8Array {
    const op = cmd[0] ?? 0;
    const type = cmd[1] ?? 0;
    const offered = OFFERED[type];
    if (cmd.length < 2) return encodePmdResponse(op, type, 4); // invalid_length
    if (op !== PmdOp.GetSettings && op !== PmdOp.Start && op !== PmdOp.Stop) return encodePmdResponse(op, type, 1);
    if (!offered) return encodePmdResponse(op, type, 3); // not_supported
    if (op === PmdOp.GetSettings) return encodePmdResponse(op, type, 0, offered);
    if (op === PmdOp.Stop) {
      if (!this.streams.delete(type)) return encodePmdResponse(op, type, 6); // already_in_state
      return encodePmdResponse(op, type, 0);
    }
    const start = parsePmdStart(cmd);
    if (!start) return encodePmdResponse(op, type, 4);
    if (this.mtu < H10_MIN_MTU) return encodePmdResponse(op, type, 10); // invalid_mtu
    if (this.streams.has(type)) return encodePmdResponse(op, type, 6);
    const rate = start.settings.sampleRate?.[0];
    if (rate === undefined || !offered.sampleRate!.includes(rate)) return encodePmdResponse(op, type, 8);
    const res = start.settings.resolution?.[0];
    if (res === undefined || !offered.resolution!.includes(res)) return encodePmdResponse(op, type, 7);
    const range = start.settings.range?.[0];
    if (offered.range && (range === undefined || !offered.range.includes(range))) return encodePmdResponse(op, type, 9);
    this.streams.set(type, { rateHz: rate });
    return encodePmdResponse(op, type, 0);
  }

  streaming(type: PmdMeasurement): boolean {
    return this.streams.has(type);
  }

  /** Frames for ECG samples (µV), `lastUs` = time of sample n-1; [] unless ECG was started. */
  ecgFrames(lastUs: number, uV: ArrayLike<number>, n: number): Uint8Array[] {
    const s = this.streams.get(PmdMeasurement.Ecg);
    if (!s || n <= 0) return [];
    const perFrame = Math.floor((this.mtu - 3 - 10) / 3); // notification = MTU - 3 bytes ATT header
    return this.split(lastUs, n, perFrame, s.rateHz, (from, to, ns) => encodePmdFrame(PmdMeasurement.Ecg, 0, ns, [Int32Array.from({ length: to - from }, (_, i) => Math.round(uV[from + i]!))], to - from));
  }

  /** Frames for ACC samples (mG); [] unless ACC was started. */
  accFrames(lastUs: number, x: ArrayLike<number>, y: ArrayLike<number>, z: ArrayLike<number>, n: number): Uint8Array[] {
    const s = this.streams.get(PmdMeasurement.Acc);
    if (!s || n <= 0) return [];
    // delta frames are smaller, but their size depends on the data: size them as plain frames
    const perFrame = Math.floor((this.mtu - 3 - 10) / 6);
    const clamp = (v: number) => Math.max(-32768, Math.min(32767, Math.round(v)));
    return this.split(lastUs, n, perFrame, s.rateHz, (from, to, ns) => {
      const cols = [x, y, z].map((c) => Int32Array.from({ length: to - from }, (_, i) => clamp(c[from + i]!)));
      return this.compressAcc ? encodePmdDeltaFrame(PmdMeasurement.Acc, 1, ns, cols, to - from, 32) : encodePmdFrame(PmdMeasurement.Acc, 1, ns, cols, to - from);
    });
  }

  private split(lastUs: number, n: number, perFrame: number, rateHz: number, encode: (from: number, to: number, lastNs: bigint) => Uint8Array): Uint8Array[] {
    const periodUs = 1e6 / rateHz;
    const out: Uint8Array[] = [];
    for (let from = 0; from < n; from += perFrame) {
      const to = Math.min(n, from + perFrame);
      const frameLastUs = lastUs - (n - to) * periodUs;
      out.push(encode(from, to, BigInt(Math.max(0, Math.round(frameLastUs * 1000)))));
    }
    return out;
  }
}

/** Polar-epoch µs for a Unix-epoch ms time (what an H10 whose clock was set would stamp). */
export function polarEpochUs(unixMs: number): number {
  return (unixMs - PMD_EPOCH_UNIX_MS) * 1000;
}
