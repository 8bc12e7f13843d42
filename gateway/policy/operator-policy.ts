import type { AttentionEstimate } from '../core/types.ts';
import { OPERATOR_POLICY_SETTINGS, type OperatorPolicySettings } from './operator-policy-settings.ts';

export const OPERATOR_ALERT_KINDS = ['sensor_lost', 'distraction', 'fatigue', 'overload'] as const;
export type OperatorAlertKind = (typeof OPERATOR_ALERT_KINDS)[number];

/** Kinds that fire during calibration: loss of the safety sensor, and distraction where it can hurt. */
const SAFETY_CRITICAL: ReadonlySet<OperatorAlertKind> = new Set(['sensor_lost', 'distraction']);

export interface OperatorTransition {
  /** gateway time, ms */
  t: number;
  kind: OperatorAlertKind;
  level: number;
  state: 'active' | 'acked' | 'shelved' | 'cleared';
}

interface KindState {
  /** when the evidence started to hold (ms), NaN when it does not */
  enterSince: number;
  exitSince: number;
  raisedAt: number;
  level: number;
  acked: boolean;
  shelvedUntil: number;
}

/**
 * Operator alert policy: a pure state machine stepped by time (ms) with each estimate. Each kind
 * has enter/exit thresholds (hysteresis) plus a minimum enter time, a minimum hold and an exit
 * time, so it cannot flicker; an unacknowledged alert escalates operator -> team lead ->
 * supervisor. `ack` stops escalation; `shelve` hides a kind until a time. Distraction is only
 * watched at safety-critical stations. During calibration only safety-critical kinds fire.
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
    for (const [k, v] of Object.entries(this.settings)) if (!Number.isFinite(v) || v < 0) throw new RangeError(`operator policy setting ${k} must be >= 0`);
    if (this.settings.exitProb > this.settings.enterProb) throw new RangeError('exitProb must not exceed enterProb');
    for (const k of OPERATOR_ALERT_KINDS) this.kinds.set(k, { enterSince: NaN, exitSince: NaN, raisedAt: NaN, level: 0, acked: false, shelvedUntil: -Infinity });
  }

  level(kind: OperatorAlertKind): number {
    return this.kinds.get(kind)!.level;
  }

  step(tMs: number, e: AttentionEstimate, features: Record<string, number | boolean | null> = {}): OperatorTransition[] {
    if (!(tMs > this.lastT) && !Number.isNaN(this.lastT)) return [];
    this.lastT = tMs;
    if (Number.isNaN(this.firstT)) this.firstT = tMs;
    const S = this.settings;
    const calibrating = tMs - this.firstT < S.calibrationS * 1000;
    const lost = e.state === 'sensor_lost' || e.probs === null;
    const p = e.probs;
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
          enter = this.safetyCritical && !lost && p!.distracted >= S.enterProb;
          exit = !this.safetyCritical || (!lost && p!.distracted < S.exitProb);
          enterS = S.distractionEnterS;
          break;
        case 'fatigue':
          enter = !lost && (p!.drowsy >= S.enterProb || perclos >= S.perclosEnter);
          exit = !lost && p!.drowsy < S.exitProb && !(perclos >= S.perclosExit);
          enterS = S.fatigueEnterS;
          break;
        case 'overload':
          enter = !lost && p!.overloaded >= S.enterProb;
          exit = !lost && p!.overloaded < S.exitProb;
          enterS = S.overloadEnterS;
          break;
      }
      // While the sensor is lost, the other kinds keep their state: missing data says nothing.
      const tr = this.advance(kind, tMs, enter, exit, enterS * 1000, exitS * 1000, holdS * 1000, calibrating && !SAFETY_CRITICAL.has(kind));
      if (tr) out.push(tr);
    }
    return out;
  }

  /** Acknowledged by someone: stops escalation; the alert stays until its condition clears. */
  ack(kind: OperatorAlertKind, tMs: number): OperatorTransition | null {
    const k = this.kinds.get(kind)!;
    if (k.level === 0 || k.acked) return null;
    k.acked = true;
    return { t: tMs, kind, level: k.level, state: 'acked' };
  }

  /** Hidden until `untilMs` (time-limited, never forever); returns the cleared transition. */
  shelve(kind: OperatorAlertKind, tMs: number, untilMs: number): OperatorTransition | null {
    if (!(untilMs > tMs)) throw new RangeError('shelve needs an end time after now');
    const k = this.kinds.get(kind)!;
    k.shelvedUntil = untilMs;
    if (k.level === 0) return null;
    return { t: tMs, kind, level: k.level, state: 'shelved' };
  }

  private advance(kind: OperatorAlertKind, t: number, enter: boolean, exit: boolean, enterMs: number, exitMs: number, holdMs: number, suppressed: boolean): OperatorTransition | null {
    const k = this.kinds.get(kind)!;
    if (k.level === 0) {
      k.enterSince = enter ? (Number.isNaN(k.enterSince) ? t : k.enterSince) : NaN;
      if (!enter || t - k.enterSince < enterMs || suppressed || t < k.shelvedUntil) return null;
      k.level = 1;
      k.raisedAt = t;
      k.acked = false;
      k.exitSince = NaN;
      return { t, kind, level: 1, state: 'active' };
    }
    k.exitSince = exit ? (Number.isNaN(k.exitSince) ? t : k.exitSince) : NaN;
    if (exit && t - k.exitSince >= exitMs && t - k.raisedAt >= holdMs) {
      k.level = 0;
      k.enterSince = NaN;
      return { t, kind, level: 0, state: 'cleared' };
    }
    if (!k.acked && t >= k.shelvedUntil) {
      const S = this.settings;
      const age = t - k.raisedAt;
      const want = age >= S.supervisorAfterS * 1000 ? 3 : age >= S.teamLeadAfterS * 1000 ? 2 : 1;
      if (want > k.level) {
        k.level = want;
        return { t, kind, level: want, state: 'active' };
      }
    }
    return null;
  }
}
