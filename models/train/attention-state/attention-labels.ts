import { emptyConditions, type Conditions, type ScenarioTimeline } from '../../../firmware-bridge/simulator/scenario-timeline.ts';
import { ATTENTION_LABELS } from '../../../gateway/inference/model-manifest.ts';

export type AttentionLabel = (typeof ATTENTION_LABELS)[number];

/**
 * How the simulator's scripted conditions become training targets, each rule with its reason:
 * - glance_away: `distracted` once the glance has lasted 1 s (a glance is not distraction at
 *   its first moment); a glance of under 2 s in all is a normal check (mirror, display) and stays
 *   `attentive` (Euro NCAP 2023 counts distraction from 3 s off road; NHTSA 2013 tolerates 2 s).
 * - idle (away from the task, gaze wandering): `distracted`.
 * - drowsy: `drowsy` from severity 0.35 on the segment's ramp, and during a microsleep; before
 *   that the wearer is still physiologically alert, so `attentive`.
 * - overload: `overloaded` from load 0.5 on the segment's onset; `attentive` before.
 * - sensor_loss of gaze (or all): no target. The gateway gives `sensor_lost` before any model
 *   runs, so the model is never asked, and never trained, to guess a state without the eyes.
 * - sensor_loss of the heart only: `attentive` (the wearer works on; only the strap is gone):
 *   this teaches the model that missing heart features are not a state.
 * The score target is the attention left for the task: 1 attentive, 1 - 0.8 x severity when
 * drowsy (0 in a microsleep), 1 - 0.6 x load when overloaded, 0.1 when distracted. These are
 * engineering choices, stated in the model card, not measured quantities.
 */
export const LABEL_RULES = {
  glanceDistractedAfterMs: 1000,
  glanceCheckMaxMs: 2000,
  drowsySeverity: 0.35,
  overloadLoad: 0.5,
  drowsyScoreSlope: 0.8,
  overloadScoreSlope: 0.6,
  distractedScore: 0.1,
} as const;

export interface Target {
  label: AttentionLabel;
  index: number;
  score: number;
}

const scratch: Conditions = emptyConditions();

/** The target at tMs of a wearer whose script is `timeline`, or null when there is none (gaze lost). */
export function targetAt(timeline: ScenarioTimeline, tMs: number): Target | null {
  const c = timeline.conditionsAt(tMs, scratch);
  const R = LABEL_RULES;
  let label: AttentionLabel = 'attentive';
  let score = 1;
  switch (c.state) {
    case 'sensor_loss':
      if (c.gazeLost) return null;
      break;
    case 'glance_away':
      if (c.endMs - c.startMs >= R.glanceCheckMaxMs && tMs - c.startMs >= R.glanceDistractedAfterMs) {
        label = 'distracted';
        score = R.distractedScore;
      }
      break;
    case 'idle':
      label = 'distracted';
      score = R.distractedScore;
      break;
    case 'drowsy':
      if (c.microsleep) {
        label = 'drowsy';
        score = 0;
      } else if (c.drowsy >= R.drowsySeverity) {
        label = 'drowsy';
        score = 1 - R.drowsyScoreSlope * c.drowsy;
      }
      break;
    case 'overload':
      if (c.load >= R.overloadLoad) {
        label = 'overloaded';
        score = 1 - R.overloadScoreSlope * c.load;
      }
      break;
    case 'attentive':
      break;
  }
  return { label, index: ATTENTION_LABELS.indexOf(label), score };
}
