/**
 * Core types of the data flow (see ARCHITECTURE.md).
 *
 * Hot-path batches are columnar: one typed array per channel, `n` valid entries from index 0.
 * A batch carries its clock: `device` batches hold device time in microseconds (as decoded),
 * `gateway` batches hold gateway monotonic time in milliseconds (after clock sync).
 */

/** Pseudonymous, rotatable wearer id such as `op-7f3a` or `dr-19c2`. Never a person's name. */
export type WearerId = string;
export type DeviceId = string;
export type StationId = string;
export type Role = 'operator' | 'driver';

export type Clock = 'device' | 'gateway';

/** Gaze geometry: degrees of visual angle, or normalised scene coordinates (0..1, origin top left). */
export type GazeUnits = 'deg' | 'norm';

export interface GazeBatch {
  readonly kind: 'gaze';
  device: DeviceId;
  clock: Clock;
  units: GazeUnits;
  n: number;
  /** device clock: µs; gateway clock: ms */
  t: Float64Array;
  x: Float32Array;
  y: Float32Array;
  /** pupil diameter in mm; NaN when unknown */
  pupil: Float32Array;
  /** eye openness 0 (closed) .. 1 (fully open); NaN when the device does not report it */
  openness: Float32Array;
  /** 1 = sample valid (tracked), 0 = track lost for this sample */
  valid: Uint8Array;
}

/** Heart rate as reported by a strap. contact: 0 = not supported/unknown, 1 = no skin contact, 2 = contact. */
export interface HrBatch {
  readonly kind: 'hr';
  device: DeviceId;
  clock: Clock;
  n: number;
  t: Float64Array;
  bpm: Float32Array;
  contact: Uint8Array;
}

/** RR intervals in ms, stamped at the beat that ends each interval. */
export interface RrBatch {
  readonly kind: 'rr';
  device: DeviceId;
  clock: Clock;
  n: number;
  t: Float64Array;
  rrMs: Float32Array;
}

export interface EcgBatch {
  readonly kind: 'ecg';
  device: DeviceId;
  clock: Clock;
  n: number;
  t: Float64Array;
  uV: Float32Array;
}

/** Acceleration in milli-g per axis. */
export interface AccBatch {
  readonly kind: 'acc';
  device: DeviceId;
  clock: Clock;
  n: number;
  t: Float64Array;
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
}

export type SampleBatch = GazeBatch | HrBatch | RrBatch | EcgBatch | AccBatch;

/** Quality of one feature value in a frame. `unknown` values are NaN in `values`. */
export const FeatureQuality = {
  Unknown: 0,
  /** derived from a proxy (e.g. PERCLOS from closure episodes rather than openness) */
  Proxy: 1,
  Good: 2,
} as const;
export type FeatureQuality = (typeof FeatureQuality)[keyof typeof FeatureQuality];

/** One tick's features for one wearer; names and order are fixed by FEATURE_NAMES (and later the model manifest). */
export interface FeatureFrame {
  wearer: WearerId;
  /** gateway time, ms */
  t: number;
  values: Float32Array;
  quality: Uint8Array;
  /** per-AOI features (AOIs of the wearer's role from config); absent when there are none */
  aoi?: AoiFrame;
}

/** Per-AOI features of one tick: values[k * fields.length + f] (fields: AOI_FEATURE_NAMES). */
export interface AoiFrame {
  names: readonly string[];
  fields: readonly string[];
  values: Float32Array;
  quality: Uint8Array;
}

export type AttentionState = 'attentive' | 'distracted' | 'drowsy' | 'overloaded';

export interface AttentionEstimate {
  wearer: WearerId;
  t: number;
  /** null when the estimator cannot say (sensor lost, not enough data): never a guess */
  probs: Record<AttentionState, number> | null;
  /** 0..1, null when unknown */
  score: number | null;
  /** 0..1: share of the window backed by valid data */
  quality: number;
  /** the most likely state, or 'sensor_lost' / 'unknown' when there is no basis for one */
  state: AttentionState | 'sensor_lost' | 'unknown';
  estimator: string;
}

export type AlertState = 'active' | 'acked' | 'shelved' | 'cleared';

/**
 * Whom an alert addresses at its current level. Operators: level 1 the wearer (wearable haptic,
 * station light), level 2 the team lead, level 3 the supervisor (escalation; lower addressees
 * keep being notified). Drivers: always the wearer (in-cab warning), whatever the level.
 */
export type AlertAudience = 'wearer' | 'team_lead' | 'supervisor';

export interface Alert {
  /** one id per alert episode (raise .. clear), stable across its level changes */
  id: string;
  /** revision within the episode, 0 at raise; (id, rev) is unique per message: consumers de-duplicate on it */
  rev: number;
  wearer: WearerId;
  role: Role;
  station?: StationId;
  kind: string;
  level: 0 | 1 | 2 | 3;
  /** gateway time of the transition, ms since the Unix epoch (mapped from monotonic time by the orchestrator) */
  raisedAt: number;
  evidence: Record<string, number | string | boolean | null>;
  state: AlertState;
  /** whom this level addresses (set by the AlertTracker; optional for older producers) */
  audience?: AlertAudience;
  /** while shelved: epoch ms when the shelve ends */
  shelvedUntil?: number;
  /** who acknowledged or shelved it (pseudonymous actor id), on that revision and after */
  by?: string;
}

export type DecisionKind = 'break' | 'reassign' | 'line_speed' | 'rotate';

export interface Decision {
  id: string;
  kind: DecisionKind;
  targets: string[];
  reason: string;
  inputs: Record<string, number | string | boolean | null>;
  validUntil: number;
  state: DecisionState;
  /** epoch ms when the scheduler made it */
  createdAt?: number;
  /** the station it concerns, when there is one (breaks, reassignments): effects group by it */
  station?: StationId;
  /** who accepted or rejected it (pseudonymous actor id) and when (epoch ms) */
  decidedBy?: string;
  decidedAt?: number;
}

export type DecisionState = 'pending' | 'accepted' | 'rejected' | 'expired';
