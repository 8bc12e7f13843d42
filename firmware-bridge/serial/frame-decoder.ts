/**
 * Streaming decoder for the AFG serial protocol (firmware-bridge/PROTOCOL.md): feed it whatever
 * chunks the port delivers (any boundaries, byte by byte too); it calls onMessage once per valid
 * frame. Bad frames are dropped and counted in the injected ErrorCounter; push() never throws on
 * any input (an exception thrown by the onMessage callback itself is the caller's and propagates).
 * After garbage it resynchronises at the next 0x00 delimiter.
 *
 * GAZE frames decode straight into a columnar GazeBatch (device clock, µs); each batch owns one
 * fresh ArrayBuffer, so consumers may keep it. The frame buffers are allocated once and reused.
 * Cost: O(bytes) per push; per GAZE frame one ArrayBuffer + 6 typed-array views, no per-sample objects.
 *
 * @example
 *   const dec = new FrameDecoder({ device: 'et-1', errors, onMessage: (m) => { if (m.type === 'gaze') sink(m.batch); } });
 *   port.on('data', (chunk) => dec.push(chunk));
 */
import type { ErrorCounter } from '../../gateway/core/errors.ts';
import type { GazeBatch, GazeUnits } from '../../gateway/core/types.ts';
import { cobsDecodeInto, cobsMaxEncodedLength } from './cobs.ts';
import { crc16CcittFalse } from './crc16-ccitt-false.ts';
import {
  CRC_LENGTH,
  GAZE_PREFIX_LENGTH,
  GAZE_SAMPLE_LENGTH,
  GEOMETRY_KINDS,
  HEADER_LENGTH,
  MAX_FRAME_LENGTH,
  MessageType,
  SUPPORTED_PROTOCOL_VERSIONS,
  type DecodedMessage,
} from './protocol.ts';

export type { DecodedMessage } from './protocol.ts';

const TWO_32 = 4294967296;
const utf8 = new TextDecoder('utf-8', { fatal: false });

export interface FrameDecoderOptions {
  device: string;
  errors: ErrorCounter;
  /** decoded frame limit (body + CRC), bytes; default 1024, the protocol's limit */
  maxFrameLength?: number;
  onMessage: (m: DecodedMessage) => void;
  /** told of each frame refused for its version (after its CRC passed), e.g. to answer with ERROR */
  onProtocolMismatch?: (version: number) => void;
}

export interface FrameDecoderStats {
  /** valid frames delivered */
  frames: number;
  /** bytes pushed */
  bytes: number;
  /** frames missing according to seq gaps of the device's frames */
  seqGaps: number;
}

export class FrameDecoder {
  private readonly device: string;
  private readonly errors: ErrorCounter;
  private readonly maxFrameLength: number;
  private readonly onMessage: (m: DecodedMessage) => void;
  private readonly onProtocolMismatch: ((version: number) => void) | undefined;
  /** encoded bytes of the frame being received (between delimiters) */
  private readonly pending: Uint8Array;
  private pendingLength = 0;
  private overflowed = false;
  private readonly frame: Uint8Array;
  private readonly view: DataView;
  private units: GazeUnits = 'deg';
  private lastSeq = -1;
  private frames = 0;
  private bytes = 0;
  private seqGaps = 0;

  constructor(opts: FrameDecoderOptions) {
    if (!opts || typeof opts.device !== 'string' || opts.device.length === 0) throw new TypeError('FrameDecoder: device must be a non-empty string');
    if (!opts.errors) throw new TypeError('FrameDecoder: errors (ErrorCounter) is required');
    if (typeof opts.onMessage !== 'function') throw new TypeError('FrameDecoder: onMessage must be a function');
    const max = opts.maxFrameLength ?? MAX_FRAME_LENGTH;
    if (!Number.isInteger(max) || max < HEADER_LENGTH + CRC_LENGTH || max > 65536) {
      throw new RangeError(`FrameDecoder: maxFrameLength must be an integer in 6..65536, got ${max}`);
    }
    this.device = opts.device;
    this.errors = opts.errors;
    this.maxFrameLength = max;
    this.onMessage = opts.onMessage;
    this.onProtocolMismatch = opts.onProtocolMismatch;
    const cap = cobsMaxEncodedLength(max);
    this.pending = new Uint8Array(cap);
    this.frame = new Uint8Array(cap);
    this.view = new DataView(this.frame.buffer);
  }

  /** Units of gaze batches: from the last HELLO, 'deg' before any. */
  currentUnits(): GazeUnits {
    return this.units;
  }

  stats(): FrameDecoderStats {
    return { frames: this.frames, bytes: this.bytes, seqGaps: this.seqGaps };
  }

