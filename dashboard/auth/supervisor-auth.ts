import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AfgError } from '../../gateway/core/errors.ts';
import { parsePasswordHash, SCRYPT_DEFAULTS, verifyPassword, type ParsedHash } from './password-hash.ts';
import { SessionStore, type Session, type SupervisorRole } from './session-store.ts';

/** A supervisor as the authentication layer resolved it. */
export interface Supervisor {
  user: string;
  role?: SupervisorRole;
}

/** Why a write was refused although a supervisor is signed in. */
export interface WriteRefusal {
  code: 'AFG_E_HTTP_CSRF';
  message: string;
}

/**
 * How the dashboard learns who is asking. Reads stay open; write routes are guarded by
 * `supervisorGuard(auth)`, which calls `authenticate` and then `verifyWrite`.
 */
export interface DashboardAuth {
  authenticate(req: FastifyRequest): Promise<Supervisor | null> | Supervisor | null;
  /** extra checks for a state-changing request (CSRF for cookie sessions); null = allowed */
  verifyWrite?(req: FastifyRequest, who: Supervisor): WriteRefusal | null;
}

export interface SupervisorUser {
  name: string;
  role: SupervisorRole;
  passwordHash: string;
}

export interface SupervisorAuthOptions {
  users: SupervisorUser[];
  /** absolute session lifetime, ms */
  sessionTtlMs: number;
  /** idle timeout, ms */
  idleTimeoutMs: number;
  /** scrypt verifications run at once at most (each needs 128 MiB at the default parameters); others wait */
  maxConcurrentVerifications?: number;
  now?: () => number;
}

export const SESSION_COOKIE = 'afg_session';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Supervisor login against scrypt hashes from the config, with sessions carried by an HttpOnly
 * SameSite=Strict cookie and a per-session CSRF token that every cookie-authenticated write must
 * echo in the `x-csrf-token` header (the synchroniser-token pattern; SameSite alone is not relied
 * on). An unknown user costs the same scrypt run as a wrong password, so the reply time does not
 * tell which user names exist.
 * Cost: one scrypt run per login (about 0.3 s at the default parameters); O(1) per request.
 *
 * @example
 *   const auth = new SupervisorAuth({ users, sessionTtlMs: 8 * 3600_000, idleTimeoutMs: 1800_000 });
 *   const s = await auth.login('sup-1', 'secret'); // { token, session } or null
 *   await app.register(dashboardPlugin, { ..., auth });
 */
export class SupervisorAuth implements DashboardAuth {
  readonly sessions: SessionStore;
  private readonly users = new Map<string, { role: SupervisorRole; hash: ParsedHash }>();
  private readonly decoy: ParsedHash;
  private readonly maxConcurrent: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(opts: SupervisorAuthOptions) {
    if (!opts || !Array.isArray(opts.users)) throw new TypeError('SupervisorAuth: users must be an array');
    opts.users.forEach((u, i) => {
      const path = `/dashboard/auth/users/${i}`;
      if (this.users.has(u.name)) throw new AfgError('AFG_E_CONFIG_INVALID', `user ${u.name} is listed twice`, { path: `${path}/name` });
      const parsed = parsePasswordHash(u.passwordHash);
      if ('error' in parsed) throw new AfgError('AFG_E_CONFIG_INVALID', `user ${u.name}: passwordHash is ${parsed.error}`, { path: `${path}/passwordHash` });
      this.users.set(u.name, { role: u.role, hash: parsed });
    });
    const first = [...this.users.values()][0]?.hash;
    // same parameters as a real user, random key: verification runs fully and always fails
    this.decoy = { ...(first ?? SCRYPT_DEFAULTS), salt: randomBytes(16), key: randomBytes(first?.key.length ?? 32) };
    this.maxConcurrent = opts.maxConcurrentVerifications ?? 2;
    this.sessions = new SessionStore({ ttlMs: opts.sessionTtlMs, idleMs: opts.idleTimeoutMs, ...(opts.now ? { now: opts.now } : {}) });
  }

  get configured(): boolean {
    return this.users.size > 0;
  }

  /** A new session for a correct user name and password, else null (same time either way). */
  async login(name: string, password: string): Promise<{ token: string; session: Session } | null> {
    const u = this.users.get(name);
    const ok = await this.limited(() => verifyPassword(password, u ? u.hash : this.decoy));
    if (!u || !ok) return null;
    return this.sessions.create(name, u.role);
  }

  logout(req: FastifyRequest): boolean {
    return this.sessions.delete(sessionToken(req));
  }

  session(req: FastifyRequest): Session | null {
    return this.sessions.get(sessionToken(req));
  }

  authenticate(req: FastifyRequest): Supervisor | null {
    const s = this.session(req);
    return s ? { user: s.user, role: s.role } : null;
  }

  verifyWrite(req: FastifyRequest): WriteRefusal | null {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return { code: 'AFG_E_HTTP_CSRF', message: `cross-site write refused (sec-fetch-site: ${String(site)})` };
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let same = false;
      try {
        // compare as URLs of the same scheme, so that default ports (:80, :443) compare equal
        const o = new URL(origin);
        same = o.host === new URL(`${o.protocol}//${req.headers.host ?? ''}`).host;
      } catch {
        same = false;
      }
      if (!same) return { code: 'AFG_E_HTTP_CSRF', message: 'write from another origin refused' };
    }
    const s = this.session(req);
    const sent = req.headers[CSRF_HEADER];
    if (!s || typeof sent !== 'string') return { code: 'AFG_E_HTTP_CSRF', message: `the ${CSRF_HEADER} header is missing; reload the page and sign in again` };
    const a = Buffer.from(sent);
    const b = Buffer.from(s.csrf);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { code: 'AFG_E_HTTP_CSRF', message: `the ${CSRF_HEADER} header does not match this session` };
    return null;
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    while (this.running >= this.maxConcurrent) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

function sessionToken(req: FastifyRequest): string | undefined {
  const cookies = (req as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies;
  return cookies?.[SESSION_COOKIE];
}
