/**
 * The per-tick feature vector, in a fixed order (the attention model's manifest refers to these
 * names; append, never reorder). Units are in the names. A value that cannot be computed is NaN
 * with quality Unknown (FeatureQuality in core/types.ts).
 */
export const FEATURE_NAMES = [
  'perclos', // share of seen time with the eye >= 80% closed (P80), perclos window (60 s)
  'blink_rate_per_min', // closure episodes per minute of seen time, perclos window
  'blink_mean_ms', // mean closure episode duration, perclos window
  'long_blinks_per_min', // closures > 500 ms per minute of seen time
  'eye_closed_s', // current continuous closure; 0 when open; unknown when the eye cannot be seen
  'fixation_rate_per_min', // I-VT fixations per minute of valid gaze, perclos window
  'fixation_mean_ms',
  'saccade_rate_per_min',
  'saccade_peak_vel_deg_s', // mean over saccades of each one's peak velocity
  'gaze_dispersion_deg', // RMS distance from the mean gaze point, 10 s window
  'pupil_rel', // pupil diameter / the wearer's own baseline
  'aoi_road_ahead_share', // dwell share on the "road_ahead" AOI, 30 s window
  'aoi_road_ahead_in', // 1 when the newest gaze sample is in it, 0 when not, unknown when invalid
  'off_road_glance_s', // duration of the current glance away from "road_ahead"; 0 when on it
  'gaze_valid_ratio', // share of valid gaze time over the last second
  'hr_bpm', // strap HR (Good), else 60000 / mean NN (Proxy); unknown without contact
  'rmssd_ms', // hrv window (60 s), artefact-corrected NN
  'sdnn_ms', // hrv window (60 s), artefact-corrected NN
  'activity_mg', // mean | |acc| - 1 g |, 5 s window
  'posture_change_deg', // angle between the mean gravity direction of the last 2 s and the 2 s before
  // --- appended (issue 5); windows from the `features` config section ---
  'blink_sd_ms', // sample SD of closure durations, perclos window; unknown below 5 closures
  'blink_p90_ms', // 90th percentile of closure durations (linear interpolation), perclos window; unknown below 5
  'aoi_road_ahead_glance_s', // duration of the current glance on "road_ahead"; 0 when off it
  'off_road_glance_max_s', // longest completed glance away from "road_ahead" ending in the AOI window; 0 when none
  'off_road_long_glances', // completed glances away from "road_ahead" longer than longGlanceAwayMs (2 s), AOI window
  'mean_nn_ms', // hrv window, artefact-corrected NN
  'sdsd_ms', // SD of successive differences (adjacent NN pairs), divisor M-1
  'nn50', // successive differences > 50 ms, hrv window
  'pnn50_pct', // nn50 / number of successive differences (N-1) x 100
  'nn20',
  'pnn20_pct',
  'sd1_ms', // Poincaré SD1, hrv window
  'sd2_ms', // Poincaré SD2, hrv window
  'lf_ms2', // LF power 0.04-0.15 Hz, spectral window (5 min), Welch on 4 Hz resampled NN
  'hf_ms2', // HF power 0.15-0.40 Hz, spectral window
  'lf_hf', // LF / HF, spectral window
  'rr_artefact_share', // share of RR intervals rejected as artefacts in the hrv window (0..1)
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

const INDEX = new Map<string, number>(FEATURE_NAMES.map((n, i) => [n, i]));

/**
 * Index of a feature in FeatureFrame.values; throws on an unknown name (a programming error,
 * caught at start-up where indices are resolved once). Cost: one Map lookup.
 *
 * @example
 *   const PERCLOS = featureIndex('perclos');
 *   frame.values[PERCLOS];
 */
export function featureIndex(name: FeatureName | string): number {
  const i = INDEX.get(name);
  if (i === undefined) throw new RangeError(`unknown feature '${name}'`);
  return i;
}
