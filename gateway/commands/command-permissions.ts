import type { ActorRole } from './command-port.ts';
import type { CommandName } from './command-schemas.ts';

/**
 * Who may send which command (issue 7; README "Commands and who may send them").
 *
 * - People act on alerts: supervisors and team leads acknowledge and shelve operator alerts.
 *   Line systems (MES/SCADA) do not: an acknowledgement says a person has seen it.
 * - Decisions are for the line: the line system that executes them, or a supervisor, accepts or
 *   rejects. A team lead does not overrule the line's plan on the gateway.
 * - Thresholds change what alerts fire: supervisors only, and only those in ADJUSTABLE_THRESHOLDS,
 *   within their ranges.
 * - Driver alerts are refused for every role (checked where the alert is found): see
 *   `GatewayCommands` for the safety reasoning.
 */
export const COMMAND_PERMISSIONS: Readonly<Record<CommandName, readonly ActorRole[]>> = {
  'alert.ack': ['supervisor', 'team_lead'],
  'alert.shelve': ['supervisor', 'team_lead'],
  'decision.accept': ['supervisor', 'line_system'],
  'decision.reject': ['supervisor', 'line_system'],
  'threshold.set': ['supervisor'],
};

/**
 * Longest shelve a role may ask for (s). Shelving hides an alert, so it is time-limited for
 * everybody (ISA-18.2 / IEC 62682: shelving is temporary and controlled); a team lead's shelve
 * is shorter than a supervisor's, which is bounded by the operator policy's maxShelveS.
 */
export const SHELVE_LIMIT_S: Readonly<Partial<Record<ActorRole, number>>> = {
  team_lead: 900,
};

export const ACTOR_ROLES: readonly ActorRole[] = ['supervisor', 'team_lead', 'line_system'];

export function mayExecute(role: ActorRole, command: CommandName): boolean {
  return COMMAND_PERMISSIONS[command].includes(role);
}
