/**
 * The Pupil Labs Core link (Pupil Capture / Pupil Service network API, docs.pupil-labs.com/core/developer/network-api/):
 * 1. a ZeroMQ REQ socket to Pupil Remote (host:50020) asks `SUB_PORT`, then `t` (Pupil time, s),
 *    stamping the `t` round trip with the gateway clock (t1 before, t4 after) for clock sync;
 * 2. a SUB socket connects to host:SUB_PORT and subscribes to `gaze.` (and optionally `pupil.`);
 * 3. messages go through a PupilDatumDecoder and leave as GazeBatches (device clock, µs), flushed
 *    every `flushIntervalMs` or at `maxBatch` samples, with the gateway arrival time of the last one.
 *
 * When Pupil Remote does not answer within `requestTimeoutMs`, the session is torn down and
 * retried with exponential backoff. After `sensorLostAfterMs` without a message the link reports
 * sensor_lost once (missing data, never "eyes closed") and re-asks Pupil Remote, since a
 * restarted Capture may publish on a new SUB port. AFG_E_DEVICE_IO is counted once per outage,
 * AFG_E_SENSOR_LOST once per silence episode.
 *
 * I/O layer: timers run on real time; timestamps handed out come from the injectable `now`
 * (monotonic ms). Cost per message: one decode (see PupilDatumDecoder) and one now() call.
 *
 * @example
 *   const link = new PupilCoreLink({
 *     device: 'pupil-1', host: '127.0.0.1', errors,
 *     onBatch: (b, atMs) => ingest(b, atMs),
 *     onTimeExchange: (x) => sync.observeExchange(x.t1Ms, x.pupilUs, x.pupilUs, x.t4Ms),
 *     onSensorLost: ({ silentForMs }) => bus.emitSensorLost('pupil-1', silentForMs),
 *   });
 *   link.start();
 *   ...
 *   await link.close();
 */
import * as zmq from 'zeromq';
import type { ErrorCounter } from '../../gateway/core/errors.ts';
import type { GazeBatch } from '../../gateway/core/types.ts';
import { LinkSupervisor, type SensorLostEvent } from '../link/link-supervisor.ts';
import { PupilDatumDecoder, type PupilDatumDecoderStats } from './pupil-datum-decoder.ts';

/** Pupil Remote's default port (Pupil Capture → Network API plugin). */
export const PUPIL_REMOTE_DEFAULT_PORT = 50020;

/** One `t` round trip: gateway ms before sending (t1) and after the reply (t4), Pupil time in µs. */
export interface PupilTimeExchange {
  t1Ms: number;
  pupilUs: number;
  t4Ms: number;
}

export interface PupilCoreLinkOptions {
  device: string;
  /** Pupil Capture/Service host; default 127.0.0.1 */
  host?: string;
  /** Pupil Remote port; default 50020 */
  remotePort?: number;
  errors: ErrorCounter;
  onBatch: (batch: GazeBatch, atMs: number) => void;
  onTimeExchange?: (x: PupilTimeExchange) => void;
  /** once per silence episode (no message for sensorLostAfterMs) */
  onSensorLost?: (e: { device: string; silentForMs: number; atMs: number }) => void;
  onStatus?: (s: PupilCoreLinkStatus) => void;
  /** also subscribe to `pupil.` datums (their diameter_3d feeds the pupil column); default true */
  subscribePupil?: boolean;
  /** see PupilDatumDecoder; default 0.6 */
  minConfidence?: number;
  /** REQ reply timeout, ms; default 2000 */
  requestTimeoutMs?: number;
  /** default 2000 ms */
  sensorLostAfterMs?: number;
  /** reconnect delays: initialMs × 2^attempt, capped at maxMs; defaults 250 / 10000 ms */
  backoff?: { initialMs?: number; maxMs?: number };
  /** default 20 ms */
  flushIntervalMs?: number;
  /** default 256 samples */
  maxBatch?: number;
  /** monotonic ms; default performance.now */
  now?: () => number;
}

export type PupilCoreLinkState = 'idle' | 'connecting' | 'connected' | 'sensor_lost' | 'disconnected';

export interface PupilCoreLinkStatus {
  device: string;
  state: PupilCoreLinkState;
  subPort: number | null;
  /** sessions (REQ handshake + SUB) opened after the first */
  reconnects: number;
  /** failed handshakes in a row */
  attempt: number;
  retryDelayMs: number | null;
  lastMessageAt: number | null;
  /** from the last `t` round trip: gateway ms − Pupil ms at the midpoint; null before any */
  clockOffsetMs: number | null;
  rttMs: number | null;
  decoder: PupilDatumDecoderStats;
  lastError: string | null;
}

