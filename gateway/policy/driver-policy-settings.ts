/**
 * Every constant of the in-cab driver policy, with its unit and source. Change a value here,
 * nowhere else; scenario tests pin the behaviour these produce.
 */
export const DRIVER_POLICY_SETTINGS = {
  /** nominal tick (s): 20 Hz observations */
  dtS: 0.05,
  /** moving at or above this speed (m/s); below it the vehicle is at standstill */
  movingMps: 0.5,
  /**
   * Awareness buffer: it drains in `bufferS` seconds of continuous distraction and refills at
   * ((recoveryFast - recoveryBase)(1 - a) + recoveryBase) / bufferS per second (project spec,
   * issue 7; the buffer form follows Kircher & Ahlström 2009, "AttenD").
   */
  bufferS: 11,
  recoveryFast: 5,
  recoveryBase: 1.25,
  /** distraction levels by buffer seconds spent (s): Euro NCAP 2023 Assessment Protocol - Safety
   * Assist, Driver State Monitoring: long distraction >= 3 s; escalation at 5 s; 11 s empties it */
  level1AfterS: 3,
  level2AfterS: 5,
  /** VATS: visual attention time sharing, off-road time (s) within a sliding window (s), reset
   * after continuous attentive time (s): Euro NCAP 2023 DSM (10 s within 30 s) */
  vatsWindowS: 30,
  vatsOffRoadS: 10,
  vatsResetAttentiveS: 2,
  /** eye closure while moving (s): microsleep >= 1 s, sleep >= 3 s (Euro NCAP 2023 DSM),
   * unresponsive >= 6 s (project spec) */
  microsleepS: 1,
  sleepS: 3,
  unresponsiveClosedS: 6,
  /** no attentive tick within this time (s) after distraction level 3: unresponsive (project spec) */
  unresponsiveAfterWarningS: 3,
  /** Karolinska Sleepiness Scale thresholds: level 1 at >= 7, level 2 at >= 8, clear below 6.5
   * (EU Driver Drowsiness and Attention Warning (DDAW), Commission Delegated Regulation
   * (EU) 2021/1341 under Regulation (EU) 2019/2144: validated against KSS, warning at KSS >= 8;
   * Åkerstedt & Gillberg 1990 for the scale; the distraction side is ADDW, Commission Delegated
   * Regulation (EU) 2023/2590) */
  kssLevel1: 7,
  kssLevel2: 8,
  kssClear: 6.5,
  /** tracker invalid for this long (s): sensor_lost */
  sensorLostS: 2,
  /** continuous standstill (s) that clears the sticky level-3 alerts */
  stickyClearStandstillS: 2,
  /** tolerance for comparing accumulated float times against thresholds (s) */
  epsilon: 1e-9,
} as const;

export type DriverPolicySettings = { -readonly [K in keyof typeof DRIVER_POLICY_SETTINGS]: number };
