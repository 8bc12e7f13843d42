import { DRIVER_POLICY_SETTINGS, type DriverPolicySettings } from './driver-policy-settings.ts';

export const DRIVER_ALERT_KINDS = ['sensor_lost', 'distraction', 'vats', 'microsleep', 'sleep', 'unresponsive', 'drowsy'] as const;
export type DriverAlertKind = (typeof DRIVER_ALERT_KINDS)[number];

/** One observation per tick. t in seconds. */
export interface DriverObservation {
  t: number;
  valid: boolean;
  eyesOnRoad: boolean;
  eyesClosed: boolean;
  speedMps: number;
  /** drowsiness on the Karolinska Sleepiness Scale (1..9), when an estimate exists */
  kss?: number;
  /** the driver acknowledged the warning (button, voice) */
  ack?: boolean;
}

/** A kind's level changed at time t (s); level 0 = cleared. */
export interface PolicyTransition {
  t: number;
  kind: DriverAlertKind;
  level: number;
}

/**
 * The in-cab driver policy (issue 7, §1), a pure state machine stepped once per observation.
 * No I/O, no clock: time comes in with each observation, so a scenario replays identically.
 *
 * Within one tick, transitions are emitted in the fixed order of DRIVER_ALERT_KINDS
 * (sensor_lost, distraction, vats, microsleep, sleep, unresponsive, drowsy).
 * Tracker loss never counts as eyes closed or eyes on road: every timer freezes while the
 * observation is not valid.
 *
 * Readings of the table where it leaves room (each pinned by a scenario test in
 * test/policy/driver-policy*.test.ts):
 * - an observation at t stands for the interval (t - dt, t]; dt = t - previous t, and dtS for
 *   the first tick, so distraction starting at the tick 1.05 reaches 3 s at the tick 4.00;
 * - the awareness rules partition the ticks: moving and distracted drain; attentive refills;
 *   not valid or closed leave a unchanged (also at standstill: closed eyes are no attention,
 *   and tracker loss freezes every timer); distracted at standstill refills as if attentive;
 * - "timers freeze" (sensor-lost row) holds for every timer: the closure time c, the attentive
 *   run that resets VATS, and the 3 s answer window after a level-3 distraction warning, which
 *   counts valid ticks only. A slumped driver who loses the tracker is covered by sensor_lost
 *   (2 s) and the sticky distraction level 3; unresponsive needs evidence, not missing data;
 * - VATS is raised when the off-road time in the last 30 s reaches 10 s and cleared only by
 *   the accumulator's reset (>= 2 s continuously attentive): the table gives "follow both
 *   ways" to distraction levels 1-2 only, and a level that dropped as old glances slide out of
 *   the window would flicker on and off with every further glance;
 * - standstill resets c even on an invalid tick (the vehicle's speed is known without the
 *   tracker); while moving, an invalid tick freezes c;
 * - microsleep stays while the tracker is lost and clears at the first valid open-eyes tick;
 * - drowsy: level 2 while kss >= 8, level 1 while 7 <= kss < 8; in [kssClear, kssLevel1) a
 *   raised alert stays raised at level 1 (the hysteresis band holds the alert, not level 2);
 *   a tick without kss holds the level (no estimate is not "awake");
 * - an ack at an attentive tick refills the buffer even when nothing sticky is active;
 * - a repeated or backwards t changes nothing (the replay rejects such input instead).
 *
 * Cost: O(1) per step, except the VATS window, O(ticks in 30 s) in the worst case.
 *
 * @example
 *   const p = new DriverPolicy();
 *   for (const obs of observations) for (const tr of p.step(obs)) console.log(tr);
 */
export class DriverPolicy {
  readonly settings: DriverPolicySettings;
  /** awareness buffer, 1 = full, 0 = empty */
  awareness = 1;
  private readonly level: Record<DriverAlertKind, number> = { sensor_lost: 0, distraction: 0, vats: 0, microsleep: 0, sleep: 0, unresponsive: 0, drowsy: 0 };
  private lastT = NaN;
  private distraction3Sticky = false;
  private distraction3At = NaN;
  /** valid time since the level-3 warning (s): invalid ticks freeze it */
  private sinceLevel3S = 0;
  private attentiveSinceLevel3 = false;
  private closedS = 0;
  private invalidS = 0;
  private standstillS = 0;
  private attentiveRunS = 0;
  // VATS: off-road ticks (time, dt) in a ring, and their running sum
  private vatsT: number[] = [];
  private vatsDt: number[] = [];
  private vatsHead = 0;
  private vatsSum = 0;

