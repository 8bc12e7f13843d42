/**
 * The Gazepoint link: a TCP client (node:net) to Gazepoint Control's Open Gaze API server
 * (default port 4242, "Open Gaze API by Gazepoint" v2.0 §2), feeding an OpenGazeParser.
 * On each connect it sends the ENABLE_SEND_* switches for the fields it decodes, then
 * ENABLE_SEND_DATA, each as `<SET ID="..." STATE="1" />` + CRLF. Reconnects with exponential
 * backoff when the server goes away or refuses; reports sensor_lost after a configurable silence
 * (no gaze sample), which is missing data, never "eyes closed".
 *
 * I/O layer: timers run on real time; timestamps handed out come from the injectable `now`
 * (monotonic ms). Cost per chunk: the parser's O(bytes), plus one now() call.
 *
 * @example
 *   const link = new GazepointLink({
 *     device: 'gp3-1', host: '192.168.1.20', errors,
 *     onBatch: (batch, atMs) => ingest(batch, atMs),
 *     onSensorLost: ({ silentForMs }) => bus.emitSensorLost('gp3-1', silentForMs),
 *   });
 *   link.start();
 *   ...
 *   await link.close();
 */
import { Socket } from 'node:net';
import type { ErrorCounter } from '../../gateway/core/errors.ts';
import type { GazeBatch } from '../../gateway/core/types.ts';
import { LinkSupervisor, type SensorLostEvent } from '../link/link-supervisor.ts';
import { OpenGazeParser, type OpenGazeParserStats, type OpenGazeReply } from './open-gaze-parser.ts';

export const GAZEPOINT_DEFAULT_PORT = 4242;

/**
 * Switches sent before ENABLE_SEND_DATA by default: counter (gap detection), TIME (sample
 * time), fixation POG (x, y, valid), pupil per eye (pixels, LPV/RPV) and pupil in mm (LPMM/RPMM,
 * what fills `pupil`). Open Gaze API v2.0 §3.
 */
export const GAZEPOINT_DEFAULT_ENABLE = [
  'ENABLE_SEND_COUNTER',
  'ENABLE_SEND_TIME',
  'ENABLE_SEND_POG_FIX',
  'ENABLE_SEND_PUPIL_LEFT',
  'ENABLE_SEND_PUPIL_RIGHT',
  'ENABLE_SEND_PUPILMM',
] as const;

export interface GazepointLinkOptions {
  device: string;
  /** default 127.0.0.1 (Gazepoint Control on the same box) */
  host?: string;
  /** default 4242 */
  port?: number;
  errors: ErrorCounter;
  /** a batch of samples (device clock, µs; norm units) and the gateway time it arrived, ms */
  onBatch: (batch: GazeBatch, atMs: number) => void;
  onReply?: (reply: OpenGazeReply, atMs: number) => void;
  /** once per silence episode: no gaze sample for sensorLostAfterMs */
  onSensorLost?: (e: { device: string; silentForMs: number; atMs: number }) => void;
  onStatus?: (s: GazepointLinkStatus) => void;
  /** default 2000 ms */
  sensorLostAfterMs?: number;
  /** reconnect delays: initialMs × 2^attempt, capped at maxMs; defaults 250 / 10000 ms */
  backoff?: { initialMs?: number; maxMs?: number };
  /** a connect attempt that has not completed by then is abandoned; default 3000 ms */
  connectTimeoutMs?: number;
  /** ENABLE_SEND_* IDs sent before ENABLE_SEND_DATA; default GAZEPOINT_DEFAULT_ENABLE */
  enable?: readonly string[];
  /** x/y from FPOG* ('fix', default) or BPOG* ('best'; add ENABLE_SEND_POG_BEST to enable) */
  pog?: 'fix' | 'best';
  /** monotonic ms; default performance.now */
  now?: () => number;
}

export type GazepointLinkState = 'idle' | 'connecting' | 'connected' | 'sensor_lost' | 'disconnected';

export interface GazepointLinkStatus {
  device: string;
  state: GazepointLinkState;
  host: string;
  port: number;
  socketOpen: boolean;
  /** successful connects after the first */
  reconnects: number;
  /** failed attempts in a row */
  attempt: number;
  /** delay of the last scheduled reconnect, ms; null before any */
  retryDelayMs: number | null;
  lastSampleAt: number | null;
  /** ENABLE_SEND_DATA acknowledged with STATE="1" on the current connection */
  streaming: boolean;
  /** IDs the server answered with NACK on the current connection */
  refused: string[];
  parser: OpenGazeParserStats;
  lastError: string | null;
}

const ID_RE = /^[A-Z_]+$/;

export class GazepointLink {
  private readonly opts: GazepointLinkOptions;
  private readonly host: string;
  private readonly port: number;
  private readonly now: () => number;
  private readonly connectTimeoutMs: number;
  private readonly enable: readonly string[];
  private readonly parser: OpenGazeParser;
  private readonly sup: LinkSupervisor;
  private socket: Socket | null = null;
  private connected = false;
  private state: GazepointLinkState = 'idle';
  private stopped = true;
  private connects = 0;
  private lastSampleAt: number | null = null;
  private streaming = false;
  private refused: string[] = [];
  private lastError: string | null = null;
  /** arrival time of the chunk being parsed, handed to onBatch */
  private chunkAt = 0;

