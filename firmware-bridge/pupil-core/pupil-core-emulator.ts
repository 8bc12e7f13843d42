/**
 * A Pupil Capture / Pupil Service stand-in for tests and the simulated fleet: a REP socket that
 * answers Pupil Remote's `SUB_PORT` and `t` requests, and a PUB socket that publishes `gaze.3d.01.`
 * and `pupil.N.3d` datums (msgpack maps, multipart [topic, payload]) at a configurable rate.
 * Every `lowConfidenceEvery`-th sample has confidence 0.3 (below Pupil Labs' 0.6 threshold).
 *
 * The Remote port stays the same across stop()/start() (Capture keeps 50020); the PUB port is
 * bound afresh, so a restart usually changes SUB_PORT, as a Capture restart can.
 *
 * Cost: one msgpack encode per datum; a timer at `rateHz`.
 *
 * @example
 *   const emu = new PupilCoreEmulator({ rateHz: 120 });
 *   const { remotePort } = await emu.start();
 *   ...
 *   await emu.stop();
 */
import * as zmq from 'zeromq';
import { encode } from '@msgpack/msgpack';

export interface PupilCoreEmulatorOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** Pupil Remote port; 0 (default) picks a free one on the first start and keeps it */
  remotePort?: number;
  /** gaze datums per second; 0 publishes nothing by itself (publish() by hand). Default 120 */
  rateHz?: number;
  /** every k-th sample gets confidence 0.3; 0 never. Default 10 */
  lowConfidenceEvery?: number;
  /** also publish pupil.0.3d / pupil.1.3d datums before each gaze datum; default true */
  publishPupil?: boolean;
  /** Pupil time at start(), s; default 1000 */
  pupilTimeBaseS?: number;
  /** the emulator's own clock, ms; default performance.now (a drifting clock: scale it) */
  now?: () => number;
  /**
   * Pupil Remote's processing jitter for `t`: a uniform 0..J ms wait before reading the clock and
   * another after, so round trips vary like a busy Capture's. Default 0
   */
  replyJitterMs?: number;
  /** seed of the jitter draws; default 1 */
  seed?: number;
}

export interface PupilCoreEmulatorStatus {
  running: boolean;
  remotePort: number | null;
  pubPort: number | null;
  published: number;
  requests: number;
}

