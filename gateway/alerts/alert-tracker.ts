import { randomUUID } from 'node:crypto';
import type { Alert, Role, StationId, WearerId } from '../core/types.ts';

/** A policy's output: a kind's level changed at time t (gateway ms); level 0 = cleared. */
export interface LevelChange {
  t: number;
  kind: string;
  level: number;
}

/**
 * Turns level changes of one wearer's policy into Alert messages: an episode id per raise,
 * a revision per change, `cleared` at level 0. Holds one small record per active kind.
 *
 * @example
 *   const tracker = new AlertTracker({ wearer: 'dr-19c2', role: 'driver', toEpochMs: (t) => epoch0 + t });
 *   const alerts = tracker.apply([{ t: 3000, kind: 'distraction', level: 1 }], evidence);
 */
export class AlertTracker {
  private readonly open = new Map<string, { id: string; rev: number; level: number; raisedAt: number }>();
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

  apply(changes: readonly LevelChange[], evidence: Alert['evidence']): Alert[] {
    const out: Alert[] = [];
    for (const c of changes) {
      const level = Math.max(0, Math.min(3, Math.round(c.level))) as Alert['level'];
      const cur = this.open.get(c.kind);
      if (level === 0) {
        if (!cur) continue;
        this.open.delete(c.kind);
        out.push(this.alert(cur.id, cur.rev + 1, c.kind, 0, this.toEpochMs(c.t), evidence, 'cleared'));
        continue;
      }
      if (cur) {
        if (cur.level === level) continue;
        cur.rev++;
        cur.level = level;
        out.push(this.alert(cur.id, cur.rev, c.kind, level, this.toEpochMs(c.t), evidence, 'active'));
      } else {
        const rec = { id: this.newId(), rev: 0, level, raisedAt: this.toEpochMs(c.t) };
        this.open.set(c.kind, rec);
        out.push(this.alert(rec.id, 0, c.kind, level, rec.raisedAt, evidence, 'active'));
      }
    }
    return out;
  }

  activeKinds(): string[] {
    return [...this.open.keys()];
  }

  private alert(id: string, rev: number, kind: string, level: Alert['level'], at: number, evidence: Alert['evidence'], state: Alert['state']): Alert {
    const a: Alert = { id, rev, wearer: this.wearer, role: this.role, kind, level, raisedAt: at, evidence, state };
    if (this.station !== undefined) a.station = this.station;
    return a;
  }
}
