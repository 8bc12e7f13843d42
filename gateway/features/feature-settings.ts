/**
 * Windows and limits of the per-tick features, one settings object with units and sources
 * (the `features` section of the config; examples/config.yaml documents each field). Windows
 * are trailing: a value at tick t covers [t - window, t).
 */
export interface FeatureSettings {
  /** PERCLOS P80 and blink statistics (ms). 60 s: Wierwille et al. 1994 / Dinges & Grace 1998 used 1-3 min; 60 s is the common in-vehicle choice */
  perclosWindowMs: number;
  /** fixation / saccade rates and durations (ms) */
  eyeMovementWindowMs: number;
  /** gaze dispersion (ms) */
  dispersionWindowMs: number;
  /** share of valid gaze (ms) */
  validRatioWindowMs: number;
  /** AOI dwell share and glance history (ms) */
  aoiWindowMs: number;
  /** HRV time domain: mean NN, SDNN, RMSSD, SDSD, NN50, pNN50, SD1, SD2 (ms). >= 60 s: ultra-short RMSSD is usable from ~60 s (Munoz et al. 2015, PLoS ONE 10(9)) */
  hrvWindowMs: number;
  /** HRV frequency domain: LF, HF, LF/HF (ms). 5 min is the Task Force (1996) short-term standard */
  spectralWindowMs: number;
  /** LF/HF are recomputed when tick time crosses a multiple of this (ms); a 5 min spectrum moves slowly, and one costs ~45 µs */
  spectralEveryMs: number;
  /** accelerometer activity level (ms) */
  activityWindowMs: number;
  /** posture change: mean gravity direction of the last window vs the one before (ms) */
  postureWindowMs: number;
  /** share of a window that must be backed by valid data, else the feature is unknown (0..1) */
  minValidShare: number;
  /** closures longer than this are long blinks (ms); 500 ms: blinks last ~100-400 ms (Stern et al. 1984), longer ones mark drowsiness (Schleicher et al. 2008) */
  longBlinkMs: number;
  /** glances away from an AOI longer than this are counted as long (ms); 2 s: NHTSA 2013 visual-manual guidelines (single off-road glance <= 2 s) */
  longGlanceAwayMs: number;
  /** valid pupil time that forms the wearer's own baseline (ms) */
  pupilBaselineMs: number;
}

export const FEATURE_DEFAULTS: Readonly<FeatureSettings> = Object.freeze({
  perclosWindowMs: 60_000,
  eyeMovementWindowMs: 60_000,
  dispersionWindowMs: 10_000,
  validRatioWindowMs: 1_000,
  aoiWindowMs: 30_000,
  hrvWindowMs: 60_000,
  spectralWindowMs: 300_000,
  spectralEveryMs: 10_000,
  activityWindowMs: 5_000,
  postureWindowMs: 2_000,
  minValidShare: 0.5,
  longBlinkMs: 500,
  longGlanceAwayMs: 2_000,
  pupilBaselineMs: 120_000,
});

/** Bounds per field (inclusive), shared by the config schema and the constructor check. */
export const FEATURE_BOUNDS: Readonly<Record<keyof FeatureSettings, readonly [number, number]>> = Object.freeze({
  perclosWindowMs: [10_000, 600_000],
  eyeMovementWindowMs: [10_000, 600_000],
  dispersionWindowMs: [1_000, 60_000],
  validRatioWindowMs: [250, 10_000],
  aoiWindowMs: [1_000, 600_000],
  hrvWindowMs: [10_000, 600_000],
  // the LF band needs several 25 s cycles: below 2 min the frequency domain is not estimated
  spectralWindowMs: [120_000, 600_000],
  spectralEveryMs: [250, 60_000],
  activityWindowMs: [250, 60_000],
  postureWindowMs: [250, 30_000],
  minValidShare: [0.05, 1],
  longBlinkMs: [100, 5_000],
  longGlanceAwayMs: [500, 10_000],
  pupilBaselineMs: [10_000, 3_600_000],
});

/**
 * Defaults filled in and every field checked against FEATURE_BOUNDS; throws RangeError naming
 * the field (the config schema reports the same bounds with the field's path at start-up).
 *
 * @example
 *   const s = resolveFeatureSettings({ perclosWindowMs: 120_000 });
 */
export function resolveFeatureSettings(partial: Partial<FeatureSettings> = {}): FeatureSettings {
  const s = { ...FEATURE_DEFAULTS, ...partial };
  for (const k of Object.keys(FEATURE_BOUNDS) as (keyof FeatureSettings)[]) {
    const [lo, hi] = FEATURE_BOUNDS[k];
    const v = s[k];
    if (typeof v !== 'number' || !(v >= lo && v <= hi)) throw new RangeError(`features.${k} must be a number in [${lo}, ${hi}], got ${String(v)}`);
  }
  return s;
}
