import type { CommandReply, GatewayCommand } from './command-schemas.ts';

/** Who may do what. A line system (MES/SCADA over MQTT) acts on decisions; people act on alerts. */
export type ActorRole = 'supervisor' | 'team_lead' | 'line_system';

/** Who sent a command and how: the audit trail records all three. */
export interface CommandContext {
  /** pseudonymous user id (dashboard login) or the MQTT client/actor name */
  actor: string;
  role: ActorRole;
  via: 'mqtt' | 'http';
}

/**
 * The one way into the gateway's state from outside: MQTT command topics and the dashboard's
 * write routes both call `execute`. It validates (schema, then meaning), authorises by role,
 * applies the change at the next pipeline tick (policies are stepped by time, never poked from
 * I/O), audits it in the store, and resolves with the reply to send back. It never throws for
 * bad input: a refusal is a reply with `ok: false`, a stable code and the reason.
 */
export interface CommandPort {
  execute(command: unknown, ctx: CommandContext): Promise<CommandReply>;
}
