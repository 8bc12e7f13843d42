/**
 * The serial eye-tracker link: a node-serialport port (by path, or found by USB vendor/product
 * id) feeding a FrameDecoder. Reconnects with exponential backoff after unplug or open failure,
 * reports sensor_lost after a configurable silence (no valid frame), answers a device that speaks
 * an unsupported protocol version with an ERROR frame (PROTOCOL.md §6) and refuses its data.
 *
 * I/O layer: timers run on real time; timestamps handed out come from the injectable `now`
 * (monotonic ms). Cost per chunk: the decoder's O(bytes), plus one now() call.
 *
 * @example
 *   const link = new SerialGazeLink({
 *     device: 'et-1', path: '/dev/ttyACM0', errors,
 *     onMessage: (m, atMs) => { if (m.type === 'gaze') ingest(m.batch, atMs); },
 *     onSensorLost: ({ silentForMs }) => bus.emitSensorLost('et-1', silentForMs),
 *   });
 *   link.start();
 *   ...
 *   await link.close();
 */
import { SerialPort } from 'serialport';
import type { ErrorCounter } from '../../gateway/core/errors.ts';
import { LinkSupervisor, type SensorLostEvent } from '../link/link-supervisor.ts';
import { FrameDecoder } from './frame-decoder.ts';
import { encodeError, encodeTimeSyncRequest } from './frame-encoder.ts';
import { ProtocolErrorCode, SUPPORTED_PROTOCOL_VERSIONS, type DecodedMessage, type HelloMessage } from './protocol.ts';

export interface PortInfoLike {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

export interface SerialGazeLinkOptions {
  device: string;
  /** port path, e.g. /dev/ttyACM0 or a udev symlink; or give vendorId + productId */
  path?: string;
  /** USB vendor id, hex as in `lsusb` (e.g. '2341'); found via SerialPort.list(), which needs udev */
  vendorId?: string;
  productId?: string;
  baudRate?: number;
  errors: ErrorCounter;
  onMessage: (m: DecodedMessage, atMs: number) => void;
  /** once per silence episode: no valid frame for sensorLostAfterMs (missing data, never "eyes closed") */
  onSensorLost?: (e: { device: string; silentForMs: number; atMs: number }) => void;
  onStatus?: (s: SerialGazeLinkStatus) => void;
  /** default 2000 ms */
  sensorLostAfterMs?: number;
  /** reconnect delays: initialMs × 2^attempt, capped at maxMs; defaults 250 / 10000 ms */
  backoff?: { initialMs?: number; maxMs?: number };
  /** monotonic ms; default performance.now */
  now?: () => number;
  /** port enumeration, injectable for tests; default SerialPort.list */
  listPorts?: () => Promise<PortInfoLike[]>;
  maxFrameLength?: number;
}

export type SerialGazeLinkState = 'idle' | 'connecting' | 'connected' | 'sensor_lost' | 'error' | 'disconnected';

export interface SerialGazeLinkStatus {
  device: string;
  state: SerialGazeLinkState;
  portOpen: boolean;
  path: string | null;
  /** successful opens after the first */
  reconnects: number;
  /** failed open attempts in a row */
  attempt: number;
  /** delay of the last scheduled reconnect, ms (initialMs × 2^k, capped); null before any */
  retryDelayMs: number | null;
  lastFrameAt: number | null;
  frames: number;
  bytes: number;
  seqGaps: number;
  /** header version of the last refused frame, null when none since the last accepted frame */
  refusedVersion: number | null;
  hello: HelloMessage | null;
  battery: number | null;
  lastError: string | null;
}

const normHex = (s: string) => s.toLowerCase().replace(/^0x/, '').padStart(4, '0');

export class SerialGazeLink {
  private readonly opts: SerialGazeLinkOptions;
  private readonly now: () => number;
  private readonly decoder: FrameDecoder;
  private readonly sup: LinkSupervisor;
  private port: SerialPort | null = null;
  private state: SerialGazeLinkState = 'idle';
  private path: string | null = null;
  private opens = 0;
  private stopped = true;
  private lastFrameAt: number | null = null;
  private refusedVersion: number | null = null;
  private lastRefusalReplyAt = -Infinity;
  private hello: HelloMessage | null = null;
  private battery: number | null = null;
  private lastError: string | null = null;
  private txSeq = 0;

  constructor(opts: SerialGazeLinkOptions) {
    if (!opts || typeof opts.device !== 'string' || opts.device === '') throw new TypeError('SerialGazeLink: device is required');
    if (!opts.path && !(opts.vendorId && opts.productId)) throw new TypeError('SerialGazeLink: give path, or vendorId and productId');
    if (!opts.errors) throw new TypeError('SerialGazeLink: errors (ErrorCounter) is required');
    if (typeof opts.onMessage !== 'function') throw new TypeError('SerialGazeLink: onMessage must be a function');
    const silenceMs = opts.sensorLostAfterMs ?? 2000;
    const initialMs = opts.backoff?.initialMs ?? 250;
    const maxMs = opts.backoff?.maxMs ?? 10_000;
    if (!(silenceMs > 0)) throw new RangeError(`sensorLostAfterMs must be > 0, got ${silenceMs}`);
    if (!(initialMs > 0) || !(maxMs >= initialMs)) throw new RangeError('backoff: need 0 < initialMs <= maxMs');
    this.opts = opts;
    this.now = opts.now ?? (() => performance.now());
    this.sup = new LinkSupervisor({
      device: opts.device,
      errors: opts.errors,
      backoff: { initialMs, maxMs },
      reconnect: () => this.connect(),
      silence: { afterMs: silenceMs, now: this.now, onLost: (e) => this.onLost(e) },
    });
    this.decoder = new FrameDecoder({
      device: opts.device,
      errors: opts.errors,
      ...(opts.maxFrameLength !== undefined ? { maxFrameLength: opts.maxFrameLength } : {}),
      onMessage: (m) => this.handle(m),
      onProtocolMismatch: (v) => this.refuse(v),
    });
  }

