import { randomUUID } from 'node:crypto';
import type { Alert, AlertAudience, AlertState, Role, StationId, WearerId } from '../core/types.ts';

/**
 * A policy's output: a kind's level changed at time t (gateway ms); level 0 = cleared.
 * Operator policies also report the alert's state (acked, shelved) and who changed it.
 */
export interface LevelChange {
  t: number;
  kind: string;
  level: number;
  /** default 'active'; ignored at level 0 (always 'cleared') */
  state?: AlertState;
  /** while shelved: end of the shelve, gateway ms */
  until?: number;
  /** who acknowledged or shelved (pseudonymous actor id) */
  by?: string;
}

/** What the tracker knows of an open episode (for commands: find by id). */
export interface OpenAlert {
  id: string;
  kind: string;
  level: number;
  state: AlertState;
  rev: number;
}

interface Episode {
  id: string;
  rev: number;
  level: number;
  state: AlertState;
  evidence: Alert['evidence'];
  by: string | undefined;
  /** gateway ms, NaN when not shelved */
  until: number;
  /** the addressee of the last raised level: a clear goes to the same people */
  audience: AlertAudience;
}

/**
 * Whom a level addresses. Operator levels are escalation steps (issue 7 §2): 1 the wearer
 * (wearable haptic, station light), 2 the team lead, 3 the supervisor. Driver levels are
 * severities of an in-cab warning: always the wearer. (The cab is where the danger is; a
 * supervisor sees driver alerts on the dashboard but is not the one who must act.)
 */
export function audienceOf(role: Role, level: number): AlertAudience {
  if (role === 'driver') return 'wearer';
  return level >= 3 ? 'supervisor' : level === 2 ? 'team_lead' : 'wearer';
}

/**
 * Turns level changes of one wearer's policy into Alert messages: an episode id per raise,
 * a revision per change (level, state, shelve end or actor), `cleared` at level 0. Holds one
 * small record per active kind.
 *
 * @example
 *   const tracker = new AlertTracker({ wearer: 'dr-19c2', role: 'driver', toEpochMs: (t) => epoch0 + t });
 *   const alerts = tracker.apply([{ t: 3000, kind: 'distraction', level: 1 }], evidence);
 */
export class AlertTracker {
  private readonly open = new Map<string, Episode>();
  private readonly wearer: WearerId;
  private readonly role: Role;
  private readonly station: StationId | undefined;
  private readonly toEpochMs: (t: number) => number;
  private readonly newId: () => string;

  constructor(opts: { wearer: WearerId; role: Role; station?: StationId; toEpochMs: (t: number) => number; newId?: () => string }) {
    if (!opts.wearer) throw new TypeError('AlertTracker needs a wearer');
    this.wearer = opts.wearer;
    this.role = opts.role;
    this.station = opts.station;
    this.toEpochMs = opts.toEpochMs;
    this.newId = opts.newId ?? (() => `al-${randomUUID()}`);
  }

  /**
   * Applies level changes. `evidence` is the tick's evidence; a change without one (an ack
   * between ticks) repeats the episode's last evidence.
   */
  apply(changes: readonly LevelChange[], evidence?: Alert['evidence']): Alert[] {
    const out: Alert[] = [];
    for (const c of changes) {
      const level = Math.max(0, Math.min(3, Math.round(c.level))) as Alert['level'];
      const cur = this.open.get(c.kind);
      if (level === 0) {
        if (!cur) continue;
        this.open.delete(c.kind);
        cur.rev++;
        cur.audience = audienceOf(this.role, cur.level);
        cur.level = 0;
        cur.state = 'cleared';
        cur.until = NaN;
        if (evidence) cur.evidence = evidence;
        out.push(this.alert(cur, c.kind, c.t));
        continue;
      }
      const state: AlertState = c.state === undefined || c.state === 'cleared' ? 'active' : c.state;
      const until = state === 'shelved' && c.until !== undefined ? c.until : NaN;
      if (cur) {
        const by = c.by ?? cur.by;
        if (cur.level === level && cur.state === state && cur.by === by && sameTime(cur.until, until)) continue;
        cur.rev++;
        cur.level = level;
        cur.state = state;
        cur.by = by;
        cur.until = until;
        cur.audience = audienceOf(this.role, level);
        if (evidence) cur.evidence = evidence;
        out.push(this.alert(cur, c.kind, c.t));
      } else {
        const ep: Episode = { id: this.newId(), rev: 0, level, state, evidence: evidence ?? {}, by: c.by, until, audience: audienceOf(this.role, level) };
        this.open.set(c.kind, ep);
        out.push(this.alert(ep, c.kind, c.t));
      }
    }
    return out;
  }

  activeKinds(): string[] {
    return [...this.open.keys()];
  }

  /** The open episode with this id, or undefined (cleared or never raised here). Cost: O(open kinds). */
  find(id: string): OpenAlert | undefined {
    for (const [kind, e] of this.open) if (e.id === id) return { id, kind, level: e.level, state: e.state, rev: e.rev };
    return undefined;
  }

  private alert(e: Episode, kind: string, t: number): Alert {
    const level = e.level as Alert['level'];
    const a: Alert = { id: e.id, rev: e.rev, wearer: this.wearer, role: this.role, kind, level, raisedAt: this.toEpochMs(t), evidence: e.evidence, state: e.state };
    if (this.station !== undefined) a.station = this.station;
    a.audience = e.audience;
    if (!Number.isNaN(e.until)) a.shelvedUntil = Math.round(this.toEpochMs(e.until));
    if (e.by !== undefined) a.by = e.by;
    return a;
  }
}

function sameTime(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || a === b;
}
