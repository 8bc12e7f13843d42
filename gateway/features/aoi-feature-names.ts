/**
 * The per-AOI features of a tick, for every AOI of the wearer's role (names from config), in
 * FeatureFrame.aoi: values[k * AOI_FEATURE_NAMES.length + f] for AOI k and field f. Times in
 * seconds; windows: `features.aoiWindowMs`. Unknown is NaN with quality Unknown.
 */
export const AOI_FEATURE_NAMES = [
  'in', // 1 when the newest gaze sample is in the AOI, 0 when not; unknown when it is invalid or stale
  'share', // dwell share of valid gaze time in the window; unknown below minValidShare of valid time
  'glance_s', // current glance on the AOI; 0 when off it
  'away_s', // current glance away from the AOI; 0 when on it
  'glances', // completed glances on the AOI ending in the window
  'glance_mean_s', // their mean duration; unknown when there is none
  'glance_max_s', // their longest; unknown when there is none
  'away_max_s', // longest completed glance away from the AOI in the window; 0 when none
  'long_aways', // completed glances away longer than features.longGlanceAwayMs in the window
] as const;

export type AoiFeatureName = (typeof AOI_FEATURE_NAMES)[number];

/** Index of a field in one AOI's block of FeatureFrame.aoi.values; throws on an unknown name. */
export function aoiFeatureIndex(name: AoiFeatureName | string): number {
  const i = (AOI_FEATURE_NAMES as readonly string[]).indexOf(name);
  if (i < 0) throw new RangeError(`unknown AOI feature '${name}'`);
  return i;
}
