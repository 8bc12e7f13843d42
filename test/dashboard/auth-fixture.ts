import type { FastifyInstance } from 'fastify';
import type { CommandContext, CommandPort } from '../../gateway/commands/command-port.ts';
import type { CommandReply } from '../../gateway/commands/command-schemas.ts';
import { hashPassword } from '../../dashboard/auth/password-hash.ts';
import { SupervisorAuth, type SupervisorUser } from '../../dashboard/auth/supervisor-auth.ts';

/** Test passwords are hashed at the lowest accepted cost (ln=14) so that a login takes ~35 ms, not 0.3 s. */
export const FAST = { ln: 14, r: 8, p: 1 } as const;

let users: Promise<SupervisorUser[]> | null = null;
/**
 * sup-1 / 'correct horse' (supervisor), lead-1 / 'lead pass' (team lead), and a user whose name
 * is markup ('<b>x</b>' / 'markup': the config's pattern refuses such names, the plugin must
 * still escape them). `configUsers()` gives the first two, which a config accepts.
 */
export function testUsers(): Promise<SupervisorUser[]> {
  users ??= (async () => [
    { name: 'sup-1', role: 'supervisor' as const, passwordHash: await hashPassword('correct horse', FAST) },
    { name: 'lead-1', role: 'team_lead' as const, passwordHash: await hashPassword('lead pass', FAST) },
    { name: '<b>x</b>', role: 'supervisor' as const, passwordHash: await hashPassword('markup', FAST) },
  ])();
  return users;
}

export async function configUsers(): Promise<SupervisorUser[]> {
  return (await testUsers()).slice(0, 2);
}

export async function testAuth(o: { now?: () => number; sessionTtlMs?: number; idleTimeoutMs?: number } = {}): Promise<SupervisorAuth> {
  return new SupervisorAuth({ users: await testUsers(), sessionTtlMs: o.sessionTtlMs ?? 8 * 3600_000, idleTimeoutMs: o.idleTimeoutMs ?? 1800_000, ...(o.now ? { now: o.now } : {}) });
}

/**
 * A CommandPort for the dashboard's own tests, until the gateway's lands: it records every call
 * and answers with `answer` (by default ok with the alert's or decision's new state).
 */
export class RecordingCommandPort implements CommandPort {
  readonly calls: { command: Record<string, unknown>; ctx: CommandContext }[] = [];
  answer: (command: Record<string, unknown>, ctx: CommandContext) => CommandReply | Promise<CommandReply> = (c) => ({
    correlationId: String(c['correlationId']),
    command: String(c['command']),
    ok: true,
    result: { state: ({ 'alert.ack': 'acked', 'alert.shelve': 'shelved', 'decision.accept': 'accepted', 'decision.reject': 'rejected' } as Record<string, string>)[String(c['command'])] ?? 'done' },
    ts: 1_700_000_000_000,
  });
  async execute(command: unknown, ctx: CommandContext): Promise<CommandReply> {
    const c = command as Record<string, unknown>;
    this.calls.push({ command: c, ctx });
    return this.answer(c, ctx);
  }
}

/** Signs in through the API; returns the cookie header and CSRF token for later writes. */
export async function signIn(app: FastifyInstance, user = 'sup-1', password = 'correct horse'): Promise<{ cookie: string; csrf: string; headers: Record<string, string> }> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { user, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const set = res.cookies.find((c) => c.name === 'afg_session');
  if (!set) throw new Error('no session cookie');
  const cookie = `afg_session=${set.value}`;
  const csrf = res.json().csrfToken as string;
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}
