/**
 * Constants of the operator policy, with units and where they come from. Operators are not
 * driving: alerts go to a wearable / station light, then to the team lead and the supervisor,
 * so the policy favours few, stable alerts (hysteresis, minimum durations) over speed.
 */
export const OPERATOR_POLICY_SETTINGS = {
  /** estimate probability to enter / to leave a state (ratio); the gap is the hysteresis band */
  enterProb: 0.6,
  exitProb: 0.4,
  /** PERCLOS P80 that enters / leaves fatigue on its own (ratio): Wierwille et al. 1994 (0.15 drowsy);
   *  exit below 0.08 (Dinges & Grace 1998: alert operators stay under ~0.08) */
  perclosEnter: 0.15,
  perclosExit: 0.08,
  /** evidence must hold this long before an alert is raised (s): long enough to ignore single bad windows */
  fatigueEnterS: 20,
  overloadEnterS: 30,
  distractionEnterS: 5,
  /** once raised, an alert stays at least this long and needs this long below the exit threshold (s) */
  minHoldS: 30,
  exitS: 30,
  /** estimate 'sensor_lost' this long raises sensor_lost (s); valid this long clears it */
  sensorLostS: 3,
  sensorBackS: 1,
  /** unacknowledged escalation: operator (1) -> team lead (2) -> supervisor (3), seconds after raise
   *  (plant escalation practice; ISA-18.2 alarm management asks for defined response times) */
  teamLeadAfterS: 120,
  supervisorAfterS: 300,
  /** the first minutes of a wearer are calibration (baselines for pupil, blinks, HR): only
   *  safety-critical kinds fire (s) */
  calibrationS: 180,
  /** longest allowed shelve (s): shelving is time-limited (ISA-18.2 / IEC 62682 alarm shelving) */
  maxShelveS: 3600,
} as const;

export type OperatorPolicySettings = { -readonly [K in keyof typeof OPERATOR_POLICY_SETTINGS]: number };
