import type { IPublishPacket } from 'mqtt';
import { Ajv } from 'ajv';
import type { ErrorCounter } from '../core/errors.ts';
import type { WearerId } from '../core/types.ts';
import type { CommandTransport } from './command-listener.ts';
import { VehicleSpeedPayload } from './payload-schemas.ts';

/** Where a fresh speed goes (FleetPipeline.setVehicleSpeed). */
export interface VehicleSpeedTarget {
  setVehicleSpeed(wearer: WearerId, speedMps: number): void;
}

export type VehicleSpeedRejection = 'malformed' | 'unknown_driver' | 'stale' | 'future';

export interface VehicleSpeedListenerOptions {
  transport: Pick<CommandTransport, 'topics' | 'subscribe'>;
  /** every configured driver and the speed assumed for it without a signal (config vehicleSpeedMps) */
  drivers: ReadonlyMap<WearerId, number>;
  target: VehicleSpeedTarget;
  errors: ErrorCounter;
  /** a signal older than this is stale: the assumed speed applies again */
  staleAfterMs?: number;
  /** a timestamp further ahead than this is refused (clock skew allowance) */
  maxFutureMs?: number;
  /** epoch ms; message timestamps are compared with it */
  now?: () => number;
  /** monotonic ms: when a signal goes stale is measured on this, never on the wall clock */
  monoNow?: () => number;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

/**
 * Vehicle speed for drivers over MQTT: `<base>/vehicles/<wearer>/speed` with
 * `{"speedMps": 3.2, "ts": 1767225600000}` (VehicleSpeedPayload). A valid message sets the
 * driver's speed in the pipeline (applied at its next tick). A malformed message, an unknown or
 * non-driver wearer, a timestamp older than `staleAfterMs` or in the future is dropped and
 * counted (AFG_E_MQTT_INPUT_INVALID, stale ones AFG_E_VEHICLE_SPEED_STALE) by reason.
 *
 * A signal that stops is not a vehicle standing still: once the last fresh message is older
 * than `staleAfterMs`, `poll` puts the configured assumed speed back (moving, by default), so a
 * lost signal can never silence the in-cab alerts that only fire while moving. Retained
 * messages count only with a fresh `ts` (a retained speed is usually an old one).
 *
 * Cost per message: one JSON.parse and one ajv validation.
 *
 * @example
 *   const speed = new VehicleSpeedListener({ transport: sink, drivers, target: fleet, errors });
 *   speed.start();
 *   setInterval(() => speed.poll(), 500);
 */
export class VehicleSpeedListener {
  private readonly o: VehicleSpeedListenerOptions;
  private readonly now: () => number;
  /** monotonic ms for the staleness watch; default performance.now (or `now` when only that is injected) */
  private readonly monoNow: () => number;
  private readonly staleAfterMs: number;
  private readonly maxFutureMs: number;
  private readonly validate = new Ajv({ strict: false }).compile(VehicleSpeedPayload);
  /** drivers with a live signal: epoch ms of the last fresh message */
  private readonly live = new Map<WearerId, number>();
  accepted = 0;
  readonly rejected: Record<VehicleSpeedRejection, number> = { malformed: 0, unknown_driver: 0, stale: 0, future: 0 };
  /** times a live signal went stale and the assumed speed was put back */
  staleTransitions = 0;

  constructor(opts: VehicleSpeedListenerOptions) {
    this.o = opts;
    this.now = opts.now ?? Date.now;
    this.monoNow = opts.monoNow ?? opts.now ?? (() => performance.now());
    this.staleAfterMs = opts.staleAfterMs ?? 3000;
    this.maxFutureMs = opts.maxFutureMs ?? 5000;
    if (!(this.staleAfterMs > 0)) throw new RangeError('staleAfterMs must be positive');
  }

  start(): void {
    this.o.transport.subscribe(`${this.o.transport.topics.base}/vehicles/+/speed`, 0, (topic, payload, packet) => this.handle(topic, payload, packet));
  }

  /** Whether a driver's speed currently comes from the signal (the simulator then leaves it alone). */
  hasLiveSpeed(wearer: WearerId): boolean {
    return this.live.has(wearer);
  }

  handle(topic: string, payload: Buffer, packet: Pick<IPublishPacket, 'retain'>): void {
    const parts = topic.split('/');
    const wearer = parts[parts.length - 2] ?? '';
    const now = this.now();
    if (!this.o.drivers.has(wearer)) return this.reject('unknown_driver', `vehicle speed for '${wearer.slice(0, 40)}', which is not a configured driver`);
    let body: unknown;
    try {
      body = payload.length <= 1024 ? JSON.parse(payload.toString('utf8')) : undefined;
    } catch {
      body = undefined;
    }
    if (!this.validate(body)) {
      const e = this.validate.errors?.[0];
      return this.reject('malformed', `vehicle speed for ${wearer}: ${e ? `${e.instancePath || '/'} ${e.message}` : 'not JSON'}`);
    }
    const msg = body as VehicleSpeedPayload;
    if (msg.ts !== undefined) {
      if (now - msg.ts > this.staleAfterMs) return this.reject('stale', `vehicle speed for ${wearer} is ${now - msg.ts} ms old`);
      if (msg.ts - now > this.maxFutureMs) return this.reject('future', `vehicle speed for ${wearer} is stamped ${msg.ts - now} ms in the future (check the clocks)`);
    } else if (packet.retain) {
      return this.reject('stale', `retained vehicle speed for ${wearer} without ts: its age is unknown`);
    }
    this.accepted++;
    // the sender's ts is wall clock: its age is read once, at arrival; from then on age is monotonic
    this.live.set(wearer, this.monoNow() - (msg.ts === undefined ? 0 : Math.max(0, now - msg.ts)));
    this.o.target.setVehicleSpeed(wearer, msg.speedMps);
  }

  /** Puts the assumed speed back for every driver whose signal went stale. Call periodically. */
  poll(): void {
    const now = this.monoNow();
    for (const [wearer, at] of this.live) {
      if (now - at <= this.staleAfterMs) continue;
      this.live.delete(wearer);
      this.staleTransitions++;
      this.o.errors.count('AFG_E_VEHICLE_SPEED_STALE');
      const assumed = this.o.drivers.get(wearer)!;
      this.o.log?.('warn', `AFG_E_VEHICLE_SPEED_STALE: no vehicle speed for ${wearer} for ${now - at} ms; assuming the configured ${assumed} m/s until it is back`);
      this.o.target.setVehicleSpeed(wearer, assumed);
    }
  }

  private reject(why: VehicleSpeedRejection, msg: string): void {
    this.rejected[why]++;
    this.o.errors.count(why === 'stale' ? 'AFG_E_VEHICLE_SPEED_STALE' : 'AFG_E_MQTT_INPUT_INVALID');
    // the first of each kind is logged; the rest are counted (a flood must not flood the log)
    if (this.rejected[why] === 1) this.o.log?.('warn', `${why === 'stale' ? 'AFG_E_VEHICLE_SPEED_STALE' : 'AFG_E_MQTT_INPUT_INVALID'}: ${msg} (dropped; further ones are counted)`);
  }
}
