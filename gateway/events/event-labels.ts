/**
 * Sample labels of the eye-movement event detectors. Codes 1..6 are those of the Lund 2013
 * hand-labelled data (Andersson et al. 2017, Behav Res 49:616-637) and of `afg events detect`;
 * 7 is ours: track loss is not an eye movement and must never read as an eye state (a blink),
 * so the detectors keep it apart and the CLI writes it as 6 (undefined).
 */
export const EventLabel = {
  Fixation: 1,
  Saccade: 2,
  /** post-saccadic oscillation (glissade) */
  Pso: 3,
  Pursuit: 4,
  /** blink or eye closure (openness low, or a gap with eyelid artefacts at its edges) */
  Blink: 5,
  Undefined: 6,
  /** the tracker lost the eye and nothing says the eye was closed */
  TrackLoss: 7,
} as const;
export type EventLabel = (typeof EventLabel)[keyof typeof EventLabel];

/** The event types that are scored against hand labels (Andersson et al. 2017), in table order. */
export const SCORED_EVENTS = [
  { code: EventLabel.Fixation, name: 'fixation' },
  { code: EventLabel.Saccade, name: 'saccade' },
  { code: EventLabel.Pso, name: 'pso' },
  { code: EventLabel.Pursuit, name: 'pursuit' },
  { code: EventLabel.Blink, name: 'blink' },
  { code: EventLabel.Undefined, name: 'undefined' },
] as const;

export const LABEL_NAMES: Record<number, string> = {
  1: 'fixation',
  2: 'saccade',
  3: 'pso',
  4: 'pursuit',
  5: 'blink',
  6: 'undefined',
  7: 'track_loss',
};

/** The code written to label files: the six Lund codes (track loss is written as undefined). */
export function fileLabel(label: number): number {
  return label === EventLabel.TrackLoss ? EventLabel.Undefined : label;
}
