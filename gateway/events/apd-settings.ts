/**
 * Settings of the adaptive, pursuit-aware detector (`apd`, apd-detector.ts). Every value is
 * physical (ms, deg, deg/s) or a noise multiple, with its reason, and none is fitted per file
 * (the thresholds adapt to each stream's noise). Values a source does not dictate (noiseK,
 * the pursuit floors, keep-share, the PSO end) were set while the whole Lund 2013 set was being
 * checked — there is no held-out part for apd — so its Lund figures are in-sample for them
 * (docs/event-detection.md, "How apd's parameters were set").
 */
export const APD_SETTINGS = {
  // --- velocity -------------------------------------------------------------------------------
  /** ms, half-width of the smoothed velocity (least-squares slope; at 500 Hz the 5-point
   *  Savitzky-Golay differentiator): suppresses the sample-to-sample jitter video trackers show
   *  inside saccades while keeping onsets within a sample */
  smoothHalfMs: 5,
  /** ms, half-width of the fine velocity (nearest neighbours: the central difference): finds the
   *  turning point where a saccade ends and its PSO begins */
  fineHalfMs: 1,
  /** ms, samples further apart are not neighbours (a gap); 60 Hz steps are 16.7 ms */
  maxStepMs: 40,
  // --- saccades (Nyström & Holmqvist 2010, thresholds as in REMoDNaV, Dar et al. 2021) --------
  /** onset threshold = median + k MAD of the speed, peak threshold = median + 2k MAD */
  noiseK: 5,
  /** deg/s, the peak threshold never falls below Olsen's (2012) I-VT saccade threshold, 30 deg/s,
   *  and the onset threshold never below half of it (the onset/peak ratio k / 2k above): on a
   *  quiet tracker (0.01 deg RMS at 1000 Hz) the noise alone would put them at ~4 / ~7 deg/s,
   *  below pursuit speeds, and a saccade into pursuit would never end (docs/event-detection.md,
   *  Known limits). On Lund 2013 (SMI, 500 Hz) the adaptive values lie above these nearly always */
  minPeakDegS: 30,
  minOnsetDegS: 15,
  /** ms, memory of the speed histogram behind the thresholds */
  noiseMemoryMs: 10_000,
  /** ms, the onset lies at most this far before the peak-threshold crossing */
  onsetWalkMs: 50,
  /** ms, shorter candidates are noise (NH2010: 10 ms) */
  minSaccadeMs: 10,
  /** ms, longer "saccades" are artefacts: a 40 deg saccade lasts ~110 ms (2.2 ms/deg + 21 ms, Carpenter 1988) */
  maxSaccadeMs: 150,
  /** ms, the smooth (pursuit) velocity before a saccade is measured over this time; a catch-up
   *  saccade ends, and its PSO settles, relative to the pursuit it interrupts */
  baselineMs: 60,
  // --- PSO ------------------------------------------------------------------------------------
  /** ms, a PSO shows above-onset speed within this time after the saccade's turning point */
  psoStartMs: 20,
  /** ms, PSOs last 10-40 ms, rarely more (NH2010: mean 24 ms); longer motion is not a PSO */
  psoMaxMs: 80,
  /** the PSO ends when the fine speed falls below median + psoEndK MAD (back to noise) */
  psoEndK: 2,
  /** ms, ... and stays there this long (a lone slow sample is a turning point of the wobble) */
  psoSettleMs: 4,
  /** inside a PSO, smoothed speed above the peak threshold and above this share of the
   *  saccade's peak starts a new saccade (a PSO is slower than the saccade it follows) */
  newSaccadeShare: 1,
  // --- smooth pursuit vs fixation ---------------------------------------------------------------
  /** ms, half-width of the window (inside one intersaccadic interval) whose least-squares
   *  velocity decides: over 400 ms fixational drift (diffusive, net speed ~ T^-1/2) and the
   *  post-saccadic drift of pupil-CR trackers (decays within ~200 ms) stay slow, pursuit does not */
  pursuitHalfMs: 200,
  /** deg/s, pursuit is faster than this over the window (drift ~0.1-1 deg/s, Martinez-Conde
   *  et al. 2004; REMoDNaV uses 2 deg/s on low-passed gaze) */
  pursuitMinDegS: 2.5,
  /** deg, and moves the eye at least this far over the window (short intervals need a higher
   *  speed: a finite drift of this size is not pursuit however short the interval) */
  pursuitMinDeg: 0.75,
  /** and keeps its speed: the window's second half at least this share as fast as its first
   *  (the post-saccadic drift of pupil-CR trackers decays, Nyström et al. 2013; pursuit holds) */
  pursuitKeepShare: 0.5,
  /** and its direction: cosine between the halves' velocities (-1: no test) */
  pursuitMinCos: -1,
  // --- blinks and track loss ----------------------------------------------------------------------
  /** ms, a loss this short (last valid to next valid) between fixation samples is filled (Olsen 2012: 75 ms) */
  gapFillMs: 75,
  /** ms, lid-closed gaps of a blink: at least this long (shorter losses are tracker dropouts) ... */
  blinkMinGapMs: 20,
  /** ms, ... and at most this long without openness data (blinks last 100-400 ms, Caffier et al.
   *  2003); longer losses are track loss, never assumed closed eyes */
  blinkMaxGapMs: 500,
  /** ms, eyelid artefacts (the pupil centre dragged by the lid) before the gap: lid closing takes ~100 ms */
  blinkBeforeMs: 150,
  /** ms, and after it: reopening is slower, ~200-300 ms (Evinger et al. 1991) */
  blinkAfterMs: 300,
  /** openness at or below this is a closed eye (P80: >= 80 % closed) */
  closedOpenness: 0.2,
} as const;

export type ApdSettings = { -readonly [K in keyof typeof APD_SETTINGS]: number };