  /**
   * Drops a partly received frame (the port went away mid-frame), counting it as truncated, so
   * its bytes are not glued onto the first frame after a reconnect. Keeps units and stats.
   */
  flush(): void {
    if (this.pendingLength > 0 || this.overflowed) this.errors.count(this.overflowed ? 'AFG_E_FRAME_TOO_LONG' : 'AFG_E_FRAME_TRUNCATED');
    this.pendingLength = 0;
    this.overflowed = false;
    this.lastSeq = -1;
  }

  push(chunk: Uint8Array): void {
    const len = chunk.length;
    this.bytes += len;
    if (len < 16) {
      this.pushSmall(chunk, len);
      return;
    }
    let pos = 0;
    while (pos < len) {
      const z = chunk.indexOf(0, pos);
      if (z < 0) {
        this.append(chunk, pos, len);
        return;
      }
      if (this.pendingLength === 0 && !this.overflowed) {
        // The whole frame is inside this chunk: decode from the chunk, no copy.
        if (z > pos) this.decodeFrame(chunk, pos, z);
      } else {
        this.append(chunk, pos, z);
        const n = this.pendingLength;
        const overflowed = this.overflowed;
        this.pendingLength = 0;
        this.overflowed = false;
        if (overflowed) this.errors.count('AFG_E_FRAME_TOO_LONG');
        else if (n > 0) this.decodeFrame(this.pending, 0, n);
      }
      pos = z + 1;
    }
  }

  /** Tiny chunks (slow links deliver byte by byte): a plain loop beats indexOf + subarray + set. */
  private pushSmall(chunk: Uint8Array, len: number): void {
    const pending = this.pending;
    for (let i = 0; i < len; i++) {
      const b = chunk[i]!;
      if (b !== 0) {
        if (this.overflowed) continue;
        if (this.pendingLength === pending.length) {
          this.overflowed = true;
          this.pendingLength = 0;
        } else pending[this.pendingLength++] = b;
        continue;
      }
      const n = this.pendingLength;
      const overflowed = this.overflowed;
      this.pendingLength = 0;
      this.overflowed = false;
      if (overflowed) this.errors.count('AFG_E_FRAME_TOO_LONG');
      else if (n > 0) this.decodeFrame(pending, 0, n);
    }
  }

  private append(chunk: Uint8Array, start: number, end: number): void {
    if (this.overflowed || end <= start) return;
    const n = end - start;
    if (this.pendingLength + n > this.pending.length) {
      // Longer than any legal frame: drop everything up to the next delimiter, count it once then.
      this.overflowed = true;
      this.pendingLength = 0;
      return;
    }
    this.pending.set(chunk.subarray(start, end), this.pendingLength);
    this.pendingLength += n;
  }

  /** One COBS-encoded frame src[start, end), delimiter excluded. */
  private decodeFrame(src: Uint8Array, start: number, end: number): void {
    if (end - start > this.pending.length) {
      this.errors.count('AFG_E_FRAME_TOO_LONG');
      return;
    }
    const f = this.frame;
    const n = cobsDecodeInto(src, start, end, f);
    if (n < 0) {
      this.errors.count('AFG_E_FRAME_COBS');
      return;
    }
    if (n > this.maxFrameLength) {
      this.errors.count('AFG_E_FRAME_TOO_LONG');
      return;
    }
    if (n < HEADER_LENGTH + CRC_LENGTH) {
      this.errors.count('AFG_E_FRAME_TRUNCATED');
      return;
    }
    const bodyEnd = n - CRC_LENGTH;
    if (crc16CcittFalse(f, 0, bodyEnd) !== (f[bodyEnd]! | (f[bodyEnd + 1]! << 8))) {
      this.errors.count('AFG_E_FRAME_CRC');
      return;
    }
    const version = f[0]!;
    if (!SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      this.errors.count('AFG_E_PROTOCOL_VERSION');
      this.onProtocolMismatch?.(version);
      return;
    }
    const m = this.parse(f[1]!, this.view.getUint16(2, true), version, bodyEnd);
    if (m === null) return;
    this.frames++;
    this.onMessage(m);
  }

  private noteSeq(seq: number): void {
    if (this.lastSeq >= 0) {
      const gap = (seq - this.lastSeq - 1) & 0xffff;
      // A huge "gap" is a device restart (seq back to 0) or a reordering, not loss.
      if (gap > 0 && gap < 0x8000) this.seqGaps += gap;
    }
    this.lastSeq = seq;
  }

