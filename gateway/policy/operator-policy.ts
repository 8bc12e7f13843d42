import { AfgError } from '../core/errors.ts';
import type { AlertState, AttentionEstimate } from '../core/types.ts';
import { OPERATOR_POLICY_SETTINGS, type OperatorPolicySettings } from './operator-policy-settings.ts';

export const OPERATOR_ALERT_KINDS = ['sensor_lost', 'distraction', 'fatigue', 'overload'] as const;
export type OperatorAlertKind = (typeof OPERATOR_ALERT_KINDS)[number];

/**
 * Kinds that fire during calibration: loss of the safety sensor, and distraction (which is only
 * watched at safety-critical stations anyway). Fatigue and overload need the wearer's baselines
 * (pupil, blink, HR) that calibration is building, so they wait.
 */
export const SAFETY_CRITICAL_OPERATOR_KINDS: ReadonlySet<OperatorAlertKind> = new Set(['sensor_lost', 'distraction']);

export interface OperatorTransition {
  /** gateway time, ms */
  t: number;
  kind: OperatorAlertKind;
  level: number;
  state: AlertState;
  /** audit of ack / shelve: who (pseudonymous user id) and why; the store keeps it */
  by?: string;
  note?: string;
  /** end of a shelve (ms) */
  until?: number;
}

/** Who acknowledged or shelved, for the audit trail. */
export interface OperatorAudit {
  by?: string;
  note?: string;
}

interface KindState {
  /** when the evidence started to hold (ms), NaN when it does not */
  enterSince: number;
  exitSince: number;
  raisedAt: number;
  /** escalation clock origin (ms): raise time, moved on when a shelve ends */
  escalateFrom: number;
  level: number;
  acked: boolean;
  shelvedUntil: number;
}

/**
 * Operator alert policy: a pure state machine stepped by time (ms) with each estimate. Each kind
 * has enter/exit thresholds (hysteresis) plus a minimum enter time, a minimum hold and an exit
 * time, so it cannot flicker; an unacknowledged alert escalates operator -> team lead ->
 * supervisor. `ack` stops escalation; `shelve` hides a kind until a time. Distraction is only
 * watched at safety-critical stations. During calibration only safety-critical kinds fire
 * (SAFETY_CRITICAL_OPERATOR_KINDS: sensor_lost, distraction).
 *
 * Time is gateway time in ms (as AttentionEstimate.t); durations in the settings are seconds.
 * Within one step, transitions come in the order of OPERATOR_ALERT_KINDS; a kind changes at
 * most once per step (raise, escalate one level, un-shelve, or clear).
 * Minimum spacing of a kind's raise/clear transitions: clear >= raise + max(minHoldS, exitS),
 * re-raise >= clear + enterS of the kind (its evidence restarts at the clear).
 *
 * Cost: O(kinds) per step.
 *
 * @example
 *   const p = new OperatorPolicy({ safetyCritical: true });
 *   const changes = p.step(tMs, estimate, { perclos: 0.2 });
 */
export class OperatorPolicy {
  readonly settings: OperatorPolicySettings;
  readonly safetyCritical: boolean;
  private readonly kinds = new Map<OperatorAlertKind, KindState>();
  private firstT = NaN;
  private lastT = NaN;

  constructor(opts: { safetyCritical?: boolean; settings?: Partial<OperatorPolicySettings> } = {}) {
    this.safetyCritical = opts.safetyCritical ?? false;
    this.settings = { ...OPERATOR_POLICY_SETTINGS, ...opts.settings };
    checkSettings(this.settings);
    for (const k of OPERATOR_ALERT_KINDS) this.kinds.set(k, { enterSince: NaN, exitSince: NaN, raisedAt: NaN, escalateFrom: NaN, level: 0, acked: false, shelvedUntil: -Infinity });
  }

  /**
   * Changes settings at a tick boundary (a supervisor's threshold.set). All-or-nothing: an
   * inconsistent result (exitProb above enterProb, ...) throws RangeError and changes nothing.
   * Running evidence timers keep their start: a new threshold applies from the next step.
   */
  updateSettings(patch: Partial<OperatorPolicySettings>): void {
    const next = { ...this.settings, ...patch };
    checkSettings(next);
    Object.assign(this.settings, next);
  }

  /** Whether the wearer is still in the calibration period at tMs (only safety-critical kinds fire). */
  calibrating(tMs: number): boolean {
    return Number.isNaN(this.firstT) || tMs - this.firstT < this.settings.calibrationS * 1000;
  }

  level(kind: OperatorAlertKind): number {
    return this.kinds.get(kind)!.level;
  }

  /** Current state of a kind, as an Alert would carry it. */
  state(kind: OperatorAlertKind, tMs: number): AlertState {
    const k = this.kinds.get(kind)!;
    if (k.level === 0) return 'cleared';
    if (tMs < k.shelvedUntil) return 'shelved';
    return k.acked ? 'acked' : 'active';
  }

