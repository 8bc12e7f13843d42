/**
 * The per-tick feature vector, in a fixed order (the attention model's manifest refers to these
 * names). Units are in the names. A value that cannot be computed is NaN with quality Unknown.
 */
export const FEATURE_NAMES = [
  'perclos', // share of valid time with the eye >= 80% closed, 60 s window (P80)
  'blink_rate_per_min',
  'blink_mean_ms',
  'long_blinks_per_min', // closures > 500 ms
  'eye_closed_s', // current continuous closure; 0 when open
  'fixation_rate_per_min',
  'fixation_mean_ms',
  'saccade_rate_per_min',
  'saccade_peak_vel_deg_s',
  'gaze_dispersion_deg', // RMS distance from the mean gaze point, 10 s window
  'pupil_rel', // pupil diameter / the wearer's own baseline
  'aoi_road_ahead_share', // dwell share on the "road_ahead" AOI, 30 s window
  'aoi_road_ahead_in', // 1 when the current gaze is in it, 0 when not
  'off_road_glance_s', // duration of the current glance away from "road_ahead"
  'gaze_valid_ratio', // share of valid gaze time over the last second
  'hr_bpm',
  'rmssd_ms', // 60 s window, artefact-corrected
  'sdnn_ms', // 60 s window, artefact-corrected
  'activity_mg', // mean |acceleration magnitude - 1 g|, 5 s window
  'posture_change_deg', // angle between the gravity direction now and 2 s before
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

const INDEX = new Map<string, number>(FEATURE_NAMES.map((n, i) => [n, i]));

/** Index of a feature in FeatureFrame.values; throws on an unknown name (a programming error). */
export function featureIndex(name: FeatureName | string): number {
  const i = INDEX.get(name);
  if (i === undefined) throw new RangeError(`unknown feature '${name}'`);
  return i;
}
