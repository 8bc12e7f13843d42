import type { AttentionStateArchitecture } from './attention-state-network.ts';

/**
 * Hyper-parameters of `npm run train -- attention-state`, each with its unit and why. All of them
 * are recorded in the manifest entry; changing one changes the model file.
 */
export interface AttentionStateSettings {
  seed: number;
  version: string;
  /** gateway features the model reads, in its channel order (FEATURE_NAMES may grow; this list only changes with a retrain) */
  features: readonly string[];
  window: { frames: number; strideMs: number; clip: number };
  sampling: { trainEveryMs: number; evalEveryMs: number; warmupMs: number; tickMs: number; gazeRateHz: number };
  data: { trainScenarios: number; calibrationScenarios: number; testSeedScenarios: number; testTypeScenarios: number; wearersPerScenario: number; durationS: number; maxExampleS: number };
  architecture: Omit<AttentionStateArchitecture, 'frames' | 'channels'>;
  training: { epochs: number; batchSize: number; learningRate: number; scoreLossWeight: number; classWeightPower: number; dropoutProb: number; noiseSd: number };
  export: { checkRows: number; maxAbsDiff: number };
}

export const ATTENTION_STATE_SETTINGS: AttentionStateSettings = {
  /** seed of everything random: scenarios, simulator baselines, weights, shuffles, augmentation */
  seed: 1,
  /** model version written to the manifest */
  version: '1.0.0',
  features: [
    'perclos',
    'blink_rate_per_min',
    'blink_mean_ms',
    'long_blinks_per_min',
    'eye_closed_s',
    'fixation_rate_per_min',
    'fixation_mean_ms',
    'saccade_rate_per_min',
    'saccade_peak_vel_deg_s',
    'gaze_dispersion_deg',
    'pupil_rel',
    'aoi_road_ahead_share',
    'aoi_road_ahead_in',
    'off_road_glance_s',
    'gaze_valid_ratio',
    'hr_bpm',
    'rmssd_ms',
    'sdnn_ms',
    'activity_mg',
    'posture_change_deg',
    'blink_sd_ms',
    'blink_p90_ms',
    'aoi_road_ahead_glance_s',
    'off_road_glance_max_s',
    'off_road_long_glances',
    'mean_nn_ms',
    'sdsd_ms',
    'nn50',
    'pnn50_pct',
    'nn20',
    'pnn20_pct',
    'sd1_ms',
    'sd2_ms',
    'lf_ms2',
    'hf_ms2',
    'lf_hf',
    'rr_artefact_share',
  ],
  window: {
    /** steps per window */
    frames: 30,
    /** ms between steps: 30 x 0.5 s = 15 s of context, longer than a Euro NCAP long distraction (3 s) and a microsleep (1-3 s); the slow signals (PERCLOS 60 s, HRV 60 s) are windowed inside the features already */
    strideMs: 500,
    /** |z| clip: a value 6 SD from the training mean is already far outside what the model saw */
    clip: 6,
  },
  sampling: {
    /** ms between training samples of a wearer (windows overlap; 3 s keeps near-duplicates and training time down) */
    trainEveryMs: 3000,
    /** ms between evaluation samples */
    evalEveryMs: 2000,
    /** no samples in the first 20 s of a run: windows and baselines still filling */
    warmupMs: 20_000,
    /** the gateway's default tick and the demo's gaze rate */
    tickMs: 50,
    gazeRateHz: 120,
  },
  data: {
    /** training: scenarios x wearers of the `mixed` family, each script this long (s) */
    trainScenarios: 6,
    calibrationScenarios: 1,
    testSeedScenarios: 1,
    testTypeScenarios: 1,
    wearersPerScenario: 6,
    durationS: 360,
    /** hand-written scenario files are evaluated up to this length (s) */
    maxExampleS: 300,
  },
  architecture: { dim: 16, kernel: 3, heads: 2, hidden: 16 },
  training: {
    epochs: 8,
    batchSize: 128,
    /** Adam step size (Kingma & Ba 2015 default is 1e-3; small net, few epochs) */
    learningRate: 4e-3,
    /** weight of the score's squared error next to the cross-entropy */
    scoreLossWeight: 0.5,
    /** class weights: (N / (K n_c))^power, then scaled to mean 1 over rows; 0.5 = square root of inverse frequency, so rare states count without drowning the common one */
    classWeightPower: 0.5,
    /** augmented copy: share of rows that lose one sensor group for part of the window */
    dropoutProb: 0.5,
    /** Gaussian noise on the normalised values of present features (SD, in z units) */
    noiseSd: 0.05,
  },
  export: {
    /** rows compared between tfjs and onnxruntime before a model is written */
    checkRows: 256,
    /** largest allowed |tfjs - onnxruntime| per output */
    maxAbsDiff: 1e-5,
  },
};