  /** Payload body[4, end) of a frame whose CRC and version passed; null when dropped (counted). */
  private parse(type: number, seq: number, version: number, end: number): DecodedMessage | null {
    const f = this.frame;
    const v = this.view;
    let o = HEADER_LENGTH;
    switch (type) {
      case MessageType.Gaze: {
        if (end - o < GAZE_PREFIX_LENGTH) return this.truncated();
        const count = v.getUint16(o, true);
        if (o + GAZE_PREFIX_LENGTH + count * GAZE_SAMPLE_LENGTH > end) return this.truncated();
        const t0 = v.getUint32(o + 2, true) + v.getUint32(o + 6, true) * TWO_32;
        o += GAZE_PREFIX_LENGTH;
        const batch = allocGazeBatch(this.device, this.units, count);
        const { t, x, y, pupil, openness, valid } = batch;
        for (let i = 0; i < count; i++, o += GAZE_SAMPLE_LENGTH) {
          t[i] = t0 + v.getUint32(o, true);
          x[i] = v.getFloat32(o + 4, true);
          y[i] = v.getFloat32(o + 8, true);
          pupil[i] = v.getFloat32(o + 12, true);
          openness[i] = v.getFloat32(o + 16, true);
          valid[i] = f[o + 20]! & 1;
        }
        this.noteSeq(seq);
        return { type: 'gaze', version, seq, batch };
      }
      case MessageType.Hello: {
        const id = this.str8(o, end);
        if (id === null) return this.truncated();
        const fw = this.str8(id.next, end);
        if (fw === null) return this.truncated();
        o = fw.next;
        if (o + 24 > end) return this.truncated();
        const unitsCode = f[o + 6]!;
        const geomCode = f[o + 7]!;
        const units: GazeUnits = unitsCode === 1 ? 'norm' : 'deg';
        this.units = units;
        this.lastSeq = -1; // a HELLO starts a session: seq restarts are not loss
        this.noteSeq(seq);
        return {
          type: 'hello',
          version,
          seq,
          deviceId: id.text,
          firmwareVersion: fw.text,
          protocolMin: f[o]!,
          protocolMax: f[o + 1]!,
          sampleRateHz: v.getFloat32(o + 2, true),
          units,
          geometry: {
            kind: GEOMETRY_KINDS[geomCode] ?? 'none',
            g0: v.getFloat32(o + 8, true),
            g1: v.getFloat32(o + 12, true),
            g2: v.getFloat32(o + 16, true),
            resX: v.getUint16(o + 20, true),
            resY: v.getUint16(o + 22, true),
          },
        };
      }
      case MessageType.DeviceEvent: {
        if (o + 14 > end) return this.truncated();
        const text = this.str8(o + 14, end);
        if (text === null) return this.truncated();
        this.noteSeq(seq);
        return { type: 'device_event', version, seq, tUs: this.u64(o), code: v.getUint16(o + 8, true), arg: v.getInt32(o + 10, true), text: text.text };
      }
      case MessageType.TimeSyncRequest: {
        if (o + 8 > end) return this.truncated();
        return { type: 'time_sync_request', version, seq, t1Us: this.u64(o) };
      }
      case MessageType.TimeSyncResponse: {
        if (o + 24 > end) return this.truncated();
        // seq echoes the gateway's request: not part of the device's own sequence
        return { type: 'time_sync_response', version, seq, t1Us: this.u64(o), t2Us: this.u64(o + 8), t3Us: this.u64(o + 16) };
      }
      case MessageType.Heartbeat: {
        if (o + 10 > end) return this.truncated();
        const b = f[o + 8]!;
        this.noteSeq(seq);
        return { type: 'heartbeat', version, seq, tUs: this.u64(o), battery: b > 100 ? null : b, status: f[o + 9]! };
      }
      case MessageType.Error: {
        if (o + 6 > end) return this.truncated();
        const text = this.str8(o + 6, end);
        if (text === null) return this.truncated();
        this.noteSeq(seq);
        return { type: 'error', version, seq, code: v.getUint16(o, true), arg: v.getUint32(o + 2, true), text: text.text };
      }
      default:
        this.errors.count('AFG_E_FRAME_UNKNOWN_TYPE');
        return null;
    }
  }

  private truncated(): null {
    this.errors.count('AFG_E_FRAME_TRUNCATED');
    return null;
  }

  private u64(o: number): number {
    return this.view.getUint32(o, true) + this.view.getUint32(o + 4, true) * TWO_32;
  }

  private str8(o: number, end: number): { text: string; next: number } | null {
    if (o >= end) return null;
    const n = this.frame[o]!;
    if (o + 1 + n > end) return null;
    return { text: utf8.decode(this.frame.subarray(o + 1, o + 1 + n)), next: o + 1 + n };
  }
}

/** One ArrayBuffer carved into the six columns; Float64 first keeps every view aligned. */
function allocGazeBatch(device: string, units: GazeUnits, n: number): GazeBatch {
  const buf = new ArrayBuffer(n * 25 + 8);
  return {
    kind: 'gaze',
    device,
    clock: 'device',
    units,
    n,
    t: new Float64Array(buf, 0, n),
    x: new Float32Array(buf, 8 * n, n),
    y: new Float32Array(buf, 12 * n, n),
    pupil: new Float32Array(buf, 16 * n, n),
    openness: new Float32Array(buf, 20 * n, n),
    valid: new Uint8Array(buf, 24 * n, n),
  };
}