  /** Starts connecting; idempotent. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.sup.start();
    this.connect();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.sup.stop();
    const port = this.port;
    this.port = null;
    this.setState('disconnected');
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  status(): SerialGazeLinkStatus {
    const s = this.decoder.stats();
    return {
      device: this.opts.device,
      state: this.state,
      portOpen: this.port?.isOpen ?? false,
      path: this.path,
      reconnects: Math.max(0, this.opens - 1),
      attempt: this.sup.attempt,
      retryDelayMs: this.sup.retryDelayMs,
      lastFrameAt: this.lastFrameAt,
      frames: s.frames,
      bytes: s.bytes,
      seqGaps: s.seqGaps,
      refusedVersion: this.refusedVersion,
      hello: this.hello,
      battery: this.battery,
      lastError: this.lastError,
    };
  }

  /** Writes raw frame bytes to the device; false when the port is not open. */
  send(bytes: Uint8Array): boolean {
    const port = this.port;
    if (!port?.isOpen) return false;
    port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return true;
  }

  /** Sends TIME_SYNC_REQUEST stamped t1 (gateway µs); the response arrives through onMessage. */
  requestTimeSync(t1Us: number): boolean {
    return this.send(encodeTimeSyncRequest(t1Us, this.nextTxSeq()));
  }

  private nextTxSeq(): number {
    const s = this.txSeq;
    this.txSeq = (this.txSeq + 1) & 0xffff;
    return s;
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState(this.sup.lost ? 'sensor_lost' : 'connecting');
    this.resolvePath().then(
      (path) => {
        if (this.stopped) return;
        if (path === null) return this.failed(`no serial port with USB id ${this.opts.vendorId}:${this.opts.productId}`);
        this.path = path;
        const port = new SerialPort({ path, baudRate: this.opts.baudRate ?? 115200, autoOpen: false });
        port.open((err) => {
          if (this.stopped) {
            if (!err) port.close();
            return;
          }
          if (err) return this.failed(err.message);
          this.port = port;
          this.sup.outageOver();
          this.sup.resetBackoff();
          this.opens++;
          this.lastError = null;
          this.decoder.flush();
          port.on('data', (chunk: Buffer) => this.decoder.push(chunk));
          port.on('error', (e: Error) => {
            this.lastError = e.message;
          });
          port.on('close', () => this.onPortClosed(port));
          this.setState(this.refusedVersion !== null ? 'error' : this.sup.lost ? 'sensor_lost' : 'connected');
        });
      },
      (e: unknown) => this.failed(e instanceof Error ? e.message : String(e)),
    );
  }

  private async resolvePath(): Promise<string | null> {
    if (this.opts.path) return this.opts.path;
    const list = await (this.opts.listPorts ?? (() => SerialPort.list()))();
    const vid = normHex(this.opts.vendorId!);
    const pid = normHex(this.opts.productId!);
    const hit = list.find((p) => p.vendorId && p.productId && normHex(p.vendorId) === vid && normHex(p.productId) === pid);
    return hit?.path ?? null;
  }

  private onPortClosed(port: SerialPort): void {
    if (this.port !== port) return; // closed by close(), or a stale port
    this.port = null;
    this.decoder.flush(); // unplugged mid-frame: the partial frame is counted now, not when (if ever) the device is back
    this.sup.outage();
    this.lastError = this.lastError ?? 'port closed';
    this.scheduleRetry();
  }

  private failed(message: string): void {
    this.sup.outage(); // once per outage, not per retry
    this.lastError = message;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.sup.retry();
    this.setState(this.sup.lost ? 'sensor_lost' : 'connecting');
  }

  private handle(m: DecodedMessage): void {
    const at = this.now();
    this.lastFrameAt = at;
    const recovered = this.sup.heard(at);
    this.refusedVersion = null;
    if (m.type === 'hello') {
      const { type: _t, version: _v, seq: _s, ...hello } = m;
      this.hello = hello;
    } else if (m.type === 'heartbeat') {
      this.battery = m.battery;
    }
    if (recovered || this.state !== 'connected') this.setState('connected');
    this.opts.onMessage(m, at);
  }

  private refuse(version: number): void {
    const at = this.now();
    const first = this.refusedVersion === null;
    this.refusedVersion = version;
    this.lastError = `device speaks protocol version ${version}; this gateway supports ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`;
    if (at - this.lastRefusalReplyAt >= 1000) {
      this.lastRefusalReplyAt = at;
      this.send(
        encodeError(
          { code: ProtocolErrorCode.ProtocolVersion, arg: Math.max(...SUPPORTED_PROTOCOL_VERSIONS), text: this.lastError },
          this.nextTxSeq(),
        ),
      );
    }
    if (first || this.state !== 'error') this.setState('error');
  }

  /** The supervisor counted AFG_E_SENSOR_LOST for this silence episode. */
  private onLost(e: SensorLostEvent): void {
    if (this.stopped) return;
    // a refused (wrong-version) device is alive but its data is missing: report both, keep 'error'
    this.setState(this.refusedVersion !== null ? 'error' : 'sensor_lost');
    this.opts.onSensorLost?.(e);
  }

  private setState(s: SerialGazeLinkState): void {
    if (this.state === s) return;
    this.state = s;
    this.opts.onStatus?.(this.status());
  }
}
