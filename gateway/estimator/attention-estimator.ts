import type { AttentionEstimate, FeatureFrame, Role } from '../core/types.ts';
import { featureIndex } from '../features/feature-names.ts';

/**
 * What the pipeline needs from an estimator: one estimate per frame, for all wearers of a tick
 * at once (an ONNX model runs them as one batch). Synchronous estimators return the array;
 * a model run returns a promise. Estimates come back in the order of the frames.
 */
export interface AttentionEstimator {
  /** e.g. 'rule-based/1' or 'attention-state/1.0.0'; estimates carry the name that produced them */
  readonly name: string;
  estimateBatch(frames: readonly FeatureFrame[], roles: readonly Role[]): AttentionEstimate[] | Promise<AttentionEstimate[]>;
}

/**
 * Below this share of valid gaze over the last second there is no basis for any state: the
 * estimate is `sensor_lost` with null probabilities, whichever estimator runs (ratio; assumed:
 * half of the last second must be observed).
 */
export const MIN_VALID_GAZE_RATIO = 0.5;

const VALID = featureIndex('gaze_valid_ratio');

/** The frame's valid-gaze ratio (NaN when unknown). */
export function validGazeRatio(frame: FeatureFrame): number {
  return frame.values[VALID]!;
}

/** True when the frame has enough valid gaze for a state (NaN never has). */
export function hasGazeBasis(frame: FeatureFrame): boolean {
  return validGazeRatio(frame) >= MIN_VALID_GAZE_RATIO;
}

/** The estimate for a wearer whose sensor is lost: no probabilities, no score, never a state. */
export function sensorLostEstimate(frame: FeatureFrame, estimator: string): AttentionEstimate {
  const valid = validGazeRatio(frame);
  return { wearer: frame.wearer, t: frame.t, probs: null, score: null, quality: Number.isNaN(valid) ? 0 : valid, state: 'sensor_lost', estimator };
}

/** The estimate when the sensor is there but the estimator has no basis yet (window filling). */
export function unknownEstimate(frame: FeatureFrame, estimator: string): AttentionEstimate {
  const valid = validGazeRatio(frame);
  return { wearer: frame.wearer, t: frame.t, probs: null, score: null, quality: Number.isNaN(valid) ? 0 : valid, state: 'unknown', estimator };
}
