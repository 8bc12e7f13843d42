/** Mean attention metrics of one wearer over one window; null where the window held no valid data. */
export interface WindowMetrics {
  /** mean attention score (0..1) over the estimates with a score */
  score: number | null;
  /** mean PERCLOS (ratio) over the ticks where it was known */
  perclos: number | null;
  /** seconds of the window backed by a known score */
  coveredS: number;
}

/**
 * The measured effect of one intervention on one wearer (issue 7 §4): attention before it vs
 * after it. Stored in the store's `effects` list and aggregated by `EffectEvaluator.summary()`.
 */
export interface EffectRecord {
  /** the intervention: decision id or alert id */
  id: string;
  /** decision kind ('break', 'reassign', 'line_speed', 'rotate') or `ack:<alert kind>` */
  kind: string;
  wearer: string;
  station: string | null;
  /** epoch ms when the intervention took effect (accept time, ack time) */
  at: number;
  before: WindowMetrics;
  after: WindowMetrics;
  /** after - before; null when either side is unknown. A good intervention raises the score and lowers PERCLOS. */
  deltaScore: number | null;
  deltaPerclos: number | null;
  /** the windows used, seconds: before [at - beforeS, at], after [at + delayS, at + delayS + afterS] */
  beforeS: number;
  delayS: number;
  afterS: number;
}
