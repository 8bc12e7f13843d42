/**
 * Builds complete wire frames (COBS(body || CRC16 LE) || 0x00) for every message of the AFG serial
 * protocol (firmware-bridge/PROTOCOL.md). Used by the device emulator, by tests, and by the
 * gateway for the few frames it sends (TIME_SYNC_REQUEST, ERROR).
 *
 * Cost: O(frame bytes) per message; bodies are staged in one module scratch buffer, and each call
 * allocates only its returned Uint8Array. Throws RangeError on values that cannot be encoded
 * (negative or non-finite timestamps, bad seq): the encoder is the sender side, bad values are a
 * programming error there, not device input.
 *
 * @example
 *   port.write(encodeHeartbeat({ tUs: 1_000_000, battery: 80, status: 3 }, 7));
 */
import { cobsEncodeInto, cobsMaxEncodedLength } from './cobs.ts';
import { crc16CcittFalse } from './crc16-ccitt-false.ts';
import {
  CRC_LENGTH,
  GAZE_PREFIX_LENGTH,
  GAZE_SAMPLE_LENGTH,
  GEOMETRY_KIND_CODE,
  HEADER_LENGTH,
  MAX_FRAME_LENGTH,
  MessageType,
  PROTOCOL_VERSION,
  UNITS_CODE,
  type DeviceEventMessage,
  type ErrorMessage,
  type GazeColumns,
  type HeartbeatMessage,
  type HelloMessage,
  type TimeSyncResponseMessage,
} from './protocol.ts';

const TWO_32 = 4294967296;
const MAX_GAZE_PER_FRAME = Math.floor((MAX_FRAME_LENGTH - HEADER_LENGTH - GAZE_PREFIX_LENGTH - CRC_LENGTH) / GAZE_SAMPLE_LENGTH);

const body = new Uint8Array(MAX_FRAME_LENGTH);
const view = new DataView(body.buffer);
const utf8 = new TextEncoder();

/** Optional header version, so emulators can play a device that speaks another version. */
export interface EncodeOptions {
  version?: number;
}

function checkSeq(seq: number): void {
  if (!Number.isInteger(seq) || seq < 0) throw new RangeError(`seq must be a non-negative integer, got ${seq}`);
}

function writeHeader(type: number, seq: number, opts: EncodeOptions | undefined): number {
  checkSeq(seq);
  const version = opts?.version ?? PROTOCOL_VERSION;
  if (!Number.isInteger(version) || version < 0 || version > 255) throw new RangeError(`version must be a u8, got ${version}`);
  body[0] = version;
  body[1] = type;
  view.setUint16(2, seq & 0xffff, true);
  return HEADER_LENGTH;
}

function writeU64(off: number, us: number, what: string): number {
  if (!Number.isFinite(us) || us < 0) throw new RangeError(`${what} must be a finite non-negative µs count, got ${us}`);
  const v = Math.round(us);
  view.setUint32(off, v % TWO_32, true);
  view.setUint32(off + 4, Math.floor(v / TWO_32), true);
  return off + 8;
}

/** str8: length byte then UTF-8, cut at a character boundary to maxBytes. */
function writeStr8(off: number, s: string, maxBytes: number): number {
  const { written } = utf8.encodeInto(s, body.subarray(off + 1, off + 1 + maxBytes));
  body[off] = written;
  return off + 1 + written;
}

/** CRC + COBS + delimiter of body[0, len) into out at outOffset; returns bytes written. */
function sealInto(len: number, out: Uint8Array, outOffset: number): number {
  const crc = crc16CcittFalse(body, 0, len);
  body[len] = crc & 0xff;
  body[len + 1] = crc >>> 8;
  const n = cobsEncodeInto(body, 0, len + CRC_LENGTH, out, outOffset);
  out[outOffset + n] = 0;
  return n + 1;
}

function seal(len: number): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(len + CRC_LENGTH) + 1);
  const n = sealInto(len, out, 0);
  return out.subarray(0, n);
}

export function encodeHello(h: HelloMessage, seq: number, opts?: EncodeOptions): Uint8Array {
  let o = writeHeader(MessageType.Hello, seq, opts);
  o = writeStr8(o, h.deviceId, 64);
  o = writeStr8(o, h.firmwareVersion, 32);
  body[o++] = h.protocolMin & 0xff;
  body[o++] = h.protocolMax & 0xff;
  view.setFloat32(o, h.sampleRateHz, true);
  o += 4;
  body[o++] = UNITS_CODE[h.units];
  body[o++] = GEOMETRY_KIND_CODE[h.geometry.kind];
  view.setFloat32(o, h.geometry.g0, true);
  view.setFloat32(o + 4, h.geometry.g1, true);
  view.setFloat32(o + 8, h.geometry.g2, true);
  view.setUint16(o + 12, h.geometry.resX, true);
  view.setUint16(o + 14, h.geometry.resY, true);
  return seal(o + 16);
}

