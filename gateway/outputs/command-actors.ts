import { createHash, timingSafeEqual } from 'node:crypto';
import type { ActorRole } from '../commands/command-port.ts';

export interface CommandActorConfig {
  id: string;
  role: ActorRole;
  /** hex SHA-256 of the token the actor must present; absent: the broker's ACL is the only guard */
  tokenSha256?: string;
}

export type ActorCheck = { ok: true; actor: string; role: ActorRole } | { ok: false; reason: string };

/**
 * Who may send commands over MQTT. MQTT does not tell a subscriber who published a message,
 * so the gateway cannot see the sender's broker identity: a command names its actor (payload
 * field `actor` or MQTT 5 user property `actor`), and the actor must be in this configured list.
 * The claim is as strong as the broker's ACL on `cmd/#` unless the actor has a token: then
 * the command must carry it (`token`), compared by SHA-256 in constant time, which binds the
 * claim to a secret only that actor holds (over TLS, so it is not readable on the wire).
 *
 * Cost: one Map lookup, plus one SHA-256 of a short string when a token is configured.
 *
 * @example
 *   const actors = new CommandActors([{ id: 'mes-1', role: 'line_system' }]);
 *   actors.check('mes-1', undefined); // { ok: true, actor: 'mes-1', role: 'line_system' }
 */
export class CommandActors {
  private readonly byId = new Map<string, CommandActorConfig>();

  constructor(actors: readonly CommandActorConfig[]) {
    for (const a of actors) {
      if (this.byId.has(a.id)) throw new RangeError(`command actor '${a.id}' is listed twice`);
      if (a.tokenSha256 !== undefined && !/^[0-9a-f]{64}$/.test(a.tokenSha256)) throw new RangeError(`command actor '${a.id}': tokenSha256 must be 64 lowercase hex digits`);
      this.byId.set(a.id, a);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  check(actor: string | undefined, token: string | undefined): ActorCheck {
    if (actor === undefined || actor === '') return { ok: false, reason: 'the command names no actor (payload field "actor" or MQTT 5 user property "actor")' };
    const a = this.byId.get(actor);
    // the same reason for an unknown actor and a wrong token: a refusal must not tell which ids exist
    const refused = { ok: false as const, reason: `actor '${actor.slice(0, 64)}' is not authorised to send commands (unknown actor or wrong token)` };
    if (!a) return refused;
    if (a.tokenSha256 !== undefined) {
      if (token === undefined) return refused;
      const got = createHash('sha256').update(token, 'utf8').digest();
      if (!timingSafeEqual(got, Buffer.from(a.tokenSha256, 'hex'))) return refused;
    }
    return { ok: true, actor: a.id, role: a.role };
  }
}

/** The hex SHA-256 to put in `tokenSha256` for a token (`node -e` one-liner in the README). */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
