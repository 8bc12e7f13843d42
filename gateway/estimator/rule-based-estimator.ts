import type { AttentionEstimate, AttentionState, FeatureFrame, Role } from '../core/types.ts';
import { FEATURE_NAMES } from '../features/feature-names.ts';
import { MIN_VALID_GAZE_RATIO, sensorLostEstimate, type AttentionEstimator } from './attention-estimator.ts';

/**
 * Thresholds of the rule-based estimator, each with its unit and source. The estimator is a
 * transparent baseline until the learned ONNX model (models/attention-state) replaces it; it is
 * also the fallback when no model is configured.
 */
export const RULE_BASED_SETTINGS = {
  /** below this share of valid gaze in the window there is no basis for a state (ratio); shared by every estimator */
  minValidRatio: MIN_VALID_GAZE_RATIO,
  /** PERCLOS P80 above which drowsiness is likely (ratio); Wierwille et al. 1994, Dinges & Grace 1998 FHWA-MCRT-98-006 */
  perclosDrowsy: 0.15,
  /** current closure that counts as a microsleep (s); Euro NCAP 2023 DSM protocol, microsleep 1-3 s */
  closureDrowsyS: 1.0,
  /** long blinks per minute signalling drowsiness (1/min); Schleicher et al. 2008, Ergonomics 51(7) */
  longBlinksDrowsyPerMin: 3,
  /** continuous glance away from the task area counted as distraction (s); Euro NCAP 2023: long distraction >= 3 s */
  glanceAwayDistractedS: 3,
  /** gaze share on the task area below which attention is elsewhere (ratio); NHTSA 2013 visual-manual guidelines (85% on road) */
  taskShareDistracted: 0.6,
  /** pupil diameter relative to own baseline signalling cognitive load (ratio); Beatty 1982, Psychol. Bull. 91(2): 0.1-0.5 mm on ~3.5 mm */
  pupilOverload: 1.1,
  /** RMSSD relative drop under load is not observable without a baseline; absolute RMSSD below this (ms) adds evidence; Castaldo et al. 2015 */
  rmssdOverloadMs: 25,
  /** fixation mean duration above this suggests high processing load (ms); Holmqvist et al. 2011, Eye Tracking, ch. 11 */
  fixationOverloadMs: 450,
} as const;

const IDX: Record<string, number> = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i]));

function v(frame: FeatureFrame, name: string): number {
  const i = IDX[name];
  return i === undefined ? NaN : frame.values[i]!;
}

/** Logistic squashing of evidence: 0 at far below threshold, 0.5 at it, ~1 well above. */
function evidence(x: number, threshold: number, width: number): number {
  if (Number.isNaN(x)) return 0;
  return 1 / (1 + Math.exp(-(x - threshold) / width));
}

/**
 * Rule-based attention estimator: maps one FeatureFrame to an AttentionEstimate by weighting
 * published thresholds. Missing data gives `sensor_lost` with null probabilities, never a state.
 *
 * Cost: O(features) per call, no allocation beyond the result.
 *
 * @example
 *   const est = new RuleBasedEstimator();
 *   const e = est.estimate(frame, 'driver');
 */
export class RuleBasedEstimator implements AttentionEstimator {
  readonly name = 'rule-based/1';

  /** One estimate per frame; synchronous. */
  estimateBatch(frames: readonly FeatureFrame[], roles: readonly Role[]): AttentionEstimate[] {
    const out = new Array<AttentionEstimate>(frames.length);
    for (let i = 0; i < frames.length; i++) out[i] = this.estimate(frames[i]!, roles[i]!);
    return out;
  }

  estimate(frame: FeatureFrame, role: Role): AttentionEstimate {
    const s = RULE_BASED_SETTINGS;
    const valid = v(frame, 'gaze_valid_ratio');
    if (Number.isNaN(valid) || valid < s.minValidRatio) return sensorLostEstimate(frame, this.name);
    const drowsy = Math.max(
      evidence(v(frame, 'perclos'), s.perclosDrowsy, 0.03),
      evidence(v(frame, 'eye_closed_s'), s.closureDrowsyS, 0.15),
      evidence(v(frame, 'long_blinks_per_min'), s.longBlinksDrowsyPerMin, 0.8),
    );
    const taskShare = role === 'driver' ? v(frame, 'aoi_road_ahead_share') : NaN;
    const distracted = Math.max(
      evidence(v(frame, 'off_road_glance_s'), s.glanceAwayDistractedS, 0.4),
      Number.isNaN(taskShare) ? 0 : evidence(-taskShare, -s.taskShareDistracted, 0.05),
    );
    const overloaded =
      0.5 * evidence(v(frame, 'pupil_rel'), s.pupilOverload, 0.02) +
      0.25 * evidence(-v(frame, 'rmssd_ms'), -s.rmssdOverloadMs, 3) +
      0.25 * evidence(v(frame, 'fixation_mean_ms'), s.fixationOverloadMs, 50);
    const attentive = Math.max(0, 1 - Math.max(drowsy, distracted, overloaded));
    const sum = attentive + drowsy + distracted + overloaded;
    const probs: Record<AttentionState, number> = {
      attentive: attentive / sum,
      distracted: distracted / sum,
      drowsy: drowsy / sum,
      overloaded: overloaded / sum,
    };
    let state: AttentionState = 'attentive';
    for (const k of ['distracted', 'drowsy', 'overloaded'] as const) if (probs[k] > probs[state]) state = k;
    return { wearer: frame.wearer, t: frame.t, probs, score: probs.attentive, quality: valid, state, estimator: this.name };
  }
}
