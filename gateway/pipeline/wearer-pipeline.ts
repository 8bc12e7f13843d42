import type { AoiConfig, WearerConfig } from '../config/schema.ts';
import type { Alert, AttentionEstimate, FeatureFrame, SampleBatch } from '../core/types.ts';
import { AlertTracker, type LevelChange } from '../alerts/alert-tracker.ts';
import { WearerFeatures } from '../features/wearer-features.ts';
import type { FeatureSettings } from '../features/feature-settings.ts';
import { featureIndex } from '../features/feature-names.ts';
import { RuleBasedEstimator } from '../estimator/rule-based-estimator.ts';
import { DriverPolicy } from '../policy/driver-policy.ts';
import { OperatorPolicy } from '../policy/operator-policy.ts';
import type { OperatorPolicySettings } from '../policy/operator-policy-settings.ts';

export interface WearerTickResult {
  frame: FeatureFrame;
  estimate: AttentionEstimate;
  alerts: Alert[];
  observation: Record<string, number | boolean | null>;
}

const F = {
  valid: featureIndex('gaze_valid_ratio'),
  onRoad: featureIndex('aoi_road_ahead_in'),
  closedS: featureIndex('eye_closed_s'),
  perclos: featureIndex('perclos'),
  hr: featureIndex('hr_bpm'),
  rmssd: featureIndex('rmssd_ms'),
  pupil: featureIndex('pupil_rel'),
  offRoad: featureIndex('off_road_glance_s'),
};

/** Null for NaN, so derived observations go out as JSON `null` (unknown), never a number. */
function known(x: number | undefined): number | null {
  return x === undefined || Number.isNaN(x) ? null : x;
}

/**
 * One wearer's path through the stages: samples (gateway clock) -> features -> estimate ->
 * policy -> alerts. Deterministic: everything depends on the batches and the tick times given.
 * The fleet splits a tick in two so that the estimates of all wearers come from one batched
 * model run: `frame(t)` for every wearer, one estimateBatch, then `step(t, frame, estimate)`
 * for every wearer. `tick(t)` does both with the rule-based estimator, for a single wearer.
 *
 * Cost per tick: one feature frame, one estimate, one policy step.
 *
 * @example
 *   const p = new WearerPipeline({ wearer, aois, toEpochMs: (t) => epoch0 + t });
 *   p.ingest(gazeBatch);
 *   const r = p.tick(1050);
 *   // or, batched: const f = p.frame(1100); ...estimates...; p.step(1100, f, estimate);
 */
export class WearerPipeline {
  readonly wearer: WearerConfig;
  private readonly features: WearerFeatures;
  private readonly estimator = new RuleBasedEstimator();
  /** the wearer's policy and alert episodes: commands (ack, shelve, thresholds) act on them at tick boundaries */
  readonly driver: DriverPolicy | null;
  readonly operator: OperatorPolicy | null;
  readonly tracker: AlertTracker;
  private driverAckPending = false;

  constructor(opts: { wearer: WearerConfig; aois: readonly AoiConfig[]; toEpochMs: (t: number) => number; safetyCritical?: boolean; tickMs: number; features?: Partial<FeatureSettings>; operatorSettings?: Partial<OperatorPolicySettings> }) {
    this.wearer = opts.wearer;
    const aois = opts.aois.filter((a) => a.role === opts.wearer.role).map((a) => ({ name: a.name, polygon: a.polygon as [number, number][] }));
    this.features = new WearerFeatures({ wearer: opts.wearer.id, aois, tickWindowMs: opts.tickMs, ...(opts.features ? { settings: opts.features } : {}) });
    this.driver = opts.wearer.role === 'driver' ? new DriverPolicy() : null;
    this.operator = opts.wearer.role === 'operator' ? new OperatorPolicy({ safetyCritical: opts.safetyCritical ?? false, settings: opts.operatorSettings ?? {} }) : null;
    const trackerOpts: ConstructorParameters<typeof AlertTracker>[0] = { wearer: opts.wearer.id, role: opts.wearer.role, toEpochMs: opts.toEpochMs };
    if (opts.wearer.station !== undefined) trackerOpts.station = opts.wearer.station;
    this.tracker = new AlertTracker(trackerOpts);
  }

  ingest(b: SampleBatch): void {
    switch (b.kind) {
      case 'gaze':
        this.features.pushGaze(b);
        break;
      case 'hr':
        this.features.pushHr(b);
        break;
      case 'rr':
        this.features.pushRr(b);
        break;
      case 'acc':
        this.features.pushAcc(b);
        break;
      case 'ecg':
        this.features.pushEcg(b);
        break;
    }
  }

  /** The in-cab acknowledge button was pressed: the next tick's observation carries `ack` (issue 7 §1). */
  driverAck(): void {
    if (this.driver) this.driverAckPending = true;
  }

  /** The features stage: this tick's FeatureFrame. */
  frame(tMs: number): FeatureFrame {
    return this.features.frame(tMs);
  }

  /** Features, rule-based estimate and policy in one call. */
  tick(tMs: number, vehicleSpeedMps?: number): WearerTickResult {
    const frame = this.frame(tMs);
    return this.step(tMs, frame, this.estimator.estimate(frame, this.wearer.role), vehicleSpeedMps);
  }

  /** The policy stage: observations from the frame, the estimate, policy step, alerts. */
  step(tMs: number, frame: FeatureFrame, estimate: AttentionEstimate, vehicleSpeedMps?: number): WearerTickResult {
    const v = frame.values;
    const valid = v[F.valid]!;
    const observation: Record<string, number | boolean | null> = {
      gazeValid: !Number.isNaN(valid) && valid >= 0.5,
      eyesOnRoad: Number.isNaN(v[F.onRoad]!) ? null : v[F.onRoad]! >= 0.5,
      eyeClosedS: known(v[F.closedS]),
      perclos: known(v[F.perclos]),
      hrBpm: known(v[F.hr]),
      rmssdMs: known(v[F.rmssd]),
      pupilRel: known(v[F.pupil]),
      offRoadGlanceS: known(v[F.offRoad]),
    };
    let changes: LevelChange[] = [];
    if (this.driver) {
      const speed = vehicleSpeedMps ?? this.wearer.vehicleSpeedMps;
      observation['speedMps'] = speed;
      const isValid = observation['gazeValid'] === true;
      const closedS = observation['eyeClosedS'];
      const closed = isValid && typeof closedS === 'number' && closedS > 0;
      const obs = {
        t: tMs / 1000,
        valid: isValid,
        eyesOnRoad: isValid && observation['eyesOnRoad'] === true,
        eyesClosed: closed,
        speedMps: speed,
        ...(this.driverAckPending ? { ack: true } : {}),
      };
      if (this.driverAckPending) observation['ack'] = true;
      this.driverAckPending = false;
      changes = this.driver.step(obs).map((c) => ({ t: c.t * 1000, kind: c.kind, level: c.level }));
    } else if (this.operator) {
      changes = this.operator.step(tMs, estimate, observation);
    }
    const alerts = changes.length ? this.tracker.apply(changes, evidenceOf(estimate, observation)) : [];
    return { frame, estimate, alerts, observation };
  }
}

/** What the alert carries as evidence: derived values only, rounded for the wire. */
function evidenceOf(e: AttentionEstimate, obs: Record<string, number | boolean | null>): Alert['evidence'] {
  const out: Alert['evidence'] = { state: e.state, score: e.score === null ? null : round3(e.score), quality: round3(e.quality) };
  for (const [k, v] of Object.entries(obs)) out[k] = typeof v === 'number' ? round3(v) : v;
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
