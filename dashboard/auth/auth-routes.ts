import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import { Type } from '@sinclair/typebox';
import type { ErrorCounter } from '../../gateway/core/errors.ts';
import { ErrorSchema, LoginBodySchema, LoginReplySchema, SessionSchema } from '../api-schemas.ts';
import { SESSION_COOKIE, type DashboardAuth, type Supervisor, type SupervisorAuth } from './supervisor-auth.ts';

export interface AuthRoutesOptions {
  auth: DashboardAuth | undefined;
  /** mark the session cookie Secure (served over TLS, or behind a TLS-terminating proxy) */
  secureCookie: boolean;
  loginRateLimit: { max: number; windowMs: number };
  errors?: ErrorCounter;
}

/** Narrows a DashboardAuth to the password login this plugin serves routes for. */
export function isSupervisorAuth(a: DashboardAuth | undefined): a is SupervisorAuth {
  return !!a && typeof (a as SupervisorAuth).login === 'function' && typeof (a as SupervisorAuth).session === 'function';
}

/**
 * POST /api/login, POST /api/logout, GET /api/session. The login is rate-limited per client
 * address (@fastify/rate-limit, counting every attempt) on top of the scrypt cost per attempt.
 * The session cookie is HttpOnly (no script reads it), SameSite=Strict (never sent on a
 * cross-site request) and Path=/; the CSRF token travels in the reply body, not in a cookie.
 * Cost: one scrypt run per login; O(1) otherwise.
 *
 * @example
 *   await app.register(authRoutes, { auth, secureCookie: false, loginRateLimit: { max: 10, windowMs: 60_000 } });
 */
export async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions): Promise<void> {
  const { auth, errors } = opts;
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => {
      errors?.count('AFG_E_HTTP_RATE_LIMIT');
      return { statusCode: 429, code: 'AFG_E_HTTP_RATE_LIMIT', message: `too many sign-in attempts; try again in ${ctx.after}` };
    },
  });

  const cookieOpts = (maxAgeS: number) => ({ path: '/', httpOnly: true, sameSite: 'strict' as const, secure: opts.secureCookie, maxAge: maxAgeS });

  app.post(
    '/api/login',
    {
      config: { rateLimit: { max: opts.loginRateLimit.max, timeWindow: opts.loginRateLimit.windowMs } },
      schema: { body: LoginBodySchema, response: { 200: LoginReplySchema, 401: ErrorSchema, 429: ErrorSchema } },
    },
    async (req, reply) => {
      const { user, password } = req.body as { user: string; password: string };
      if (!isSupervisorAuth(auth) || !auth.configured) {
        errors?.count('AFG_E_HTTP_AUTH');
        return reply.code(401).send({ code: 'AFG_E_HTTP_AUTH', message: 'no supervisor accounts are configured (dashboard.auth.users)' });
      }
      const s = await auth.login(user, password);
      if (!s) {
        errors?.count('AFG_E_HTTP_AUTH');
        return reply.code(401).send({ code: 'AFG_E_HTTP_AUTH', message: 'wrong user name or password' });
      }
      const endsAt = auth.sessions.endsAt(s.session);
      reply.setCookie(SESSION_COOKIE, s.token, cookieOpts(Math.ceil((s.session.expiresAt - s.session.createdAt) / 1000)));
      return { user: s.session.user, role: s.session.role, csrfToken: s.session.csrf, expiresAt: endsAt };
    },
  );

  app.post('/api/logout', { schema: { response: { 204: Type.Null(), 403: ErrorSchema } } }, async (req, reply) => {
    if (isSupervisorAuth(auth) && auth.session(req)) {
      // a signed-in logout is a write: it needs the CSRF token, so another site cannot sign a supervisor out
      const refusal = auth.verifyWrite(req);
      if (refusal) {
        errors?.count(refusal.code);
        return reply.code(403).send(refusal);
      }
      auth.logout(req);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get('/api/session', { schema: { response: { 200: SessionSchema } } }, async (req: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    if (isSupervisorAuth(auth)) {
      const s = auth.session(req);
      return { authenticated: !!s, user: s?.user ?? null, role: s?.role ?? null, writeEnabled: auth.configured, csrfToken: s?.csrf ?? null, expiresAt: s ? auth.sessions.endsAt(s) : null };
    }
    const who: Supervisor | null = auth ? await auth.authenticate(req) : null;
    return { authenticated: who !== null, user: who?.user ?? null, role: who?.role ?? null, writeEnabled: auth !== undefined, csrfToken: null, expiresAt: null };
  });
}
