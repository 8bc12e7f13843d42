/**
 * An eye tracker's firmware, in-process: produces the exact bytes a device speaking the AFG serial
 * protocol (firmware-bridge/PROTOCOL.md) would send. It owns its sequence counter and its clock:
 * device µs = bootOffsetUs + simUs × (1 + driftPpm·1e-6), so clock sync can be tested against a
 * known truth. The simulated fleet feeds its bytes straight into a FrameDecoder; tests pipe them
 * into a PTY with pipeTo().
 *
 * Cost: one encoder call per method, O(bytes produced). Time is always passed in (sim µs).
 *
 * @example
 *   const dev = new SerialEyeTrackerEmulator({ deviceId: 'et-7', driftPpm: 100 });
 *   decoder.push(dev.hello());
 *   decoder.push(dev.gaze({ n, t: simUs, x, y, pupil, openness, valid }));
 *   // or as a live device on a serial port / PTY (HELLO at once, TIME_SYNC answered as requests come):
 *   const port = await openEmulatorPort('/tmp/afg-pty/dev');
 *   const att = dev.attach(port, () => (performance.now() - t0) * 1000);
 *   await att.write(dev.gaze(cols));
 */
import type { Duplex, Writable } from 'node:stream';
import type { SerialPort } from 'serialport';
import type { GazeUnits } from '../../gateway/core/types.ts';
import {
  encodeDeviceEvent,
  encodeGazeFrames,
  encodeHeartbeat,
  encodeHello,
  encodeTimeSyncResponse,
  type EncodeOptions,
} from '../serial/frame-encoder.ts';
import { FrameDecoder } from '../serial/frame-decoder.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { PROTOCOL_VERSION, type DecodedMessage, type DeviceGeometry, type GazeColumns, type HelloMessage } from '../serial/protocol.ts';

export interface SerialEyeTrackerEmulatorOptions {
  deviceId: string;
  firmwareVersion?: string;
  sampleRateHz?: number;
  units?: GazeUnits;
  geometry?: DeviceGeometry;
  /** device clock at sim time 0, µs (a device that booted long before); default 5 s */
  bootOffsetUs?: number;
  /** device clock rate error, parts per million (positive: device runs fast) */
  driftPpm?: number;
  /** header version to speak; default PROTOCOL_VERSION. Set another to play a mismatched device. */
  protocolVersion?: number;
  /** device processing time between receiving a TIME_SYNC request and answering, µs; default 50 */
  turnaroundUs?: number;
}

export class SerialEyeTrackerEmulator {
  private readonly hello_: HelloMessage;
  private readonly bootOffsetUs: number;
  private readonly rate: number;
  private readonly turnaroundUs: number;
  private readonly encodeOpts: EncodeOptions;
  private seq = 0;
  private scratchT = new Float64Array(64);
  private readonly requestErrors = new ErrorCounter();
  private lastRequest: Extract<DecodedMessage, { type: 'time_sync_request' }> | null = null;
  private readonly requestDecoder: FrameDecoder;

  constructor(opts: SerialEyeTrackerEmulatorOptions) {
    if (!opts || typeof opts.deviceId !== 'string' || opts.deviceId.length === 0 || opts.deviceId.length > 64) {
      throw new TypeError('SerialEyeTrackerEmulator: deviceId must be a string of 1..64 characters');
    }
    const drift = opts.driftPpm ?? 0;
    if (!Number.isFinite(drift) || Math.abs(drift) > 10_000) throw new RangeError(`driftPpm must be within ±10000, got ${drift}`);
    const boot = opts.bootOffsetUs ?? 5_000_000;
    if (!Number.isFinite(boot) || boot < 0) throw new RangeError(`bootOffsetUs must be >= 0, got ${boot}`);
    const version = opts.protocolVersion ?? PROTOCOL_VERSION;
    const rateHz = opts.sampleRateHz ?? 120;
    if (!(rateHz > 0)) throw new RangeError(`sampleRateHz must be > 0, got ${rateHz}`);
    this.bootOffsetUs = boot;
    this.rate = 1 + drift * 1e-6;
    this.turnaroundUs = opts.turnaroundUs ?? 50;
    this.encodeOpts = { version };
    this.hello_ = {
      deviceId: opts.deviceId,
      firmwareVersion: opts.firmwareVersion ?? 'emu-1.0.0',
      protocolMin: version,
      protocolMax: version,
      sampleRateHz: rateHz,
      units: opts.units ?? 'deg',
      geometry: opts.geometry ?? { kind: 'none', g0: 0, g1: 0, g2: 0, resX: 0, resY: 0 },
    };
    this.requestDecoder = new FrameDecoder({
      device: opts.deviceId,
      errors: this.requestErrors,
      onMessage: (m) => {
        if (m.type === 'time_sync_request') this.lastRequest = m;
      },
    });
  }

  /** The device clock reading at a sim time, µs. */
  deviceTimeUs(simUs: number): number {
    return Math.round(this.bootOffsetUs + simUs * this.rate);
  }

  hello(): Uint8Array {
    return encodeHello(this.hello_, this.nextSeq(), this.encodeOpts);
  }

