import type { GatewayConfig } from '../config/schema.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { SampleBatch, WearerId } from '../core/types.ts';
import { WearerPipeline } from './wearer-pipeline.ts';

/** What the fleet pipeline needs from the config: the floor, the wearers, the AOIs and the feature windows (defaults when absent). */
export type FleetConfig = Pick<GatewayConfig, 'site' | 'gateway' | 'tickMs' | 'stations' | 'wearers' | 'aois'> & Partial<Pick<GatewayConfig, 'features'>>;

/**
 * All wearers' pipelines, stepped together once per tick; results go onto the event bus, which
 * is the only thing that knows about sinks. Time comes in from the caller (live loop or replay).
 *
 * @example
 *   const fleet = new FleetPipeline({ config, bus, toEpochMs: (t) => epoch0 + t });
 *   fleet.ingest('op-7f3a', batch);
 *   fleet.tick(50);
 */
export class FleetPipeline {
  private readonly wearers = new Map<WearerId, WearerPipeline>();
  private readonly bus: EventBus;
  private readonly ingestHooks: ((wearer: WearerId, b: SampleBatch) => void)[] = [];
  private readonly tickHooks: ((tMs: number) => void)[] = [];
  private readonly speedHooks: ((wearer: WearerId, speedMps: number) => void)[] = [];
  private readonly vehicleSpeed = new Map<WearerId, number>();
  private lastTick = -Infinity;
  unknownWearerBatches = 0;

  constructor(opts: { config: FleetConfig; bus: EventBus; toEpochMs: (t: number) => number }) {
    this.bus = opts.bus;
    const critical = new Set(opts.config.stations.filter((s) => s.safetyCritical).map((s) => s.id));
    for (const w of opts.config.wearers) {
      this.wearers.set(
        w.id,
        new WearerPipeline({
          wearer: w,
          aois: opts.config.aois,
          toEpochMs: opts.toEpochMs,
          safetyCritical: w.station !== undefined && critical.has(w.station),
          tickMs: opts.config.tickMs,
          ...(opts.config.features ? { features: opts.config.features } : {}),
        }),
      );
    }
  }

  /** Observers of the stream into the stages (the recorder). */
  onIngest(fn: (wearer: WearerId, b: SampleBatch) => void): void {
    this.ingestHooks.push(fn);
  }

  onTick(fn: (tMs: number) => void): void {
    this.tickHooks.push(fn);
  }

  onVehicleSpeed(fn: (wearer: WearerId, speedMps: number) => void): void {
    this.speedHooks.push(fn);
  }

  /** A vehicle speed signal for a driver (m/s); without one, the configured speed is assumed. */
  setVehicleSpeed(wearer: WearerId, speedMps: number): void {
    if (!Number.isFinite(speedMps) || speedMps < 0) return;
    if (this.vehicleSpeed.get(wearer) === speedMps) return;
    this.vehicleSpeed.set(wearer, speedMps);
    for (const h of this.speedHooks) h(wearer, speedMps);
  }

  ingest(wearer: WearerId, b: SampleBatch): void {
    const p = this.wearers.get(wearer);
    if (!p) {
      this.unknownWearerBatches++;
      return;
    }
    for (const h of this.ingestHooks) h(wearer, b);
    p.ingest(b);
  }

  tick(tMs: number): void {
    if (tMs <= this.lastTick) return; // time only moves forward; a repeated tick is a no-op
    this.lastTick = tMs;
    for (const h of this.tickHooks) h(tMs);
    for (const p of this.wearers.values()) {
      const r = p.tick(tMs, this.vehicleSpeed.get(p.wearer.id));
      this.bus.emit('features', r.frame);
      this.bus.emit('estimate', r.estimate);
      this.bus.emit('observation', { wearer: p.wearer.id, t: tMs, values: r.observation });
      for (const a of r.alerts) this.bus.emit('alert', a);
    }
  }

  /** One wearer's pipeline (its policy and alert episodes), for commands applied at tick boundaries. */
  pipeline(wearer: WearerId): WearerPipeline | undefined {
    return this.wearers.get(wearer);
  }

  /** A driver pressed the in-cab acknowledge button: it goes into that driver's next observation. */
  driverAck(wearer: WearerId): boolean {
    const p = this.wearers.get(wearer);
    if (!p?.driver) return false;
    p.driverAck();
    return true;
  }

  wearerIds(): WearerId[] {
    return [...this.wearers.keys()];
  }
}
