import type { GatewayConfig } from '../config/schema.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { AttentionEstimate, FeatureFrame, Role, SampleBatch, WearerId } from '../core/types.ts';
import type { AttentionEstimator } from '../estimator/attention-estimator.ts';
import { RuleBasedEstimator } from '../estimator/rule-based-estimator.ts';
import { WearerPipeline } from './wearer-pipeline.ts';
import { operatorSettingsOf } from '../policy/policy-config.ts';

/** What the fleet pipeline needs from the config: the floor, the wearers, the AOIs, the feature windows and the policy times (defaults when absent). */
export type FleetConfig = Pick<GatewayConfig, 'site' | 'gateway' | 'tickMs' | 'stations' | 'wearers' | 'aois'> & Partial<Pick<GatewayConfig, 'features' | 'policy'>>;

/**
 * All wearers' pipelines, stepped together once per tick; results go onto the event bus, which
 * is the only thing that knows about sinks. Time comes in from the caller (live loop or replay).
 *
 * A tick gathers every wearer's FeatureFrame, asks the estimator once for all of them (one
 * batched model run with an ONNX estimator), then steps each wearer's policy. With a synchronous
 * estimator (the rule-based default) the whole tick has happened when tick() returns; with a
 * model it has happened when the returned promise resolves. Callers await each tick before the
 * next, so ticks never overlap and none is skipped.
 *
 * @example
 *   const fleet = new FleetPipeline({ config, bus, toEpochMs: (t) => epoch0 + t, estimator });
 *   fleet.ingest('op-7f3a', batch);
 *   await fleet.tick(50);
 */
export class FleetPipeline {
  private readonly wearers = new Map<WearerId, WearerPipeline>();
  private readonly bus: EventBus;
  private readonly ingestHooks: ((wearer: WearerId, b: SampleBatch) => void)[] = [];
  private readonly tickHooks: ((tMs: number) => void)[] = [];
  private readonly speedHooks: ((wearer: WearerId, speedMps: number) => void)[] = [];
  private readonly vehicleSpeed = new Map<WearerId, number>();
  private readonly pipelines: WearerPipeline[] = [];
  private readonly roles: Role[] = [];
  private readonly estimator: AttentionEstimator;
  private lastTick = -Infinity;
  private ticking = false;
  unknownWearerBatches = 0;

  constructor(opts: { config: FleetConfig; bus: EventBus; toEpochMs: (t: number) => number; estimator?: AttentionEstimator }) {
    this.bus = opts.bus;
    this.estimator = opts.estimator ?? new RuleBasedEstimator();
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
          operatorSettings: operatorSettingsOf(opts.config.policy),
        }),
      );
    }
    for (const p of this.wearers.values()) {
      this.pipelines.push(p);
      this.roles.push(p.wearer.role);
    }
  }

  /** The estimator's name (e.g. 'rule-based/1', 'attention-state/1.0.0'). */
  get estimatorName(): string {
    return this.estimator.name;
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

  tick(tMs: number): Promise<void> {
    if (tMs <= this.lastTick) return RESOLVED; // time only moves forward; a repeated tick is a no-op
    if (this.ticking) throw new Error(`FleetPipeline.tick(${tMs}) while the tick at ${this.lastTick} is still running; await each tick`);
    this.lastTick = tMs;
    for (const h of this.tickHooks) h(tMs);
    const frames = new Array<FeatureFrame>(this.pipelines.length);
    for (let i = 0; i < this.pipelines.length; i++) frames[i] = this.pipelines[i]!.frame(tMs);
    const estimates = this.estimator.estimateBatch(frames, this.roles);
    if (!(estimates instanceof Promise)) {
      this.finish(tMs, frames, estimates);
      return RESOLVED;
    }
    this.ticking = true;
    return estimates.then(
      (e) => {
        this.ticking = false;
        this.finish(tMs, frames, e);
      },
      (err: unknown) => {
        this.ticking = false;
        throw err;
      },
    );
  }

  /** Policy step of every wearer with its estimate, results onto the bus. */
  private finish(tMs: number, frames: FeatureFrame[], estimates: AttentionEstimate[]): void {
    for (let i = 0; i < this.pipelines.length; i++) {
      const p = this.pipelines[i]!;
      const r = p.step(tMs, frames[i]!, estimates[i]!, this.vehicleSpeed.get(p.wearer.id));
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

const RESOLVED: Promise<void> = Promise.resolve();
