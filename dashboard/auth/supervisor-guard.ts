import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCounter } from '../../gateway/core/errors.ts';
import type { DashboardAuth, Supervisor } from './supervisor-auth.ts';

export type RequestWithSupervisor = FastifyRequest & { supervisor?: Supervisor };

/**
 * A preHandler for write routes: 401 with AFG_E_HTTP_AUTH unless a supervisor is signed in,
 * 403 with AFG_E_HTTP_CSRF when the auth layer's write checks refuse (a cookie session without
 * its CSRF token, a cross-site request); without an auth layer every write is refused.
 * On success the supervisor is on `req.supervisor`.
 *
 * @example
 *   app.post('/api/alerts/:id/ack', { preHandler: supervisorGuard(auth) }, handler);
 */
export function supervisorGuard(auth: DashboardAuth | undefined, errors?: ErrorCounter) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const who = auth ? await auth.authenticate(req) : null;
    if (!who) {
      errors?.count('AFG_E_HTTP_AUTH');
      await reply.code(401).send({ code: 'AFG_E_HTTP_AUTH', message: auth ? 'sign in as a supervisor first' : 'no authentication is configured, so write actions are disabled' });
      return;
    }
    const refusal = auth?.verifyWrite?.(req, who) ?? null;
    if (refusal) {
      errors?.count(refusal.code);
      await reply.code(403).send(refusal);
      return;
    }
    (req as RequestWithSupervisor).supervisor = who;
  };
}
