import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { Registry } from 'prom-client';
import type { FloorState } from './floor-state.ts';
import { FloorEventStream } from './floor-event-stream.ts';
import { AlertSchema, AlertsQuerySchema, ErrorSchema, FloorSnapshotSchema, HealthSchema, SessionSchema, WearerDetailSchema, WearerParamsSchema } from './api-schemas.ts';

export interface HealthReport {
  status: 'starting' | 'ready' | 'degraded';
  reasons: string[];
  [key: string]: unknown;
}

/** A supervisor as the authentication layer resolved it. */
export interface Supervisor {
  user: string;
}

/**
 * How the dashboard learns who is asking (session cookie, bearer token: the login arrives with
 * the write actions of issue 9). Reads stay open on loopback; write routes are guarded by
 * `supervisorGuard(auth)`.
 */
export interface DashboardAuth {
  authenticate(req: FastifyRequest): Promise<Supervisor | null> | Supervisor | null;
}

export interface DashboardOptions {
  floor: FloorState;
  health: () => HealthReport;
  /** the registry to expose on /metrics (or the object createGatewayMetrics returns) */
  metrics: Registry | { registry: Registry };
  auth?: DashboardAuth;
  /** SSE heartbeat period, ms (the page turns stale after 5 s without an event) */
  heartbeatMs?: number;
  /** per-wearer SSE updates are coalesced to at most one per this period, ms */
  wearerPeriodMs?: number;
}

const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');

/**
 * A preHandler for write routes: 401 with AFG_E_HTTP_AUTH unless a supervisor is authenticated;
 * without an auth layer configured every write is refused.
 *
 * @example
 *   app.post('/api/alerts/:id/ack', { preHandler: supervisorGuard(opts.auth) }, handler);
 */
export function supervisorGuard(auth: DashboardAuth | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const who = auth ? await auth.authenticate(req) : null;
    if (!who) {
      await reply.code(401).send({ code: 'AFG_E_HTTP_AUTH', message: auth ? 'sign in as a supervisor first' : 'no authentication is configured, so write actions are disabled' });
      return;
    }
    (req as FastifyRequest & { supervisor?: Supervisor }).supervisor = who;
  };
}

/**
 * The floor dashboard as a fastify plugin: static UI, JSON API (schemas on every route),
 * Server-Sent Events for live updates, /health and /metrics, security headers with a strict
 * Content-Security-Policy (no inline script or style; the UI renders values with textContent).
 * Registered without fastify-plugin on purpose: helmet, static and the routes stay inside the
 * plugin's own context and do not leak to the host app. Write routes (ack, shelve, accept a
 * decision) belong in this context too, behind `supervisorGuard(opts.auth)`.
 * Cost: GET /api/floor serialises the whole floor (O(wearers + alerts)); SSE is O(1) per event.
 *
 * @example
 *   const app = Fastify();
 *   await app.register(dashboardPlugin, { floor, health, metrics: registry });
 *   await app.listen({ host: '127.0.0.1', port: 8080 });
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardOptions> = async (app: FastifyInstance, opts) => {
  if (!opts || !opts.floor || typeof opts.health !== 'function' || !opts.metrics) throw new TypeError('dashboardPlugin: floor, health and metrics are required');
  const registry: Registry = 'registry' in opts.metrics ? opts.metrics.registry : opts.metrics;
  const streams = new Set<FloorEventStream>();

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        manifestSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: ['index.html'], cacheControl: true, maxAge: 0 });

  // open SSE responses never go idle: end them first, or close() would wait on them forever
  app.addHook('preClose', async () => {
    for (const s of streams) s.close();
  });

  app.get('/health', { schema: { response: { 200: HealthSchema, 503: HealthSchema } } }, async (_req, reply) => {
    const h = opts.health();
    return reply.code(h.status === 'ready' ? 200 : 503).send(h);
  });

  app.get('/metrics', { schema: { response: { 200: { type: 'string' } } } }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });

  app.get('/api/floor', { schema: { response: { 200: FloorSnapshotSchema } } }, async () => opts.floor.snapshot());

  app.get('/api/alerts', { schema: { querystring: AlertsQuerySchema, response: { 200: { type: 'array', items: AlertSchema } } } }, async (req) => {
    const state = (req.query as { state?: string }).state;
    return opts.floor.alertList().filter((a) => !state || a.state === state);
  });

  app.get('/api/wearers/:id', { schema: { params: WearerParamsSchema, response: { 200: WearerDetailSchema, 404: ErrorSchema } } }, async (req, reply) => {
    const detail = opts.floor.wearer((req.params as { id: string }).id);
    if (!detail) return reply.code(404).send({ code: 'AFG_E_INPUT_INVALID', message: 'no such wearer' });
    return detail;
  });

  app.get('/api/session', { schema: { response: { 200: SessionSchema } } }, async (req) => {
    const who = opts.auth ? await opts.auth.authenticate(req) : null;
    return { authenticated: who !== null, user: who?.user ?? null, writeEnabled: opts.auth !== undefined };
  });

  app.get('/api/events', { schema: { response: { 200: { type: 'string' } } } }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    // hijacked replies skip onSend hooks: copy the security headers helmet already set
    const headers: Record<string, string | number | string[]> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const stream = new FloorEventStream(opts.floor, res, { heartbeatMs: opts.heartbeatMs, coalesceMs: opts.wearerPeriodMs });
    streams.add(stream);
    stream.onClose(() => streams.delete(stream));
    req.raw.on('close', () => stream.close());
  });
};
