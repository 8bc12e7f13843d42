import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ErrorCounter } from '../gateway/core/errors.ts';
import type { CommandPort } from '../gateway/commands/command-port.ts';
import { AckAlertCommand, CommandReply, ShelveAlertCommand, type GatewayCommand } from '../gateway/commands/command-schemas.ts';
import { supervisorGuard, type RequestWithSupervisor } from './auth/supervisor-guard.ts';
import type { DashboardAuth } from './auth/supervisor-auth.ts';

const Strict = { additionalProperties: false } as const;
// the bodies reuse the command contract's field schemas, so HTTP and MQTT refuse the same input
const NoteBody = Type.Object({ note: Type.Optional(AckAlertCommand.properties.note) }, Strict);
const ShelveBody = Type.Object({ forS: ShelveAlertCommand.properties.forS, note: Type.Optional(ShelveAlertCommand.properties.note) }, Strict);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }, Strict);

// a refusal is either the dashboard's own (code, message) or the port's reply (code, reason, ids):
// one flat schema for both, not a union, keeps the serialisers cheap to compile at start
const Refusal = Type.Object({
  code: Type.String(),
  message: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  correlationId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  command: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  ok: Type.Optional(Type.Boolean()),
  ts: Type.Optional(Type.Integer()),
});
const Replies = { 200: CommandReply, '4xx': Refusal, '5xx': Refusal };

/** HTTP status for the port's refusal codes (gateway/core/errors.ts); any other refusal is 422. */
const REFUSAL_STATUS: Record<string, number> = {
  AFG_E_COMMAND_INVALID: 400,
  AFG_E_COMMAND_UNAUTHORISED: 403,
  AFG_E_COMMAND_NOT_FOUND: 404,
  AFG_E_COMMAND_CONFLICT: 409,
  AFG_E_COMMAND_UNAVAILABLE: 503,
};

export interface WriteRoutesOptions {
  auth: DashboardAuth | undefined;
  commands: CommandPort | undefined;
  errors?: ErrorCounter;
}

/**
 * The dashboard's write actions, each a thin translation of an HTTP request into a command of
 * the shared contract (gateway/commands/command-schemas.ts) handed to the CommandPort, with the
 * signed-in supervisor as the actor. The port validates, authorises by role, applies and audits;
 * its reply is returned as is: 200 when `ok`; when refused, 400 (invalid), 403 (role may not),
 * 404 (no such alert/decision), 409 (wrong state), 503 (not ticking) or 422 (any other code),
 * the body saying why with its code.
 * Cost: O(1) per request plus whatever the port does.
 *
 * @example
 *   await app.register(writeRoutes, { auth, commands });
 *   // POST /api/alerts/a-17/ack  {"note":"spoke to operator"}   (cookie + x-csrf-token)
 */
export async function writeRoutes(app: FastifyInstance, opts: WriteRoutesOptions): Promise<void> {
  const guard = supervisorGuard(opts.auth, opts.errors);

  const run = async (req: RequestWithSupervisor, reply: FastifyReply, command: GatewayCommand) => {
    const port = opts.commands;
    if (!port) {
      opts.errors?.count('AFG_E_HTTP_COMMANDS_UNAVAILABLE');
      return reply.code(503).send({ code: 'AFG_E_HTTP_COMMANDS_UNAVAILABLE', message: 'this gateway does not accept commands yet' });
    }
    const who = req.supervisor!;
    let r: CommandReply;
    try {
      r = await port.execute(command, { actor: who.user, role: who.role ?? 'supervisor', via: 'http' });
    } catch (err) {
      // the port promises never to throw; if it does, the write did not happen and the page must say so
      opts.errors?.count('AFG_E_HTTP_COMMANDS_UNAVAILABLE');
      return reply.code(503).send({ code: 'AFG_E_HTTP_COMMANDS_UNAVAILABLE', message: `the command could not be handed over: ${(err as Error).message}` });
    }
    return reply.code(r.ok ? 200 : (REFUSAL_STATUS[r.code ?? ''] ?? 422)).send(r);
  };
  const correlationId = () => `http-${randomUUID()}`;

  app.post('/api/alerts/:id/ack', { preHandler: guard, schema: { params: IdParams, body: NoteBody, response: Replies } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const { note } = (req.body ?? {}) as { note?: string };
    return run(req, reply, { command: 'alert.ack', correlationId: correlationId(), alertId: id, ...(note !== undefined ? { note } : {}) });
  });

  app.post('/api/alerts/:id/shelve', { preHandler: guard, schema: { params: IdParams, body: ShelveBody, response: Replies } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const { forS, note } = req.body as { forS: number; note?: string };
    return run(req, reply, { command: 'alert.shelve', correlationId: correlationId(), alertId: id, forS, ...(note !== undefined ? { note } : {}) });
  });

  for (const action of ['accept', 'reject'] as const) {
    app.post(`/api/decisions/:id/${action}`, { preHandler: guard, schema: { params: IdParams, body: NoteBody, response: Replies } }, async (req, reply) => {
      const { id } = req.params as { id: string };
      const { note } = (req.body ?? {}) as { note?: string };
      return run(req, reply, { command: action === 'accept' ? 'decision.accept' : 'decision.reject', correlationId: correlationId(), decisionId: id, ...(note !== undefined ? { note } : {}) });
    });
  }
}