export class PupilCoreLink {
  private readonly opts: PupilCoreLinkOptions;
  private readonly host: string;
  private readonly remotePort: number;
  private readonly now: () => number;
  private readonly silenceMs: number;
  private readonly reqTimeoutMs: number;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly decoder: PupilDatumDecoder;
  private readonly sup: LinkSupervisor;
  private state: PupilCoreLinkState = 'idle';
  private stopped = true;
  private session = 0;
  private req: zmq.Request | null = null;
  private sub: zmq.Subscriber | null = null;
  private subPort: number | null = null;
  private opens = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastMessageAt: number | null = null;
  private lastArrival = 0;
  private clockOffsetMs: number | null = null;
  private rttMs: number | null = null;
  private lastError: string | null = null;

  constructor(opts: PupilCoreLinkOptions) {
    if (!opts || typeof opts.device !== 'string' || opts.device === '') throw new TypeError('PupilCoreLink: device is required');
    if (!opts.errors) throw new TypeError('PupilCoreLink: errors (ErrorCounter) is required');
    if (typeof opts.onBatch !== 'function') throw new TypeError('PupilCoreLink: onBatch must be a function');
    const port = opts.remotePort ?? PUPIL_REMOTE_DEFAULT_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`remotePort must be 1..65535, got ${port}`);
    this.silenceMs = opts.sensorLostAfterMs ?? 2000;
    this.reqTimeoutMs = opts.requestTimeoutMs ?? 2000;
    const initialMs = opts.backoff?.initialMs ?? 250;
    const maxMs = opts.backoff?.maxMs ?? 10_000;
    this.flushMs = opts.flushIntervalMs ?? 20;
    this.maxBatch = opts.maxBatch ?? 256;
    if (!(this.silenceMs > 0)) throw new RangeError(`sensorLostAfterMs must be > 0, got ${this.silenceMs}`);
    if (!(this.reqTimeoutMs > 0)) throw new RangeError(`requestTimeoutMs must be > 0, got ${this.reqTimeoutMs}`);
    if (!(initialMs > 0) || !(maxMs >= initialMs)) throw new RangeError('backoff: need 0 < initialMs <= maxMs');
    if (!(this.flushMs > 0)) throw new RangeError(`flushIntervalMs must be > 0, got ${this.flushMs}`);
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new RangeError(`maxBatch must be an integer >= 1, got ${this.maxBatch}`);
    this.opts = opts;
    this.host = opts.host ?? '127.0.0.1';
    this.remotePort = port;
    this.now = opts.now ?? (() => performance.now());
    this.sup = new LinkSupervisor({
      device: opts.device,
      errors: opts.errors,
      backoff: { initialMs, maxMs },
      reconnect: () => void this.connect(),
      silence: { afterMs: this.silenceMs, now: this.now, onLost: (e) => this.onLost(e), whileSilent: (_s, at) => this.whileSilent(at) },
    });
    this.decoder = new PupilDatumDecoder({
      device: opts.device,
      errors: opts.errors,
      ...(opts.minConfidence !== undefined ? { minConfidence: opts.minConfidence } : {}),
    });
  }

  /** Starts connecting; idempotent. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.sup.start();
    this.flushTimer = setInterval(() => this.flush(), this.flushMs);
    void this.connect();
  }

  /** Closes both sockets and stops all timers; pending samples are flushed first. */
  async close(): Promise<void> {
    if (this.stopped && this.state !== 'idle') return;
    this.stopped = true;
    this.sup.stop();
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    this.flush();
    this.teardown();
    this.setState('disconnected');
  }

  status(): PupilCoreLinkStatus {
    return {
      device: this.opts.device,
      state: this.state,
      subPort: this.subPort,
      reconnects: Math.max(0, this.opens - 1),
      attempt: this.sup.attempt,
      retryDelayMs: this.sup.retryDelayMs,
      lastMessageAt: this.lastMessageAt,
      clockOffsetMs: this.clockOffsetMs,
      rttMs: this.rttMs,
      decoder: this.decoder.stats(),
      lastError: this.lastError,
    };
  }

  /**
   * One more `t` round trip over the open REQ socket (for clock sync between batches); null when
   * no session is up or Pupil Remote did not answer in time (that also restarts the session).
   */
  async requestTime(): Promise<PupilTimeExchange | null> {
    const req = this.req;
    if (!req || this.busy) return null;
    const session = this.session;
    try {
      return await this.exchangeTime(req);
    } catch (e) {
      if (session === this.session) this.failed(e);
      return null;
    }
  }

  private busy = false;

  private async ask(req: zmq.Request, what: string): Promise<string> {
    this.busy = true;
    try {
      await req.send(what);
      const [reply] = await req.receive();
      return reply?.toString('utf8') ?? '';
    } finally {
      this.busy = false;
    }
  }

  private async exchangeTime(req: zmq.Request): Promise<PupilTimeExchange> {
    const t1Ms = this.now();
    const reply = await this.ask(req, 't');
    const t4Ms = this.now();
    const s = Number(reply);
    if (reply.trim() === '' || !Number.isFinite(s)) {
      // bad input from the device (counted as such), and the session is restarted like any failure
      this.opts.errors.count('AFG_E_PUPIL_MESSAGE');
      throw new Error(`AFG_E_PUPIL_MESSAGE: Pupil Remote answered 't' with ${JSON.stringify(reply.slice(0, 40))}`);
    }
    const x: PupilTimeExchange = { t1Ms, pupilUs: s * 1e6, t4Ms };
    this.rttMs = t4Ms - t1Ms;
    this.clockOffsetMs = (t1Ms + t4Ms) / 2 - s * 1000;
    this.opts.onTimeExchange?.(x);
    return x;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const session = ++this.session;
    this.setState(this.sup.lost ? 'sensor_lost' : 'connecting');
    // a REQ with a receive timeout is stuck after a timeout (REQ state machine): one per session
    const req = new zmq.Request({ linger: 0, receiveTimeout: this.reqTimeoutMs, sendTimeout: this.reqTimeoutMs });
    this.req = req;
    try {
      req.connect(`tcp://${this.host}:${this.remotePort}`);
      const portReply = await this.ask(req, 'SUB_PORT');
      const port = Number(portReply);
      if (portReply.trim() === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
        this.opts.errors.count('AFG_E_PUPIL_MESSAGE');
        throw new Error(`AFG_E_PUPIL_MESSAGE: Pupil Remote answered SUB_PORT with ${JSON.stringify(portReply.slice(0, 40))}`);
      }
      await this.exchangeTime(req);
      if (this.stopped || session !== this.session) return;
      const sub = new zmq.Subscriber({ linger: 0 });
      sub.connect(`tcp://${this.host}:${port}`);
      sub.subscribe('gaze.');
      if (this.opts.subscribePupil ?? true) sub.subscribe('pupil.');
      this.sub = sub;
      this.subPort = port;
      this.opens++;
      this.lastError = null;
      // the backoff is reset by data, not by a session: a silent Remote must keep backing off
      this.sup.outageOver();
      this.decoder.reset();
      // silence is measured from the session start, so a fresh session gets a full period
      if (!this.sup.lost) this.sup.restartSilence(this.now());
      this.sessionStartedAt = this.now();
      this.setState(this.sup.lost ? 'sensor_lost' : 'connected');
      void this.receive(sub, session);
    } catch (e) {
      if (this.stopped || session !== this.session) return;
      this.failed(e);
    }
  }

  private sessionStartedAt = 0;

  private async receive(sub: zmq.Subscriber, session: number): Promise<void> {
    try {
      for await (const frames of sub) {
        if (session !== this.session) return;
        const at = this.now();
        this.lastMessageAt = at;
        if (this.sup.heard(at)) {
          this.sup.resetBackoff();
          this.setState('connected');
        }
        const topic = frames[0];
        const payload = frames[1];
        if (!topic || !payload || frames.length !== 2) {
          this.decoder.push('gaze.', new Uint8Array(0)); // counted as malformed, dropped
          continue;
        }
        if (this.decoder.push(topic, payload)) {
          this.lastArrival = at;
          if (this.decoder.pending >= this.maxBatch) this.flush();
        }
      }
    } catch (e) {
      if (!this.stopped && session === this.session) this.failed(e);
    }
  }

  private flush(): void {
    if (this.decoder.pending === 0) return;
    const b = this.decoder.flush();
    if (b) this.opts.onBatch(b, this.lastArrival);
  }

  private teardown(): void {
    this.session++;
    const req = this.req;
    const sub = this.sub;
    this.req = null;
    this.sub = null;
    this.subPort = null;
    this.busy = false;
    if (req && !req.closed) req.close();
    if (sub && !sub.closed) sub.close();
  }

  private failed(e: unknown): void {
    this.sup.outage(); // once per outage, not per retry
    this.lastError = e instanceof Error ? e.message : String(e);
    this.flush();
    this.teardown();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.sup.retry();
    this.setState(this.sup.lost ? 'sensor_lost' : 'connecting');
  }

  /** The supervisor counted AFG_E_SENSOR_LOST for this silence episode. */
  private onLost(e: SensorLostEvent): void {
    if (this.stopped) return;
    this.setState('sensor_lost');
    this.opts.onSensorLost?.(e);
  }

  private whileSilent(at: number): void {
    if (this.stopped) return;
    // a silent but open session: Capture may have restarted on a new SUB port; ask again
    if (this.sub && at - this.sessionStartedAt >= this.silenceMs) {
      this.flush();
      this.teardown();
      this.scheduleRetry();
    }
  }

  private setState(s: PupilCoreLinkState): void {
    if (this.state === s) return;
    this.state = s;
    this.opts.onStatus?.(this.status());
  }
}
