/**
 * A Gazepoint Control server, in-process, over real TCP: answers `<SET ID="..." STATE="0|1" />`
 * with `<ACK ID="..." STATE="..." />` (NACK for an ID it does not know) and, once a client has
 * ENABLE_SEND_DATA on, streams `<REC ... />` lines (CRLF) with the fields that client enabled, as
 * described in "Open Gaze API by Gazepoint" v2.0, §2–§3. Used by tests and the simulated fleet.
 *
 * The sample source is either given columns (played in order, then looped) or a simple generator
 * (slow sinusoidal gaze, fixations of 20 samples, 3.5 mm pupils, all valid). Device time runs
 * from `startTimeSec` at exactly 1/rateHz per sample and only advances while a client streams,
 * so tests know every emitted value (the first sample a fresh emulator sends is sample 0).
 * Can be stopped and started again on the same port (reconnect tests), paused (a tracker that
 * goes silent while TCP stays up), and made to inject garbage.
 *
 * Cost: per tick O(samples due × enabled fields) string formatting per client.
 *
 * @example
 *   const emu = new GazepointEmulator({ rateHz: 60 });
 *   const port = await emu.start();          // port 0 → a free port
 *   ...
 *   await emu.stop(); await emu.start();     // same port again
 *   emu.injectGarbage('<REC FPOGX="oops\r\n');
 *   await emu.stop();
 */
import { createServer, type Server, type Socket } from 'node:net';

/** Sample columns to play; t in seconds of device time (the TIME field). */
export interface GazepointColumns {
  n: number;
  t: Float64Array;
  /** fractions of the screen */
  x: Float32Array | Float64Array;
  y: Float32Array | Float64Array;
  /** 1 valid, 0 not (FPOGV / BPOGV) */
  valid: Uint8Array;
  /** pupil diameter, mm (LPMM = RPMM); NaN = not valid */
  pupilMm?: Float32Array | Float64Array;
}

export interface GazepointEmulatorOptions {
  host?: string;
  /** 0 (default) = a free port, kept for restarts */
  port?: number;
  /** records per second; GP3 runs at 60 Hz, GP3 HD at 150 Hz; default 60 */
  rateHz?: number;
  columns?: GazepointColumns;
  /** device TIME of the first generated sample, seconds; default 100 */
  startTimeSec?: number;
  /** camera pixels per mm for LPD/RPD (pupil in pixels); default 10 */
  pupilPxPerMm?: number;
  /**
   * the tracker's clock error, ppm (positive: its TIME runs fast against performance.now);
   * generated samples are due every 1/rateHz of device time. Default 0
   */
  driftPpm?: number;
  /** send timer period, ms; default 1000/rateHz within 2..20 */
  tickMs?: number;
  /** transport jitter: each tick holds its records back with this probability (they go with a later tick); default 0 */
  holdProbability?: number;
  /** seed of the hold-back draws; default 1 */
  seed?: number;
}

/** The data fields each ENABLE_SEND_* switch adds (Open Gaze API v2.0 §3). */
const DATA_SWITCHES = [
  'ENABLE_SEND_COUNTER',
  'ENABLE_SEND_TIME',
  'ENABLE_SEND_POG_FIX',
  'ENABLE_SEND_POG_BEST',
  'ENABLE_SEND_PUPIL_LEFT',
  'ENABLE_SEND_PUPIL_RIGHT',
  'ENABLE_SEND_PUPILMM',
] as const;
const KNOWN_IDS = new Set<string>(['ENABLE_SEND_DATA', ...DATA_SWITCHES]);

interface Client {
  socket: Socket;
  enabled: Set<string>;
  pending: string;
  cnt: number;
}

const f5 = (v: number) => v.toFixed(5);

export class GazepointEmulator {
  private readonly host: string;
  private readonly rateHz: number;
  private readonly columns: GazepointColumns | undefined;
  private readonly startTimeSec: number;
  private readonly pxPerMm: number;
  private readonly clockRate: number;
  private readonly tickMs: number;
  private readonly holdProbability: number;
  private rnd: number;
  private lose = 0;
  private port: number;
  private server: Server | null = null;
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  /** samples produced so far (device time index) */
  private index = 0;
  private startedAt = 0;
  private indexAtStart = 0;
  private sent = 0;