  step(tMs: number, e: AttentionEstimate, features: Record<string, number | boolean | null> = {}): OperatorTransition[] {
    if (!(tMs > this.lastT) && !Number.isNaN(this.lastT)) return [];
    this.lastT = tMs;
    if (Number.isNaN(this.firstT)) this.firstT = tMs;
    const S = this.settings;
    const calibrating = tMs - this.firstT < S.calibrationS * 1000;
    // sensor_lost is its own condition; 'unknown' (no basis yet) is neither lost nor a state
    const lost = e.state === 'sensor_lost';
    const p = lost ? null : e.probs;
    const noBasis = p === null;
    const perclos = typeof features['perclos'] === 'number' ? features['perclos'] : NaN;
    const out: OperatorTransition[] = [];
    for (const kind of OPERATOR_ALERT_KINDS) {
      let enter: boolean;
      let exit: boolean;
      let enterS: number;
      let exitS = S.exitS;
      let holdS = S.minHoldS;
      switch (kind) {
        case 'sensor_lost':
          enter = lost;
          exit = !lost;
          enterS = S.sensorLostS;
          exitS = S.sensorBackS;
          holdS = 0;
          break;
        case 'distraction':
          enter = this.safetyCritical && !noBasis && p.distracted >= S.enterProb;
          exit = !this.safetyCritical || (!noBasis && p.distracted < S.exitProb);
          enterS = S.distractionEnterS;
          break;
        case 'fatigue':
          enter = !noBasis && (p.drowsy >= S.enterProb || perclos >= S.perclosEnter);
          exit = !noBasis && p.drowsy < S.exitProb && !(perclos >= S.perclosExit);
          enterS = S.fatigueEnterS;
          break;
        case 'overload':
          enter = !noBasis && p.overloaded >= S.enterProb;
          exit = !noBasis && p.overloaded < S.exitProb;
          enterS = S.overloadEnterS;
          break;
      }
      // Without a basis (sensor lost, unknown) the other kinds keep their level and their
      // evidence timers restart: missing data is neither evidence for nor against a state.
      // During calibration the non-safety kinds collect no evidence: baselines are not ready.
      const suppressed = calibrating && !SAFETY_CRITICAL_OPERATOR_KINDS.has(kind);
      this.advance(kind, tMs, enter && !suppressed, exit, enterS * 1000, exitS * 1000, holdS * 1000, out);
    }
    return out;
  }

  /**
   * Acknowledged by someone: stops escalation; the alert stays until its condition clears.
   * Returns the audited transition, or null when the kind is not active or already acked.
   */
  ack(kind: OperatorAlertKind, tMs: number, audit: OperatorAudit = {}): OperatorTransition | null {
    const k = this.kinds.get(kind)!;
    if (k.level === 0 || k.acked) return null;
    k.acked = true;
    // acknowledging a shelved alert keeps it shelved; it comes back 'acked' when the shelve ends
    return { t: tMs, kind, level: k.level, state: this.state(kind, tMs), ...audit };
  }

  /**
   * Shelved until `untilMs`: no escalation, no raise; time-limited (ISA-18.2 asks shelving to
   * be time-limited), at most maxShelveS. When it ends and the condition still holds, the alert
   * comes back 'active' at its level and escalation resumes from there. Shelving an inactive
   * kind keeps it from being raised until then. Returns the audited transition (null when the
   * kind is not active).
   */
  shelve(kind: OperatorAlertKind, tMs: number, untilMs: number, audit: OperatorAudit = {}): OperatorTransition | null {
    if (!(untilMs > tMs) || untilMs - tMs > this.settings.maxShelveS * 1000) {
      throw new AfgError('AFG_E_INPUT_INVALID', `shelve end must be after now and within ${this.settings.maxShelveS} s`, { path: '/until' });
    }
    const k = this.kinds.get(kind)!;
    k.shelvedUntil = untilMs;
    if (k.level === 0) return null;
    return { t: tMs, kind, level: k.level, state: 'shelved', until: untilMs, ...audit };
  }

  private advance(kind: OperatorAlertKind, t: number, enter: boolean, exit: boolean, enterMs: number, exitMs: number, holdMs: number, out: OperatorTransition[]): void {
    const k = this.kinds.get(kind)!;
    if (k.level === 0) {
      k.enterSince = enter ? (Number.isNaN(k.enterSince) ? t : k.enterSince) : NaN;
      if (!enter || t - k.enterSince < enterMs || t < k.shelvedUntil) return;
      k.level = 1;
      k.raisedAt = t;
      k.escalateFrom = t;
      k.acked = false;
      k.exitSince = NaN;
      k.shelvedUntil = -Infinity;
      out.push({ t, kind, level: 1, state: 'active' });
      return;
    }
    k.exitSince = exit ? (Number.isNaN(k.exitSince) ? t : k.exitSince) : NaN;
    if (exit && t - k.exitSince >= exitMs && t - k.raisedAt >= holdMs) {
      k.level = 0;
      k.enterSince = NaN;
      k.acked = false;
      k.shelvedUntil = -Infinity;
      out.push({ t, kind, level: 0, state: 'cleared' });
      return;
    }
    if (t < k.shelvedUntil) return;
    const S = this.settings;
    if (k.shelvedUntil !== -Infinity) {
      // the shelve ended with the condition still there: back to whoever holds the level now,
      // with the escalation clock placed as if that level had just been reached
      k.shelvedUntil = -Infinity;
      k.escalateFrom = t - (k.level >= 3 ? S.supervisorAfterS : k.level === 2 ? S.teamLeadAfterS : 0) * 1000;
      out.push({ t, kind, level: k.level, state: k.acked ? 'acked' : 'active' });
      return;
    }
    if (k.acked) return;
    const age = t - k.escalateFrom;
    const want = age >= S.supervisorAfterS * 1000 ? 3 : age >= S.teamLeadAfterS * 1000 ? 2 : 1;
    if (want > k.level) {
      k.level = want;
      out.push({ t, kind, level: want, state: 'active' });
    }
  }
}

function checkSettings(s: OperatorPolicySettings): void {
  for (const [k, v] of Object.entries(s)) if (!Number.isFinite(v) || v < 0) throw new RangeError(`operator policy setting ${k} must be >= 0`);
  if (s.exitProb > s.enterProb) throw new RangeError('exitProb must not exceed enterProb');
  if (s.perclosExit > s.perclosEnter) throw new RangeError('perclosExit must not exceed perclosEnter');
  if (s.supervisorAfterS < s.teamLeadAfterS) throw new RangeError('supervisorAfterS must not be below teamLeadAfterS');
}
