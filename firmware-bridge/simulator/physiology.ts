/**
 * Physiological parameters of the signal simulator, each with where it comes from. Individual
 * wearers get their own values drawn around these (see SignalSimulator), so a fleet is not
 * eight copies of one person. Values marked "assumed" are engineering choices, not findings.
 */
export const PHYSIOLOGY = {
  // ---- blinks and eyelids ----
  /** spontaneous blink rate at rest, blinks/min: Bentivoglio et al. 1997, Mov. Disord. 12(6):1028-1034 (17/min mean) */
  blinkRatePerMin: 17,
  /** blink rate during visually demanding work relative to rest: Bentivoglio et al. 1997 (reading 4.5/min); assumed 0.7 for bench/driving work */
  workBlinkRateFactor: 0.7,
  /** alert blink duration, ms: Stern, Walrath & Goldstein 1984, Psychophysiology 21(1):22-33 (100-400 ms); Caffier et al. 2003, Eur. J. Appl. Physiol. 89:319-325 (~200 ms alert) */
  blinkDurationMs: 200,
  /** coefficient of variation of blink durations (assumed; gives the 100-400 ms spread of Stern et al. 1984) */
  blinkDurationCv: 0.3,
  /** blink duration at full drowsiness, ms: Caffier et al. 2003 (drowsy blinks lengthen markedly); Schleicher et al. 2008, Ergonomics 51(7):982-1010 (long blinks > 500 ms before sleep) */
  drowsyBlinkDurationMs: 600,
  /** blink rate increase at full drowsiness (factor): Stern, Boyer & Schroeder 1994, Hum. Factors 36(2):285-297 (more and longer blinks with time on task) */
  drowsyBlinkRateFactor: 1.5,
  /** share of blinks that become slow eyelid closures (1-2.5 s) at full drowsiness: Wierwille et al. 1994, NHTSA DOT HS 808 247 (PERCLOS driven by long closures); share assumed */
  drowsySlowClosureShare: 0.12,
  /** resting eyelid aperture as openness (0..1) and its droop at full drowsiness (ptosis); assumed, consistent with P80 PERCLOS staying < 5% alert and > 15% drowsy (Dinges & Grace 1998, FHWA-MCRT-98-006) */
  alertOpenness: 0.9,
  drowsyOpennessDroop: 0.3,
  /** openness while the eyes are shut in a microsleep; P80 counts <= 0.2 as closed (Wierwille et al. 1994) */
  closedOpenness: 0.03,

  // ---- eye movements ----
  /** fixation duration mean, ms: Rayner 1998, Psychol. Bull. 124(3):372-422 (scene viewing ~ 330 ms); Holmqvist et al. 2011, "Eye Tracking" (200-400 ms) */
  fixationMs: 300,
  /** coefficient of variation of fixation durations (assumed; fixation durations are right-skewed, Rayner 1998) */
  fixationCv: 0.45,
  /** fixation duration under high cognitive load, ms: Recarte & Nunes 2000, J. Exp. Psychol. Appl. 6(1):31-43 (longer fixations, gaze concentration under mental load) */
  overloadFixationMs: 480,
  /** spatial spread of gaze under load relative to normal: Recarte & Nunes 2000 (gaze concentration); factor assumed */
  overloadSpreadFactor: 0.6,
  /** saccade duration main sequence, ms = slope * amplitude + intercept: Carpenter 1988, "Movements of the Eyes" 2nd ed. (2.2 ms/deg + 21 ms) */
  saccadeSlopeMsPerDeg: 2.2,
  saccadeInterceptMs: 21,
  /**
   * saccadic peak velocity saturating with amplitude, Vp = vMax (1 - exp(-A / c)): Bahill, Clark &
   * Stark 1975, Math. Biosci. 24:191-204 (saturation near 500 deg/s). The constant c (assumed)
   * keeps a minimum-jerk profile with Carpenter's durations inside this envelope up to ~12 deg;
   * larger saccades are lengthened to the saturated peak velocity.
   */
  saccadePeakVelocityDegS: 500,
  saccadePeakVelocityConstDeg: 4,
  /** saccades slow down with sleepiness (longer, lower peak velocity): Di Stasi et al. 2013, Neurosci. Biobehav. Rev. 37(8):1740-1752; +30% duration at full drowsiness assumed */
  drowsySaccadeSlowing: 0.3,
  /** microsaccade rate (1/s) and amplitude (deg): Martinez-Conde, Macknik & Hubel 2004, Nat. Rev. Neurosci. 5:229-240 (1-2/s, < 1 deg); Engbert & Kliegl 2003, Vision Res. 43:1035-1045 */
  microsaccadeRateHz: 1.5,
  microsaccadeAmplitudeDeg: 0.3,
  /** microsaccade duration, ms: Martinez-Conde et al. 2004 (~ 6-30 ms) */
  microsaccadeMs: 20,
  /** fixational drift: random walk kept within ~0.1-0.2 deg over a fixation, Martinez-Conde et al. 2004 (drift spans a few arcmin) */
  driftStepDeg: 0.008,
  /** tracker measurement noise (RMS, deg) of a good head-mounted video tracker: Holmqvist et al. 2011 ch. 2 (precision 0.01-0.05 deg) */
  measurementNoiseDeg: 0.03,

  // ---- pupil ----
  /** baseline pupil diameter, mm: Winn et al. 1994, Invest. Ophthalmol. Vis. Sci. 35(3):1132-1137 (adults, moderate light: 3-4 mm, shrinking with age) */
  pupilMm: 3.5,
  pupilBetweenSdMm: 0.3,
  /** task-evoked dilation under load, mm: Kahneman & Beatty 1966, Science 154:1583-1585; Beatty 1982, Psychol. Bull. 91(2):276-292 (0.1-0.5 mm) */
  overloadPupilMm: 0.4,
  /** slow pupillary unrest (hippus), mm RMS at ~ 0.1-0.3 Hz: Stark, Campbell & Atwood 1958, Nature 182:857-858 */
  pupilUnrestMm: 0.05,
  /** drowsiness: pupil constricts and slow "fatigue waves" grow: Lowenstein, Feinberg & Loewenfeld 1963, Invest. Ophthalmol. 2:138-157; Wilhelm et al. 1998, J. Sleep Res. 7:19-28 */
  drowsyPupilConstrictionMm: 0.3,
  drowsyPupilWaveMm: 0.25,

  // ---- heart ----
  /** resting heart rate, bpm (population 60-80; individual value drawn with SD 5) */
  heartRateBpm: 70,
  heartRateBetweenSdBpm: 5,
  /** heart rate increase under mental workload, bpm: Castaldo et al. 2015, Biomed. Signal Process. Control 18:370-377 (HR up, RMSSD down under mental stress) */
  overloadHeartRateBpm: 10,
  /** vagal withdrawal under load: HF (RSA) amplitude halved; Thayer et al. 2012, Neurosci. Biobehav. Rev. 36(2):747-756; factor assumed */
  overloadVagalFactor: 0.5,
  /** heart rate falls slightly with drowsiness, bpm: Vicente et al. 2016, Med. Biol. Eng. Comput. 54:927-937 */
  drowsyHeartRateBpm: -4,
  /** respiration 12-18 breaths/min -> HF band 0.15-0.4 Hz; Mayer waves ~0.1 Hz in LF 0.04-0.15 Hz: Task Force of the ESC and NASPE 1996, Circulation 93:1043-1065 */
  respirationHzMin: 0.2,
  respirationHzMax: 0.3,
  mayerHz: 0.1,
  /** relative RR modulation depths giving resting RMSSD ~ 25-60 ms: Nunan et al. 2010, PACE 33:1407-1417 (short-term RMSSD 42 +- 15 ms) */
  rsaDepth: 0.045,
  mayerDepth: 0.03,
  /** beat-to-beat jitter of RR, ms SD (assumed; white part of HRV) */
  rrJitterMs: 8,
  /** time constant of heart-rate change after a change of state, s (assumed; HR follows load within tens of seconds) */
  heartRateTauS: 12,

  // ---- head motion (accelerometer in the headset, mG) ----
  /** head pitch (down, deg) at a bench vs driving; assumed from task geometry */
  operatorPitchDeg: 25,
  driverPitchDeg: 5,
  /** head nods with drowsiness, extra pitch at full drowsiness and during a microsleep (head drop), deg; assumed */
  drowsyPitchDeg: 10,
  microsleepHeadDropDeg: 25,
  /** bench-work head activity, mG RMS (assumed) */
  operatorActivityMg: 30,
  /** vehicle vibration at the head, mG RMS per m/s plus a floor; the order of whole-body vibration on industrial trucks (measured per EN 13059), 0.3-1 m/s^2; split assumed */
  vehicleVibrationMgPerMps: 25,
  vehicleVibrationFloorMg: 10,
} as const;