  constructor(opts: GazepointEmulatorOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? 0;
    this.rateHz = opts.rateHz ?? 60;
    this.startTimeSec = opts.startTimeSec ?? 100;
    this.pxPerMm = opts.pupilPxPerMm ?? 10;
    const drift = opts.driftPpm ?? 0;
    if (!(Math.abs(drift) <= 10_000)) throw new RangeError('GazepointEmulator: driftPpm must be within ±10000');
    this.clockRate = 1 + drift * 1e-6;
    this.tickMs = opts.tickMs ?? Math.max(2, Math.min(20, 1000 / (opts.rateHz ?? 60)));
    if (!(this.tickMs >= 1 && this.tickMs <= 1000)) throw new RangeError('GazepointEmulator: tickMs must be in 1..1000');
    this.holdProbability = opts.holdProbability ?? 0;
    if (!(this.holdProbability >= 0 && this.holdProbability < 1)) throw new RangeError('GazepointEmulator: holdProbability must be in [0, 1)');
    this.rnd = (opts.seed ?? 1) >>> 0 || 1;
    if (!Number.isInteger(this.port) || this.port < 0 || this.port > 65535) throw new RangeError('GazepointEmulator: port must be 0..65535');
    if (!(this.rateHz > 0 && this.rateHz <= 2000)) throw new RangeError('GazepointEmulator: rateHz must be in (0, 2000]');
    if (opts.columns && !(opts.columns.n > 0)) throw new RangeError('GazepointEmulator: columns must hold at least one sample');
    this.columns = opts.columns;
  }

