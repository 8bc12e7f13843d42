import { EYE_EVENTS_CHANNELS } from '../../../gateway/events/eye-events-features.ts';
import type { EyeEventsArchitecture } from './eye-events-network.ts';

/**
 * Everything that decides the eye-events model, in one object (recorded in the manifest). Times
 * are in grid steps of 2 ms unless a name says otherwise.
 */
export interface EyeEventsSettings {
  version: string;
  seed: number;
  /**
   * The held-out recordings, by participant: every recording of these participants (images and
   * moving dots) is kept out of training and only evaluated. Fixed here so that the figures in
   * the card are always on the same data.
   */
  heldOutParticipants: readonly string[];
  architecture: Omit<EyeEventsArchitecture, 'channels' | 'classes'>;
  training: {
    /** steps of a crop whose outputs are trained on (the crop adds the network's context around them) */
    cropSteps: number;
    /** crops per epoch: this many times (recording steps / cropSteps), per stimulus type */
    cropsPerCover: number;
    /** moving-dot recordings are 1/6 of the steps: drawn this many times more often */
    dotsOversample: number;
    epochs: number;
    batchSize: number;
    learningRate: number;
    /** the learning rate falls to this fraction of itself by the last epoch (cosine) */
    finalLearningRateFraction: number;
    /** class weight = (n / (K n_c)) ^ power (0: none, 1: fully balanced) */
    classWeightPower: number;
    /**
     * Copies of each training recording thinned to a lower rate (every k-th sample, random
     * phase), so the model also learns gaze as slower trackers report it; k per copy.
     */
    rateThinning: readonly number[];
  };
  export: { maxAbsDiff: number; checkSteps: number };
}

export const EYE_EVENTS_SETTINGS: EyeEventsSettings = {
  version: '1.0.0',
  seed: 1,
  // 4 of 13 image participants (one of them recorded at 200 Hz), 2 of 10 moving-dot participants
  // (3 of 11 recordings); UH21 and UL39 have both stimulus types, all of them held out.
  heldOutParticipants: ['TL28', 'UH21', 'UH47', 'UL39'],
  architecture: {
    dim: 32,
    kernel: 3,
    // future taps: 1 + 2 + 4 + 8 + 16 + 16 = 47 steps = 94 ms; past: 47 + 64 + 128 = 239 steps = 478 ms
    blocks: [
      { dilation: 1, future: 1 },
      { dilation: 2, future: 1 },
      { dilation: 4, future: 1 },
      { dilation: 8, future: 1 },
      { dilation: 16, future: 1 },
      { dilation: 16, future: 1 },
      { dilation: 32, future: 0 },
      { dilation: 64, future: 0 },
    ],
    hidden: 32,
  },
  training: {
    cropSteps: 512,
    cropsPerCover: 1,
    dotsOversample: 2,
    epochs: 40,
    batchSize: 16,
    learningRate: 3e-3,
    finalLearningRateFraction: 0.05,
    classWeightPower: 0.5,
    rateThinning: [],
  },
  export: { maxAbsDiff: 1e-5, checkSteps: 2000 },
};

export const EYE_EVENTS_INPUT_CHANNELS = EYE_EVENTS_CHANNELS;
