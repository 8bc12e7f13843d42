import type { Alert, AlertState, Role, WearerId } from '../core/types.ts';
import type { FleetPipeline } from '../pipeline/fleet-pipeline.ts';
import { OPERATOR_ALERT_KINDS, type OperatorAlertKind } from '../policy/operator-policy.ts';

/** An open alert episode as commands see it. */
export interface AlertHandle {
  id: string;
  wearer: WearerId;
  role: Role;
  kind: string;
  level: number;
  state: AlertState;
}

/**
 * What commands may do to alerts, applied at a tick boundary (gateway time tMs). Each action
 * returns the resulting Alert revisions for the bus (empty when nothing changed).
 */
export interface AlertDesk {
  /** the open episode with this id (cleared ones are in the store, not here) */
  find(alertId: string): AlertHandle | undefined;
  ack(alertId: string, tMs: number, by: string): Alert[];
  shelve(alertId: string, tMs: number, untilMs: number, by: string): Alert[];
  /** longest shelve this alert's policy allows, s */
  maxShelveS(alertId: string): number;
}

/**
 * The fleet's operator alerts, reached through each wearer's policy and alert tracker: an ack or
 * shelve goes into the OperatorPolicy (it stops escalation, hides the kind) and the tracker
 * turns the policy's transition into the next revision of the same episode.
 * Driver alerts are found but not acted on here: GatewayCommands refuses them first.
 *
 * Cost: find is O(wearers x open kinds); commands are rare.
 *
 * @example
 *   const desk = new FleetAlertDesk(fleet);
 *   const revs = desk.ack('al-…', tMs, 'sup-01');
 */
export class FleetAlertDesk implements AlertDesk {
  constructor(private readonly fleet: FleetPipeline) {}

  find(alertId: string): AlertHandle | undefined {
    for (const w of this.fleet.wearerIds()) {
      const p = this.fleet.pipeline(w)!;
      const a = p.tracker.find(alertId);
      if (a) return { id: a.id, wearer: w, role: p.wearer.role, kind: a.kind, level: a.level, state: a.state };
    }
    return undefined;
  }

  ack(alertId: string, tMs: number, by: string): Alert[] {
    const h = this.operatorAlert(alertId);
    if (!h) return [];
    const tr = h.policy.ack(h.kind, tMs, { by });
    return tr ? h.tracker.apply([tr]) : [];
  }

  shelve(alertId: string, tMs: number, untilMs: number, by: string): Alert[] {
    const h = this.operatorAlert(alertId);
    if (!h) return [];
    const tr = h.policy.shelve(h.kind, tMs, untilMs, { by });
    return tr ? h.tracker.apply([tr]) : [];
  }

  maxShelveS(alertId: string): number {
    return this.operatorAlert(alertId)?.policy.settings.maxShelveS ?? 0;
  }

  private operatorAlert(alertId: string) {
    const h = this.find(alertId);
    if (!h || h.role !== 'operator') return null;
    const p = this.fleet.pipeline(h.wearer)!;
    if (!p.operator || !(OPERATOR_ALERT_KINDS as readonly string[]).includes(h.kind)) return null;
    return { policy: p.operator, tracker: p.tracker, kind: h.kind as OperatorAlertKind };
  }
}