const portOf = (endpoint: string | null): number => Number(/:(\d+)$/.exec(endpoint ?? '')?.[1] ?? NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PupilCoreEmulator {
  private readonly host: string;
  private readonly rateHz: number;
  private readonly lowEvery: number;
  private readonly withPupil: boolean;
  private readonly timeBaseS: number;
  private readonly now: () => number;
  private readonly replyJitterMs: number;
  private rnd: number;
  private remotePort: number;
  private pubPort: number | null = null;
  private rep: zmq.Reply | null = null;
  private pub: zmq.Publisher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private k = 0;
  private published = 0;
  private requests = 0;
  private sending: Promise<void> = Promise.resolve();
  /**
   * Tests: Pupil Remote answers a request with this text instead (a broken or foreign server);
   * undefined = the normal answer.
   */
  answerOverride: ((request: string) => string | undefined) | undefined = undefined;

  constructor(opts: PupilCoreEmulatorOptions = {}) {
    const rate = opts.rateHz ?? 120;
    const low = opts.lowConfidenceEvery ?? 10;
    const port = opts.remotePort ?? 0;
    if (!(rate >= 0 && rate <= 1000)) throw new RangeError(`rateHz must be in 0..1000, got ${rate}`);
    if (!Number.isInteger(low) || low < 0) throw new RangeError(`lowConfidenceEvery must be an integer >= 0, got ${low}`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`remotePort must be 0..65535, got ${port}`);
    this.host = opts.host ?? '127.0.0.1';
    this.rateHz = rate;
    this.lowEvery = low;
    this.withPupil = opts.publishPupil ?? true;
    this.timeBaseS = opts.pupilTimeBaseS ?? 1000;
    this.now = opts.now ?? (() => performance.now());
    this.replyJitterMs = opts.replyJitterMs ?? 0;
    if (!(this.replyJitterMs >= 0 && this.replyJitterMs <= 1000)) throw new RangeError(`replyJitterMs must be in 0..1000, got ${this.replyJitterMs}`);
    this.rnd = (opts.seed ?? 1) >>> 0 || 1;
    this.remotePort = port;
  }

  /** Current emulated Pupil time, s (what `t` answers). */
  pupilTime(): number {
    return this.timeBaseS + (this.now() - this.startedAt) / 1000;
  }

  status(): PupilCoreEmulatorStatus {
    return { running: this.rep !== null, remotePort: this.remotePort || null, pubPort: this.pubPort, published: this.published, requests: this.requests };
  }

  /** Binds both sockets and starts publishing; resolves with the ports. */
  async start(): Promise<{ remotePort: number; pubPort: number }> {
    if (this.rep) return { remotePort: this.remotePort, pubPort: this.pubPort! };
    const rep = new zmq.Reply({ linger: 0 });
    const pub = new zmq.Publisher({ linger: 0 });
    try {
      // the old listener of a restart may still be closing: retry the fixed port briefly
      for (let i = 0; ; i++) {
        try {
          await rep.bind(`tcp://${this.host}:${this.remotePort || '*'}`);
          break;
        } catch (e) {
          if (i >= 50 || this.remotePort === 0) throw e;
          await sleep(20);
        }
      }
      await pub.bind(`tcp://${this.host}:*`);
    } catch (e) {
      rep.close();
      pub.close();
      throw e;
    }
    this.remotePort = portOf(rep.lastEndpoint);
    this.pubPort = portOf(pub.lastEndpoint);
    this.rep = rep;
    this.pub = pub;
    this.startedAt = this.now();
    void this.serve(rep);
    if (this.rateHz > 0) this.timer = setInterval(() => this.tick(), 1000 / this.rateHz);
    return { remotePort: this.remotePort, pubPort: this.pubPort };
  }

  /** Stops publishing and closes both sockets (Capture quit); start() again restarts it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const rep = this.rep;
    const pub = this.pub;
    this.rep = null;
    this.pub = null;
    this.pubPort = null;
    await this.sending.catch(() => undefined);
    rep?.close();
    pub?.close();
  }

  /** Publishes one datum (a map, msgpack-encoded) or raw payload bytes under `topic`. */
  publish(topic: string, datum: Record<string, unknown> | Uint8Array): Promise<void> {
    return this.publishFrames([topic, datum instanceof Uint8Array ? datum : encode(datum)]);
  }

  /** Publishes one multipart message exactly as given (tests: a wrong number of frames, raw topics). */
  publishFrames(frames: (string | Uint8Array)[]): Promise<void> {
    const pub = this.pub;
    if (!pub || frames.length === 0) return Promise.resolve();
    // a Publisher allows one send in flight: chain them
    this.sending = this.sending
      .then(() => (pub.closed ? undefined : pub.send(frames)))
      .then(
        () => {
          this.published++;
        },
        () => undefined,
      );
    return this.sending;
  }

  private tick(): void {
    const k = this.k++;
    const ts = this.pupilTime();
    const conf = this.lowEvery > 0 && k % this.lowEvery === this.lowEvery - 1 ? 0.3 : 0.95;
    // a slow Lissajous path across the scene, Pupil's bottom-left-origin coordinates
    const x = 0.5 + 0.3 * Math.sin(k / 50);
    const y = 0.5 + 0.2 * Math.cos(k / 70);
    const eyes = [0, 1].map((id) => ({
      topic: `pupil.${id}.3d`,
      norm_pos: [0.5, 0.5],
      confidence: conf,
      timestamp: ts,
      id,
      method: '3d c++',
      diameter: 40,
      diameter_3d: 3.5 + 0.5 * Math.sin(k / 100) + id * 0.1,
    }));
    if (this.withPupil) for (const e of eyes) void this.publish(e.topic, e);
    void this.publish('gaze.3d.01.', { topic: 'gaze.3d.01.', norm_pos: [x, y], confidence: conf, timestamp: ts, base_data: eyes });
  }

  private async serve(rep: zmq.Reply): Promise<void> {
    try {
      for await (const [msg] of rep) {
        this.requests++;
        const req = msg?.toString('utf8') ?? '';
        let reply: string;
        if (req === 'SUB_PORT') reply = String(this.pubPort ?? '');
        else if (req === 't') {
          if (this.replyJitterMs > 0) await sleep(this.random() * this.replyJitterMs);
          reply = String(this.pupilTime());
          if (this.replyJitterMs > 0) await sleep(this.random() * this.replyJitterMs);
        } else reply = 'Unknown command.';
        await rep.send(this.answerOverride?.(req) ?? reply);
      }
    } catch {
      // socket closed by stop()
    }
  }

  /** xorshift32, seeded */
  private random(): number {
    let x = this.rnd;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rnd = x >>> 0;
    return this.rnd / 4294967296;
  }
}