  constructor(opts: GazepointLinkOptions) {
    if (!opts || typeof opts.device !== 'string' || opts.device === '') throw new TypeError('GazepointLink: device is required');
    if (!opts.errors) throw new TypeError('GazepointLink: errors (ErrorCounter) is required');
    if (typeof opts.onBatch !== 'function') throw new TypeError('GazepointLink: onBatch must be a function');
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? GAZEPOINT_DEFAULT_PORT;
    if (!Number.isInteger(this.port) || this.port < 1 || this.port > 65535) throw new RangeError(`GazepointLink: port must be 1..65535, got ${this.port}`);
    const silenceMs = opts.sensorLostAfterMs ?? 2000;
    const initialMs = opts.backoff?.initialMs ?? 250;
    const maxMs = opts.backoff?.maxMs ?? 10_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 3000;
    if (!(silenceMs > 0)) throw new RangeError(`sensorLostAfterMs must be > 0, got ${silenceMs}`);
    if (!(initialMs > 0) || !(maxMs >= initialMs)) throw new RangeError('backoff: need 0 < initialMs <= maxMs');
    if (!(this.connectTimeoutMs > 0)) throw new RangeError('connectTimeoutMs must be > 0');
    this.enable = opts.enable ?? GAZEPOINT_DEFAULT_ENABLE;
    for (const id of this.enable) if (!ID_RE.test(id)) throw new RangeError(`GazepointLink: bad ENABLE_SEND id ${JSON.stringify(id)}`);
    this.opts = opts;
    this.now = opts.now ?? (() => performance.now());
    this.sup = new LinkSupervisor({
      device: opts.device,
      errors: opts.errors,
      backoff: { initialMs, maxMs },
      reconnect: () => this.connect(),
      silence: { afterMs: silenceMs, now: this.now, onLost: (e) => this.onLost(e) },
    });
    this.parser = new OpenGazeParser({
      device: opts.device,
      errors: opts.errors,
      ...(opts.pog !== undefined ? { pog: opts.pog } : {}),
      onBatch: (b) => this.batch(b),
      onReply: (r) => this.reply(r),
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
    const socket = this.socket;
    this.socket = null;
    this.connected = false;
    this.setState('disconnected');
    if (socket && !socket.destroyed) {
      const gone = new Promise<void>((r) => socket.once('close', () => r()));
      socket.destroy();
      await gone;
    }
  }

  status(): GazepointLinkStatus {
    return {
      device: this.opts.device,
      state: this.state,
      host: this.host,
      port: this.port,
      socketOpen: this.connected,
      reconnects: Math.max(0, this.connects - 1),
      attempt: this.sup.attempt,
      retryDelayMs: this.sup.retryDelayMs,
      lastSampleAt: this.lastSampleAt,
      streaming: this.streaming,
      refused: [...this.refused],
      parser: this.parser.stats(),
      lastError: this.lastError,
    };
  }

  /** Sends one raw command line (CRLF added), e.g. `<GET ID="SCREEN_SIZE" />`; false when not connected. */
  send(line: string): boolean {
    if (!this.connected || !this.socket) return false;
    this.socket.write(line.endsWith('\r\n') ? line : `${line}\r\n`);
    return true;
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState(this.sup.lost ? 'sensor_lost' : 'connecting');
    const socket = new Socket();
    this.socket = socket;
    let opened = false;
    socket.setTimeout(this.connectTimeoutMs);
    socket.on('timeout', () => {
      if (!opened) socket.destroy(new Error(`connect to ${this.host}:${this.port} timed out`));
    });
    socket.on('error', (e: Error) => {
      this.lastError = e.message;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return; // closed by close(), or a stale socket
      this.socket = null;
      this.connected = false;
      this.streaming = false;
      this.parser.end();
      if (opened) this.lastError = this.lastError ?? 'server closed the connection';
      this.sup.outage(); // once per outage, not per retry
      this.scheduleRetry();
    });
    socket.on('data', (chunk: Buffer) => {
      this.chunkAt = this.now();
      this.parser.push(chunk);
    });
    socket.connect({ host: this.host, port: this.port }, () => {
      if (this.socket !== socket) return;
      opened = true;
      socket.setTimeout(0);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 5000);
      this.connected = true;
      this.sup.outageOver();
      this.sup.resetBackoff();
      this.connects++;
      this.lastError = null;
      this.refused = [];
      this.parser.reset();
      let out = '';
      for (const id of this.enable) out += `<SET ID="${id}" STATE="1" />\r\n`;
      out += '<SET ID="ENABLE_SEND_DATA" STATE="1" />\r\n';
      socket.write(out);
      this.setState(this.sup.lost ? 'sensor_lost' : 'connected');
    });
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.sup.retry();
    this.setState(this.sup.lost ? 'sensor_lost' : 'connecting');
  }

  private batch(b: GazeBatch): void {
    const at = this.chunkAt;
    this.lastSampleAt = at;
    if (this.sup.heard(at) || this.state !== 'connected') this.setState('connected');
    this.opts.onBatch(b, at);
  }

  private reply(r: OpenGazeReply): void {
    if (r.tag === 'ACK' && r.id === 'ENABLE_SEND_DATA') this.streaming = r.attrs.STATE === '1';
    if (r.tag === 'NACK' && r.id !== '' && !this.refused.includes(r.id)) {
      this.refused.push(r.id);
      // once per ID and connection: the data that SET would enable will be missing, say so
      this.opts.errors.count('AFG_E_GAZEPOINT_REFUSED');
      this.lastError = `AFG_E_GAZEPOINT_REFUSED: server refused ${r.id}`;
    }
    this.opts.onReply?.(r, this.chunkAt);
  }

  /** The supervisor counted AFG_E_SENSOR_LOST for this silence episode. */
  private onLost(e: SensorLostEvent): void {
    if (this.stopped) return;
    this.setState('sensor_lost');
    this.opts.onSensorLost?.(e);
  }

  private setState(s: GazepointLinkState): void {
    if (this.state === s) return;
    this.state = s;
    this.opts.onStatus?.(this.status());
  }
}
