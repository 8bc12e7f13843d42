import { createHash, randomBytes } from 'node:crypto';

export type SupervisorRole = 'supervisor' | 'team_lead';

export interface Session {
  user: string;
  role: SupervisorRole;
  /** synchroniser token: cookie-authenticated writes must echo it in a header */
  csrf: string;
  createdAt: number;
  lastUsed: number;
  /** epoch ms after which the session is gone, whatever its use */
  expiresAt: number;
}

export interface SessionStoreOptions {
  /** absolute lifetime, ms (a shift) */
  ttlMs: number;
  /** a session unused this long ends, ms */
  idleMs: number;
  /** sessions kept at most (oldest dropped first): memory stays bounded whatever logs in */
  maxSessions?: number;
  /**
   * epoch-like ms for createdAt/expiresAt and the expiry checks; default: the wall clock at
   * construction plus monotonic time since, so a wall-clock jump neither ends every session nor
   * stretches one beyond its ttl (a session lives in memory only, so no reading needs to survive a restart)
   */
  now?: () => number;
}

/**
 * Dashboard login sessions, in memory (a gateway restart signs everybody out, which is the safe
 * side). The token is 32 random bytes; only its SHA-256 is kept as the key, so a heap dump does
 * not hand out live sessions. Each session ends at `ttlMs` after login or `idleMs` after its last
 * use, whichever comes first.
 * Cost: O(1) per lookup; a sweep of expired sessions per login, O(sessions).
 *
 * @example
 *   const sessions = new SessionStore({ ttlMs: 8 * 3600_000, idleMs: 30 * 60_000 });
 *   const { token } = sessions.create('sup-1', 'supervisor');
 *   sessions.get(token)?.user; // 'sup-1'
 */
export class SessionStore {
  private readonly byHash = new Map<string, Session>();
  private readonly ttlMs: number;
  private readonly idleMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor(opts: SessionStoreOptions) {
    if (!(opts.ttlMs > 0) || !(opts.idleMs > 0)) throw new RangeError('SessionStore: ttlMs and idleMs must be > 0');
    this.ttlMs = opts.ttlMs;
    this.idleMs = opts.idleMs;
    this.maxSessions = opts.maxSessions ?? 1000;
    if (!Number.isInteger(this.maxSessions) || this.maxSessions < 1) throw new RangeError('SessionStore: maxSessions must be a positive integer');
    if (opts.now) this.now = opts.now;
    else {
      const epoch = Date.now() - performance.now();
      this.now = () => epoch + performance.now();
    }
  }

  get size(): number {
    return this.byHash.size;
  }

  create(user: string, role: SupervisorRole): { token: string; session: Session } {
    this.sweep();
    while (this.byHash.size >= this.maxSessions) {
      const oldest = this.byHash.keys().next().value as string;
      this.byHash.delete(oldest);
    }
    const token = randomBytes(32).toString('base64url');
    const t = this.now();
    const session: Session = { user, role, csrf: randomBytes(24).toString('base64url'), createdAt: t, lastUsed: t, expiresAt: t + this.ttlMs };
    this.byHash.set(hashToken(token), session);
    return { token, session };
  }

  /** The live session for a token (and marks it used), or null when unknown or expired. */
  get(token: string | undefined): Session | null {
    if (!token || token.length > 128) return null;
    const key = hashToken(token);
    const s = this.byHash.get(key);
    if (!s) return null;
    const t = this.now();
    if (t >= s.expiresAt || t - s.lastUsed >= this.idleMs) {
      this.byHash.delete(key);
      return null;
    }
    s.lastUsed = t;
    return s;
  }

  delete(token: string | undefined): boolean {
    return token ? this.byHash.delete(hashToken(token)) : false;
  }

  /** When the session ends if it stays in use (the earlier of idle and absolute expiry from now). */
  endsAt(s: Session): number {
    return Math.min(s.expiresAt, s.lastUsed + this.idleMs);
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, s] of this.byHash) if (t >= s.expiresAt || t - s.lastUsed >= this.idleMs) this.byHash.delete(k);
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
