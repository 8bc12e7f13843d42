import type { ErrorCounter } from '../../gateway/core/errors.ts';
import { ReconnectBackoff } from './reconnect-backoff.ts';

export interface SensorLostEvent {
  device: string;
  silentForMs: number;
  atMs: number;
}

export interface LinkSupervisorOptions {
  device: string;
  errors: ErrorCounter;
  /** reconnect delays (a ReconnectBackoff, or its bounds) */
  backoff: ReconnectBackoff | { initialMs: number; maxMs: number };
  /** called when a scheduled retry is due (not after stop()) */
  reconnect: () => void;
  /**
   * The silence watchdog: after `afterMs` without heard(), AFG_E_SENSOR_LOST is counted and
   * onLost called, once per silence episode. Omit it where silence is judged elsewhere.
   * `whileSilent` runs on every watchdog tick of a silence, the first included.
   */
  silence?: { afterMs: number; now: () => number; onLost: (e: SensorLostEvent) => void; whileSilent?: (silentForMs: number, atMs: number) => void };
}

/**
 * The bookkeeping every device link shares, so serial, Gazepoint, Pupil Core and BLE behave
 * alike: reconnect after an exponential backoff, AFG_E_DEVICE_IO counted once per outage (not
 * per retry), and `sensor_lost` after a silence (missing data, never a state of the person),
 * counted once per episode and cleared by the next data. The link keeps its own states and I/O;
 * this class owns only the timers and counters. Timers run on real time; silence is measured on
 * the injected `now`. Cost: one watchdog interval (10..250 ms) and one retry timeout per link.
 *
 * @example
 *   const sup = new LinkSupervisor({ device: 'et-1', errors, backoff: { initialMs: 250, maxMs: 10000 },
 *     reconnect: () => open(), silence: { afterMs: 2000, now, onLost: (e) => setState('sensor_lost') } });
 *   sup.start();
 *   port.on('open', () => { sup.outageOver(); sup.resetBackoff(); });
 *   port.on('data', () => { if (sup.heard(now())) setState('connected'); });
 *   port.on('close', () => { sup.outage(); sup.retry(); });
 */
export class LinkSupervisor {
  private readonly device: string;
  private readonly errors: ErrorCounter;
  private readonly backoff: ReconnectBackoff;
  private readonly reconnect: () => void;
  private readonly silence: LinkSupervisorOptions['silence'];
  private running = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private silentSince = 0;
  private isLost = false;
  private inOutage = false;
  private lastDelay: number | null = null;

  constructor(opts: LinkSupervisorOptions) {
    if (!opts || typeof opts.device !== 'string' || opts.device === '') throw new TypeError('LinkSupervisor: device is required');
    if (!opts.errors) throw new TypeError('LinkSupervisor: errors (ErrorCounter) is required');
    if (typeof opts.reconnect !== 'function') throw new TypeError('LinkSupervisor: reconnect must be a function');
    const s = opts.silence;
    if (s && (!(s.afterMs > 0) || typeof s.now !== 'function' || typeof s.onLost !== 'function')) throw new RangeError('LinkSupervisor: silence needs afterMs > 0, now and onLost');
    this.device = opts.device;
    this.errors = opts.errors;
    this.backoff = opts.backoff instanceof ReconnectBackoff ? opts.backoff : new ReconnectBackoff(opts.backoff.initialMs, opts.backoff.maxMs);
    this.reconnect = opts.reconnect;
    this.silence = s;
  }

  /** Arms the watchdog (silence counts from now); idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.isLost = false;
    const s = this.silence;
    if (s) {
      this.silentSince = s.now();
      this.watchdog = setInterval(() => this.check(), Math.max(10, Math.min(250, s.afterMs / 4)));
    }
  }

  /** Stops both timers; a pending retry never fires. */
  stop(): void {
    this.running = false;
    this.cancelRetry();
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  /** True between the watchdog's sensor_lost and the next heard(). */
  get lost(): boolean {
    return this.isLost;
  }

  /** Data arrived at `atMs`. Returns true when it ends a sensor_lost episode. */
  heard(atMs: number): boolean {
    this.silentSince = atMs;
    if (!this.isLost) return false;
    this.isLost = false;
    return true;
  }

  /** Starts the silence period afresh without data (a new session gets a full period). */
  restartSilence(atMs: number): void {
    this.silentSince = atMs;
  }

  /** The link failed or closed: AFG_E_DEVICE_IO once for the whole outage. */
  outage(): void {
    if (!this.inOutage) this.errors.count('AFG_E_DEVICE_IO');
    this.inOutage = true;
  }

  /** The link is up again: the next failure is a new outage. */
  outageOver(): void {
    this.inOutage = false;
  }

  resetBackoff(): void {
    this.backoff.reset();
  }

  /** Failed attempts since the last resetBackoff(). */
  get attempt(): number {
    return this.backoff.attempt;
  }

  /** Delay of the last scheduled retry, ms; null before any. */
  get retryDelayMs(): number | null {
    return this.lastDelay;
  }

  get retryPending(): boolean {
    return this.retryTimer !== null;
  }

  /** Schedules reconnect() after the next backoff delay (replacing a pending one); null when stopped. */
  retry(): number | null {
    if (!this.running) return null;
    this.cancelRetry();
    const delay = this.backoff.next();
    this.lastDelay = delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.running) this.reconnect();
    }, delay);
    return delay;
  }

  cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private check(): void {
    const s = this.silence;
    if (!this.running || !s) return;
    const at = s.now();
    const silent = at - this.silentSince;
    if (silent < s.afterMs) return;
    if (!this.isLost) {
      this.isLost = true;
      this.errors.count('AFG_E_SENSOR_LOST');
      s.onLost({ device: this.device, silentForMs: silent, atMs: at });
    }
    s.whileSilent?.(silent, at);
  }
}