  /** cols.t in sim µs; the emulator stamps them with its device clock. Split into ≤48-sample frames. */
  gaze(cols: GazeColumns): Uint8Array {
    const t = this.scratch(cols.n);
    for (let i = 0; i < cols.n; i++) t[i] = this.deviceTimeUs(cols.t[i]!);
    const out = encodeGazeFrames({ ...cols, t }, this.seq, this.encodeOpts);
    this.seq = (this.seq + out.frames) & 0xffff;
    return out.bytes;
  }

  heartbeat(battery: number | null, simUs = 0, status = 0x03): Uint8Array {
    return encodeHeartbeat({ tUs: this.deviceTimeUs(simUs), battery, status }, this.nextSeq(), this.encodeOpts);
  }

  deviceEvent(code: number, simUs: number, arg = 0, text = ''): Uint8Array {
    return encodeDeviceEvent({ tUs: this.deviceTimeUs(simUs), code, arg, text }, this.nextSeq(), this.encodeOpts);
  }

  /**
   * Answers a TIME_SYNC_REQUEST (its wire bytes, or the decoded message) received at sim time
   * nowSimUs: t2 = device clock then, t3 = t2 + turnaround. Returns empty bytes when the input
   * holds no valid request. The response echoes the request's seq (PROTOCOL.md §5.5).
   */
  answerTimeSync(request: Uint8Array | DecodedMessage, nowSimUs: number): Uint8Array {
    let req: Extract<DecodedMessage, { type: 'time_sync_request' }> | null = null;
    if (request instanceof Uint8Array) {
      this.lastRequest = null;
      this.requestDecoder.push(request);
      req = this.lastRequest;
    } else if (request.type === 'time_sync_request') {
      req = request;
    }
    if (req === null) return new Uint8Array(0);
    const t2Us = this.deviceTimeUs(nowSimUs);
    return encodeTimeSyncResponse({ t1Us: req.t1Us, t2Us, t3Us: t2Us + this.turnaroundUs }, req.seq, this.encodeOpts);
  }

  /**
   * Plays the device on a duplex stream (a SerialPort opened on a path, a PTY): writes HELLO now,
   * and answers every TIME_SYNC_REQUEST that arrives, stamping t2 with nowSimUs() at arrival.
   * Bytes from the gateway that are not requests (e.g. ERROR) go to onGatewayMessage.
   * detach() stops listening; it does not close the stream.
   */
  attach(stream: Duplex, nowSimUs: () => number, onGatewayMessage?: (m: DecodedMessage) => void): EmulatorAttachment {
    const decoder = new FrameDecoder({
      device: this.hello_.deviceId,
      errors: this.requestErrors,
      onMessage: (m) => {
        if (m.type === 'time_sync_request') {
          const answer = this.answerTimeSync(m, nowSimUs());
          stream.write(Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength));
        } else onGatewayMessage?.(m);
      },
    });
    const onData = (chunk: Buffer) => decoder.push(chunk);
    stream.on('data', onData);
    const hello = this.hello();
    stream.write(Buffer.from(hello.buffer, hello.byteOffset, hello.byteLength));
    return {
      write: (bytes, opts) => pipeTo(stream, bytes, opts),
      detach: () => {
        stream.off('data', onData);
      },
    };
  }

  /** Bad frames the emulator received from the gateway (it never throws on them either). */
  receiveErrors(): ErrorCounter {
    return this.requestErrors;
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xffff;
    return s;
  }

  private scratch(n: number): Float64Array {
    if (this.scratchT.length < n) this.scratchT = new Float64Array(n);
    return this.scratchT;
  }
}

export interface EmulatorAttachment {
  /** writes emulator bytes to the attached stream (see pipeTo) */
  write(bytes: Uint8Array, opts?: { chunkSize?: number; pauseMs?: number }): Promise<void>;
  detach(): void;
}

/**
 * Opens the device end of a serial link by path (a PTY from socat, a USB-serial adapter looped
 * to the gateway), for attach(). Rejects when the path cannot be opened.
 *
 * @example
 *   const port = await openEmulatorPort('/tmp/afg-pty/dev');
 */
export async function openEmulatorPort(path: string, baudRate = 115200): Promise<SerialPort> {
  if (typeof path !== 'string' || path === '') throw new TypeError('openEmulatorPort: path is required');
  // serialport (a native addon) loads here: the gateway's simulated trackers only use the encoder
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  return port;
}

/**
 * Writes bytes to a stream (a serialport, a PTY file stream), optionally `chunkSize` bytes at a
 * time with a pause between writes, so tests can play a device that trickles byte by byte.
 *
 * @example
 *   await pipeTo(fs.createWriteStream(ptyPath), dev.hello(), { chunkSize: 1 });
 */
export async function pipeTo(stream: Writable, bytes: Uint8Array, opts: { chunkSize?: number; pauseMs?: number } = {}): Promise<void> {
  const size = opts.chunkSize ?? bytes.length;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunkSize must be a positive integer, got ${size}`);
  for (let i = 0; i < bytes.length; i += size) {
    const part = bytes.subarray(i, Math.min(bytes.length, i + size));
    await new Promise<void>((resolve, reject) => stream.write(Buffer.from(part), (err) => (err ? reject(err) : resolve())));
    if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
  }
}
