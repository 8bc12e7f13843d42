/**
 * Constants of the floor scheduler (micro-breaks, station reassignment, line speed), with
 * units and where they come from. `scheduler:` in the config overrides them (examples/config.yaml);
 * a supervisor can change the few in ADJUSTABLE_THRESHOLDS at run time.
 */
export const SCHEDULER_SETTINGS = {
  /** how often the scheduler looks at the floor (s); it is stepped from the gateway loop */
  periodS: 5,
  /** micro-breaks: at most this many people on break (or asked to go) at once (K) */
  maxOnBreak: 1,
  /** micro-break length (s). Short, frequent breaks: 5 min per hour of work reduced discomfort
   *  and eye strain without loss of output (Galinsky et al. 2000, "A field study of supplementary
   *  rest breaks for data-entry operators", Ergonomics 43(5)); Dababneh et al. 2001 for
   *  micro-breaks in production work */
  breakS: 300,
  /** an operator is due a break after this much time on task without one (s), fatigue or not */
  maxWorkS: 3600,
  /** no next break for a person sooner than this after the last one ended (s) */
  minSpacingS: 1800,
  /** fatigue index (0..1) at which an operator is due a break (project choice; below the
   *  operator policy's fatigue alert, so the break comes before the alarm) */
  breakFatigue: 0.6,
  /** PERCLOS that counts as full fatigue in the fatigue index (ratio): Wierwille et al. 1994
   *  (0.15 = drowsy); alert operators stay under ~0.08 (Dinges & Grace 1998) */
  perclosFull: 0.15,
  /** smoothing of the fatigue index and the attention score (s, exponential time constant) */
  smoothingS: 30,
  /** a pending decision expires after this long without accept/reject (s) */
  decisionTtlS: 120,
  /** after a reject or expiry, the same proposal for the same people waits this long (s): no churn */
  rejectHoldS: 600,
  /** no decision is reversed sooner than this (s): a moved person is not moved again, a line
   *  speed change is not undone, within this time */
  noReverseS: 900,
  /** station reassignment: looked at this often (s); proposed only when the optimum beats the
   *  current assignment by at least minGain (attention-weighted suitability, absolute) */
  reassignEveryS: 60,
  reassignMinGain: 0.15,
  /** weight of a safety-critical station in the objective (ratio; others 1): attentive,
   *  skilled people go where inattention costs most */
  criticalWeight: 2,
  /** in a cover plan, staying at one's own station is worth this much (ratio): the fewest
   *  moves first, the best suitability among those */
  stayBonus: 10,
  /** line speed: capacity (attention-weighted staffing, 0..1) below capacityLow for
   *  capacityHoldS proposes a slower line; above capacityRestore for capacityHoldS proposes
   *  the nominal speed again (hysteresis) */
  capacityLow: 0.75,
  capacityRestore: 0.85,
  capacityHoldS: 60,
  /** proposed speed factors are rounded down to this step and never below minSpeedFactor (ratio) */
  speedStep: 0.05,
  minSpeedFactor: 0.6,
  /** capacity is only judged when at least this share of stations has a known attention (ratio):
   *  missing data is not low attention */
  minKnownShare: 0.5,
  /** effects feedback: measured effects move a candidate's priority by at most this factor
   *  either way, shrunk toward 1 with few samples (prior of this many samples) */
  effectMaxFactor: 1.5,
  effectPriorN: 5,
  /** a mean attention-score gain of this size counts as a full effect (score units) */
  effectScale: 0.1,
} as const;

export type SchedulerSettings = { -readonly [K in keyof typeof SCHEDULER_SETTINGS]: number };

/** Checks a settings object; throws RangeError naming the first bad field. */
export function checkSchedulerSettings(s: SchedulerSettings): void {
  for (const [k, v] of Object.entries(s)) if (!Number.isFinite(v) || v < 0) throw new RangeError(`scheduler setting ${k} must be a finite number >= 0`);
  if (!Number.isInteger(s.maxOnBreak) || s.maxOnBreak < 1) throw new RangeError('maxOnBreak must be a whole number >= 1');
  if (s.periodS <= 0 || s.breakS <= 0 || s.decisionTtlS <= 0) throw new RangeError('periodS, breakS and decisionTtlS must be > 0');
  if (s.capacityRestore < s.capacityLow) throw new RangeError('capacityRestore must not be below capacityLow');
  if (s.minSpeedFactor <= 0 || s.minSpeedFactor > 1) throw new RangeError('minSpeedFactor must be in (0, 1]');
  if (s.speedStep <= 0 || s.perclosFull <= 0) throw new RangeError('speedStep and perclosFull must be > 0');
  if (s.effectMaxFactor < 1) throw new RangeError('effectMaxFactor must be >= 1');
}