  constructor(settings: Partial<DriverPolicySettings> = {}) {
    this.settings = { ...DRIVER_POLICY_SETTINGS, ...settings };
    for (const [k, v] of Object.entries(this.settings)) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`driver policy setting ${k} must be a finite number >= 0`);
    }
    if (this.settings.bufferS <= 0 || this.settings.dtS <= 0) throw new RangeError('bufferS and dtS must be > 0');
  }

  /** Current level of every kind (a copy; 0 = not active). */
  levels(): Record<DriverAlertKind, number> {
    return { ...this.level };
  }

  /** Internal quantities for the dashboard's detail view (derived values only). */
  snapshot(): { awareness: number; closedS: number; vatsOffRoadS: number; invalidS: number; standstillS: number } {
    return { awareness: this.awareness, closedS: this.closedS, vatsOffRoadS: Math.max(0, this.vatsSum), invalidS: this.invalidS, standstillS: this.standstillS };
  }

  step(o: DriverObservation): PolicyTransition[] {
    const S = this.settings;
    const eps = S.epsilon;
    if (!Number.isFinite(o.t)) throw new RangeError('observation t must be a finite number of seconds');
    if (o.t <= this.lastT) return []; // time moves forward only; a repeated tick changes nothing
    const dt = Number.isNaN(this.lastT) ? S.dtS : o.t - this.lastT;
    this.lastT = o.t;
    const next: Record<DriverAlertKind, number> = { ...this.level };

    const moving = o.speedMps >= S.movingMps;
    const valid = o.valid;
    const closed = valid && o.eyesClosed;
    const attentive = valid && !o.eyesClosed && o.eyesOnRoad;
    const distracted = valid && !o.eyesClosed && !o.eyesOnRoad;

    // run lengths
    this.standstillS = moving ? 0 : this.standstillS + dt;
    this.invalidS = valid ? 0 : this.invalidS + dt;
    if (valid) this.attentiveRunS = attentive ? this.attentiveRunS + dt : 0; // invalid: frozen

    // awareness buffer
    const s = dt / S.bufferS;
    if (valid && !closed) {
      if (!moving || attentive) {
        this.awareness = Math.min(1, this.awareness + ((S.recoveryFast - S.recoveryBase) * (1 - this.awareness) + S.recoveryBase) * s);
      } else if (distracted) {
        this.awareness = Math.max(0, this.awareness - s);
      }
    }

    // acknowledgement at an attentive tick clears the sticky alerts and refills the buffer
    const acked = o.ack === true && attentive;
    if (acked) this.awareness = 1;
    const stickyClear = acked || this.standstillS >= S.stickyClearStandstillS - eps;
    if (stickyClear) {
      this.distraction3Sticky = false;
      this.distraction3At = NaN;
      next.sleep = 0;
      next.unresponsive = 0;
    }

    // distraction levels from the buffer; level 3 is sticky
    const spent = (1 - this.awareness) * S.bufferS;
    if (this.awareness <= eps && !stickyClear) {
      if (!this.distraction3Sticky) {
        this.distraction3Sticky = true;
        this.distraction3At = o.t;
        this.sinceLevel3S = 0;
        this.attentiveSinceLevel3 = false;
      }
    }
    if (this.distraction3Sticky) next.distraction = 3;
    else if (spent >= S.level2AfterS - eps) next.distraction = 2;
    else if (spent >= S.level1AfterS - eps) next.distraction = 1;
    else next.distraction = 0;

    // unresponsive after the level-3 warning
    if (this.distraction3Sticky && o.t > this.distraction3At) {
      if (valid) this.sinceLevel3S += dt; // invalid ticks freeze the answer window
      if (attentive) this.attentiveSinceLevel3 = true;
      if (!this.attentiveSinceLevel3 && this.sinceLevel3S >= S.unresponsiveAfterWarningS - eps) next.unresponsive = 3;
    }

    // VATS: off-road time while moving within the sliding window
    if (valid && this.attentiveRunS >= S.vatsResetAttentiveS - eps) this.resetVats(next);
    if (distracted && moving) {
      this.vatsT.push(o.t);
      this.vatsDt.push(dt);
      this.vatsSum += dt;
    }
    while (this.vatsHead < this.vatsT.length && this.vatsT[this.vatsHead]! <= o.t - S.vatsWindowS + eps) {
      this.vatsSum -= this.vatsDt[this.vatsHead]!;
      this.vatsHead++;
    }
    if (this.vatsHead > 1024) {
      this.vatsT = this.vatsT.slice(this.vatsHead);
      this.vatsDt = this.vatsDt.slice(this.vatsHead);
      this.vatsHead = 0;
    }
    if (this.vatsHead === this.vatsT.length) this.vatsSum = 0; // empty window: drop float residue
    // raised at 10 s within the window; cleared only by the reset above (2 s attentive)
    if (this.vatsSum >= S.vatsOffRoadS - eps) next.vats = 1;

    // eye closure while moving; standstill resets it, invalid ticks while moving freeze it
    if (!moving) this.closedS = 0;
    else if (valid) this.closedS = closed ? this.closedS + dt : 0;
    if (valid && !closed) next.microsleep = 0;
    if (this.closedS >= S.microsleepS - eps) next.microsleep = Math.max(next.microsleep, 2);
    if (this.closedS >= S.sleepS - eps) next.sleep = 3;
    if (this.closedS >= S.unresponsiveClosedS - eps) next.unresponsive = 3;

    // drowsiness from KSS, with a hysteresis band between kssClear and kssLevel1
    if (o.kss !== undefined && Number.isFinite(o.kss)) {
      if (o.kss >= S.kssLevel2) next.drowsy = 2;
      else if (o.kss >= S.kssLevel1) next.drowsy = 1;
      else if (o.kss < S.kssClear) next.drowsy = 0;
      else next.drowsy = Math.min(next.drowsy, 1); // the band holds a raised alert, at level 1
    }

    // sensor loss: its own condition, cleared at the first valid tick
    next.sensor_lost = valid ? 0 : this.invalidS >= S.sensorLostS - eps ? 1 : this.level.sensor_lost;

    const out: PolicyTransition[] = [];
    for (const kind of DRIVER_ALERT_KINDS) {
      if (next[kind] !== this.level[kind]) {
        this.level[kind] = next[kind];
        out.push({ t: o.t, kind, level: next[kind] });
      }
    }
    return out;
  }

  private resetVats(next: Record<DriverAlertKind, number>): void {
    this.vatsT = [];
    this.vatsDt = [];
    this.vatsHead = 0;
    this.vatsSum = 0;
    next.vats = 0;
  }
}