  /** Listens (on the same port as before after a stop); resolves with the port. */
  async start(): Promise<number> {
    if (this.server) return this.port;
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: this.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => {}); // after listen: per-socket errors are handled on the sockets
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    this.startedAt = performance.now();
    this.indexAtStart = this.index;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    return this.port;
  }

  /** Server goes away: every client connection is destroyed and the port closed. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const c of this.clients) c.socket.destroy();
    this.clients.clear();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** Stops streaming REC lines while connections stay up (a tracker that went quiet). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.startedAt = performance.now();
    this.indexAtStart = this.index;
  }

  /**
   * The generated source's device clock (TIME, s) at a performance.now() instant, while one
   * client streams without pauses: the truth a clock-sync test compares against.
   */
  deviceTimeSec(perfMs: number): number {
    return this.startTimeSec + this.indexAtStart / this.rateHz + ((perfMs - this.startedAt) * this.clockRate) / 1000;
  }

  /** The next n records are produced (CNT counts them) but never sent: lost frames. */
  loseRecords(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError('loseRecords: n must be a non-negative integer');
    this.lose += n;
  }

  /** Writes raw bytes to every connected client, as they are. */
  injectGarbage(bytes: string | Uint8Array): void {
    for (const c of this.clients) c.socket.write(bytes);
  }

  get listeningPort(): number {
    return this.port;
  }

  stats(): { clients: number; streaming: number; recordsSent: number; samplesProduced: number } {
    let streaming = 0;
    for (const c of this.clients) if (c.enabled.has('ENABLE_SEND_DATA')) streaming++;
    return { clients: this.clients.size, streaming, recordsSent: this.sent, samplesProduced: this.index };
  }

  /** The REC line for sample `i` with the given switches on (exposed so tests can build streams). */
  recordLine(i: number, enabled: ReadonlySet<string>, cnt = i): string {
    const s = this.sample(i);
    let out = '<REC';
    if (enabled.has('ENABLE_SEND_COUNTER')) out += ` CNT="${cnt}"`;
    if (enabled.has('ENABLE_SEND_TIME')) out += ` TIME="${f5(s.t)}"`;
    if (enabled.has('ENABLE_SEND_POG_FIX')) {
      out += ` FPOGX="${f5(s.x)}" FPOGY="${f5(s.y)}" FPOGS="${f5(s.fixStart)}" FPOGD="${f5(s.t - s.fixStart)}" FPOGID="${s.fixId}" FPOGV="${s.valid}"`;
    }
    if (enabled.has('ENABLE_SEND_POG_BEST')) out += ` BPOGX="${f5(s.x)}" BPOGY="${f5(s.y)}" BPOGV="${s.valid}"`;
    const pv = Number.isFinite(s.pupilMm) ? 1 : 0;
    const mm = pv ? s.pupilMm : 0;
    if (enabled.has('ENABLE_SEND_PUPIL_LEFT')) out += ` LPCX="0.40000" LPCY="0.50000" LPD="${f5(mm * this.pxPerMm)}" LPS="1.00000" LPV="${pv}"`;
    if (enabled.has('ENABLE_SEND_PUPIL_RIGHT')) out += ` RPCX="0.60000" RPCY="0.50000" RPD="${f5(mm * this.pxPerMm)}" RPS="1.00000" RPV="${pv}"`;
    if (enabled.has('ENABLE_SEND_PUPILMM')) out += ` LPMM="${f5(mm)}" LPMMV="${pv}" RPMM="${f5(mm)}" RPMMV="${pv}"`;
    return out + ' />\r\n';
  }

  private sample(i: number): { t: number; x: number; y: number; valid: number; pupilMm: number; fixStart: number; fixId: number } {
    const c = this.columns;
    if (c) {
      const k = i % c.n;
      const t = c.t[k]!;
      // a column source carries no fixation segmentation: each sample is its own fixation
      return { t, x: c.x[k]!, y: c.y[k]!, valid: c.valid[k]!, pupilMm: c.pupilMm ? c.pupilMm[k]! : NaN, fixStart: t, fixId: i + 1 };
    }
    const dt = 1 / this.rateHz;
    const t = this.startTimeSec + i * dt;
    const fix = Math.floor(i / 20);
    return {
      t,
      x: 0.5 + 0.3 * Math.sin(fix * 0.7),
      y: 0.5 + 0.2 * Math.cos(fix * 0.4),
      valid: 1,
      pupilMm: 3.5,
      fixStart: this.startTimeSec + fix * 20 * dt,
      fixId: fix + 1,
    };
  }

  private accept(socket: Socket): void {
    const client: Client = { socket, enabled: new Set(), pending: '', cnt: 0 };
    this.clients.add(client);
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => this.command(client, d));
    socket.on('error', () => {}); // client went away: 'close' follows
    socket.on('close', () => this.clients.delete(client));
  }

  private command(client: Client, data: string): void {
    client.pending += data;
    let nl: number;
    while ((nl = client.pending.indexOf('\n')) >= 0) {
      const line = client.pending.slice(0, nl).trim();
      client.pending = client.pending.slice(nl + 1);
      const m = /^<(SET|GET)\s+ID="([A-Z_]+)"(?:\s+STATE="([01])")?\s*\/>$/.exec(line);
      if (!m) continue; // the real server ignores what it cannot parse
      const [, verb, id, state] = m as unknown as [string, string, string, string | undefined];
      if (!KNOWN_IDS.has(id)) {
        client.socket.write(`<NACK ID="${id}" />\r\n`);
        continue;
      }
      if (verb === 'SET') {
        if (state === '1') client.enabled.add(id);
        else client.enabled.delete(id);
      }
      client.socket.write(`<ACK ID="${id}" STATE="${client.enabled.has(id) ? 1 : 0}" />\r\n`);
    }
    if (client.pending.length > 4096) client.pending = '';
  }

  private tick(): void {
    if (this.paused) return;
    let streaming = false;
    for (const c of this.clients) if (c.enabled.has('ENABLE_SEND_DATA')) streaming = true;
    if (!streaming) {
      // device time runs only while someone listens, so a test's first sample is sample 0
      this.startedAt = performance.now();
      this.indexAtStart = this.index;
      return;
    }
    if (this.holdProbability > 0 && this.random() < this.holdProbability) return;
    // sample j is taken at j / rateHz of device time: at elapsed e, samples 0..floor(e·rate) exist
    const due = this.indexAtStart + Math.floor(((performance.now() - this.startedAt) * this.rateHz * this.clockRate) / 1000) + 1;
    // after a stall, do not flood: at most one second of samples at once
    const from = Math.max(this.index, due - Math.ceil(this.rateHz));
    this.index = Math.max(this.index, from);
    while (this.index < due) {
      const i = this.index++;
      if (this.lose > 0) {
        this.lose--;
        for (const c of this.clients) c.cnt++;
        continue;
      }
      for (const c of this.clients) {
        if (!c.enabled.has('ENABLE_SEND_DATA')) continue;
        c.socket.write(this.recordLine(i, c.enabled, c.cnt++));
        this.sent++;
      }
    }
  }

  /** xorshift32: seeded, so a jittered run is repeatable in what it holds back */
  private random(): number {
    let x = this.rnd;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rnd = x >>> 0;
    return this.rnd / 4294967296;
  }
}