/** Gaze frames plus how many frames (seq numbers) they used. */
export interface EncodedGaze {
  bytes: Uint8Array;
  frames: number;
}

/**
 * Splits the columns into GAZE frames of at most 48 samples (and a new frame where the offset
 * from the frame's t0 would not fit a u32 or would be negative); frame k gets seq + k.
 */
export function encodeGazeFrames(cols: GazeColumns, seq: number, opts?: EncodeOptions): EncodedGaze {
  const { n, t, x, y, pupil, openness, valid } = cols;
  if (!Number.isInteger(n) || n < 0 || n > t.length) throw new RangeError(`n must be 0..t.length, got ${n}`);
  const perFrameMax = cobsMaxEncodedLength(MAX_FRAME_LENGTH) + 1;
  const out = new Uint8Array(Math.max(1, Math.ceil(n / MAX_GAZE_PER_FRAME)) * perFrameMax * 2);
  let w = 0;
  let frames = 0;
  let i = 0;
  while (i < n) {
    const t0 = Math.round(t[i]!);
    let o = writeHeader(MessageType.Gaze, (seq + frames) & 0xffff, opts);
    const countAt = o;
    o = writeU64(o + 2, t0, 'gaze t');
    let count = 0;
    while (i < n && count < MAX_GAZE_PER_FRAME) {
      const dt = Math.round(t[i]!) - t0;
      if (!(dt >= 0 && dt < TWO_32)) {
        if (count === 0) throw new RangeError(`gaze t[${i}] must be finite, got ${t[i]}`);
        break;
      }
      view.setUint32(o, dt, true);
      view.setFloat32(o + 4, x[i]!, true);
      view.setFloat32(o + 8, y[i]!, true);
      view.setFloat32(o + 12, pupil[i]!, true);
      view.setFloat32(o + 16, openness[i]!, true);
      body[o + 20] = valid[i] ? 1 : 0;
      o += GAZE_SAMPLE_LENGTH;
      count++;
      i++;
    }
    view.setUint16(countAt, count, true);
    if (w + perFrameMax > out.length) throw new RangeError('gaze output overflow'); // cannot happen: sized for worst case
    w += sealInto(o, out, w);
    frames++;
  }
  return { bytes: out.slice(0, w), frames };
}

export function encodeGaze(cols: GazeColumns, seq: number, opts?: EncodeOptions): Uint8Array {
  return encodeGazeFrames(cols, seq, opts).bytes;
}

export function encodeDeviceEvent(e: DeviceEventMessage, seq: number, opts?: EncodeOptions): Uint8Array {
  let o = writeHeader(MessageType.DeviceEvent, seq, opts);
  o = writeU64(o, e.tUs, 'event t');
  view.setUint16(o, e.code, true);
  view.setInt32(o + 2, e.arg, true);
  o = writeStr8(o + 6, e.text, 200);
  return seal(o);
}

export function encodeTimeSyncRequest(t1Us: number, seq: number, opts?: EncodeOptions): Uint8Array {
  const o = writeHeader(MessageType.TimeSyncRequest, seq, opts);
  return seal(writeU64(o, t1Us, 't1'));
}

export function encodeTimeSyncResponse(r: TimeSyncResponseMessage, seq: number, opts?: EncodeOptions): Uint8Array {
  let o = writeHeader(MessageType.TimeSyncResponse, seq, opts);
  o = writeU64(o, r.t1Us, 't1');
  o = writeU64(o, r.t2Us, 't2');
  o = writeU64(o, r.t3Us, 't3');
  return seal(o);
}

export function encodeHeartbeat(h: HeartbeatMessage, seq: number, opts?: EncodeOptions): Uint8Array {
  let o = writeHeader(MessageType.Heartbeat, seq, opts);
  o = writeU64(o, h.tUs, 'heartbeat t');
  body[o++] = h.battery === null ? 255 : Math.max(0, Math.min(100, Math.round(h.battery)));
  body[o++] = h.status & 0xff;
  return seal(o);
}

export function encodeError(e: ErrorMessage, seq: number, opts?: EncodeOptions): Uint8Array {
  let o = writeHeader(MessageType.Error, seq, opts);
  view.setUint16(o, e.code, true);
  view.setUint32(o + 2, e.arg >>> 0, true);
  o = writeStr8(o + 6, e.text, 200);
  return seal(o);
}

/**
 * Seals an arbitrary body (header included) into a frame. For tests and fuzzing of the decoder:
 * lets a test build frames with unknown types or short payloads that the typed encoders refuse.
 */
export function encodeRawBody(raw: Uint8Array): Uint8Array {
  if (raw.length + CRC_LENGTH > MAX_FRAME_LENGTH) throw new RangeError(`body too long: ${raw.length}`);
  body.set(raw, 0);
  return seal(raw.length);
}
