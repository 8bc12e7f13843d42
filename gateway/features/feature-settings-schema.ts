import { Type } from '@sinclair/typebox';
import { FEATURE_BOUNDS as B, FEATURE_DEFAULTS as D, type FeatureSettings } from './feature-settings.ts';

const ms = (k: keyof FeatureSettings, description: string) => Type.Integer({ minimum: B[k][0], maximum: B[k][1], default: D[k], description });

/**
 * The `features` section of the config: per-tick feature windows and limits. Bounds and
 * defaults come from FEATURE_BOUNDS / FEATURE_DEFAULTS, so the schema and WearerFeatures agree.
 */
export const FeaturesConfigSchema = Type.Object(
  {
    perclosWindowMs: ms('perclosWindowMs', 'PERCLOS P80 and blink statistics window, ms'),
    eyeMovementWindowMs: ms('eyeMovementWindowMs', 'fixation and saccade rate / duration window, ms'),
    dispersionWindowMs: ms('dispersionWindowMs', 'gaze dispersion window, ms'),
    validRatioWindowMs: ms('validRatioWindowMs', 'valid-gaze share window, ms'),
    aoiWindowMs: ms('aoiWindowMs', 'AOI dwell share and glance history window, ms'),
    hrvWindowMs: ms('hrvWindowMs', 'HRV time-domain window, ms'),
    spectralWindowMs: ms('spectralWindowMs', 'HRV LF/HF window, ms'),
    spectralEveryMs: ms('spectralEveryMs', 'LF/HF recomputation period, ms'),
    activityWindowMs: ms('activityWindowMs', 'accelerometer activity window, ms'),
    postureWindowMs: ms('postureWindowMs', 'posture-change half window, ms'),
    minValidShare: Type.Number({ minimum: B.minValidShare[0], maximum: B.minValidShare[1], default: D.minValidShare, description: 'share of a window that must hold valid data, else unknown' }),
    longBlinkMs: ms('longBlinkMs', 'closures longer than this are long blinks, ms'),
    longGlanceAwayMs: ms('longGlanceAwayMs', 'glances away from an AOI longer than this are long, ms'),
    pupilBaselineMs: ms('pupilBaselineMs', 'valid pupil time forming the wearer baseline, ms'),
  },
  { additionalProperties: false, default: {}, description: 'per-tick feature windows and limits' },
);
