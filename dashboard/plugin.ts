import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import type { Registry } from 'prom-client';
import type { ErrorCounter } from '../gateway/core/errors.ts';
import type { CommandPort } from '../gateway/commands/command-port.ts';
import type { FloorState } from './floor-state.ts';
import { FloorEventStream } from './floor-event-stream.ts';
import { HealthSchema } from './api-schemas.ts';
import { authRoutes } from './auth/auth-routes.ts';
import type { DashboardAuth } from './auth/supervisor-auth.ts';
import type { HealthReport } from './health-report.ts';
import { dashboardValidatorCompiler } from './request-validation.ts';
import { readRoutes, type DashboardRecords, type EffectSummaryRow, type RawGazeSource } from './read-routes.ts';
import { ThroughputMeter } from './throughput-meter.ts';
import { buildUi } from './ui-bundle.ts';
import type { FloorHistory } from './wearer-history.ts';
import { SiteSnapshotSchema, type SiteFloor } from './site-floor.ts';
import { writeRoutes } from './write-routes.ts';

export type { HealthReport } from './health-report.ts';
export type { DashboardAuth, Supervisor } from './auth/supervisor-auth.ts';
export { supervisorGuard } from './auth/supervisor-guard.ts';

export interface DashboardOptions {
  floor: FloorState;
  health: () => HealthReport;
  /** the registry to expose on /metrics (or the object createGatewayMetrics returns, which also gives throughput) */
  metrics: Registry | { registry: Registry };
  /** who may write; without it every write route answers 401 */
  auth?: DashboardAuth;
  /** where write actions go (the gateway's CommandPort); without it writes answer 503 */
  commands?: CommandPort;
  /** counts refused requests by code (afg_errors_total) */
  errors?: ErrorCounter;
  /** mark the session cookie Secure (TLS, or a TLS-terminating proxy in front) */
  secureCookie?: boolean;
  /** login attempts per client address per window */
  loginRateLimit?: { max: number; windowMs: number };
  /** per-wearer derived history for the detail charts */
  history?: FloorHistory;
  /** alert histories and the audit trail from the store */
  records?: DashboardRecords;
  /** effect evaluation summary per decision kind and station */
  effects?: () => EffectSummaryRow[];
  /** dashboard.allowRawGaze: without it the raw gaze route refuses (403) whatever source is given */
  allowRawGaze?: boolean;
  rawGaze?: RawGazeSource;
  /** floor mode: the site's other gateways from the site broker */
  site?: SiteFloor;
  /** SSE heartbeat period, ms (the page turns stale after 5 s without an event) */
  heartbeatMs?: number;
  /** per-wearer SSE updates are coalesced to at most one per this period, ms */
  wearerPeriodMs?: number;
}

const WRITE_BODY_LIMIT = 16 * 1024;

/**
 * The floor dashboard as a fastify plugin: the UI (TypeScript bundled by esbuild at start,
 * served from memory), a JSON API with schemas on every route, Server-Sent Events for live
 * updates, supervisor login with sessions, write actions through the CommandPort, /health and
 * /metrics, security headers with a strict Content-Security-Policy (no inline script or style;
 * the UI renders every value with textContent). Registered without fastify-plugin on purpose:
 * helmet, cookies, rate limits, the error handler and the routes stay inside the plugin's own
 * context and do not leak to the host app.
 * Cost: GET /api/floor serialises the whole floor (O(wearers + alerts)); SSE is O(1) per event.
 *
 * @example
 *   const app = Fastify();
 *   await app.register(dashboardPlugin, { floor, health, metrics, auth, commands });
 *   await app.listen({ host: '127.0.0.1', port: 8080 });
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardOptions> = async (app: FastifyInstance, opts) => {
  if (!opts || !opts.floor || typeof opts.health !== 'function' || !opts.metrics) throw new TypeError('dashboardPlugin: floor, health and metrics are required');
  const registry: Registry = 'registry' in opts.metrics ? opts.metrics.registry : opts.metrics;
  const errors = opts.errors;
  const streams = new Set<FloorEventStream>();
  const ui = await buildUi();

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
    // the session cookie is never useful to another site, nor is a referrer with an alert id in it
    referrerPolicy: { policy: 'no-referrer' },
  });
  await app.register(fastifyCookie);

  app.setValidatorCompiler(dashboardValidatorCompiler());
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err.validation) {
      errors?.count('AFG_E_HTTP_BAD_REQUEST');
      return reply.code(400).send({ code: 'AFG_E_HTTP_BAD_REQUEST', message: `${err.validationContext ?? 'request'}: ${err.message}` });
    }
    const status = err.statusCode ?? 500;
    if (status === 429) return reply.code(429).send({ code: 'AFG_E_HTTP_RATE_LIMIT', message: err.message });
    if (status >= 400 && status < 500) {
      errors?.count('AFG_E_HTTP_BAD_REQUEST');
      return reply.code(status).send({ code: 'AFG_E_HTTP_BAD_REQUEST', message: err.message });
    }
    errors?.count('AFG_E_HTTP_INTERNAL');
    return reply.code(500).send({ code: 'AFG_E_HTTP_INTERNAL', message: 'the dashboard failed to answer; see the gateway log' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: 'AFG_E_HTTP_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

  // the bundle, from memory, revalidated by ETag (a restart can bring a new build)
  for (const [file, asset] of ui) {
    const urls = file === '/index.html' ? ['/', '/index.html'] : [file];
    for (const url of urls) {
      app.get(url, async (req, reply) => {
        reply.header('etag', asset.etag).header('cache-control', 'no-cache').header('vary', 'accept-encoding').type(asset.contentType);
        if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
        if (asset.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(asset.gzip);
        return reply.send(asset.body);
      });
    }
  }

  // open SSE responses never go idle: end them first, or close() would wait on them forever
  app.addHook('preClose', async () => {
    for (const s of streams) s.close();
  });

  const throughput = 'registry' in opts.metrics && 'samplesIn' in opts.metrics ? new ThroughputMeter(opts.metrics as unknown as ConstructorParameters<typeof ThroughputMeter>[0]) : undefined;
  if (throughput) {
    throughput.start();
    app.addHook('onClose', async () => throughput.stop());
  }

  app.get('/health', { schema: { response: { 200: HealthSchema, 503: HealthSchema } } }, async (_req, reply) => {
    const h = opts.health();
    return reply.code(h.status === 'ready' ? 200 : 503).send(h);
  });

  app.get('/metrics', { schema: { response: { 200: { type: 'string' } } } }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });

  await app.register(async (scope) => {
    scope.addHook('onRoute', (r) => {
      r.bodyLimit = WRITE_BODY_LIMIT;
    });
    await scope.register(authRoutes, { auth: opts.auth, secureCookie: opts.secureCookie ?? false, loginRateLimit: opts.loginRateLimit ?? { max: 10, windowMs: 60_000 }, ...(errors ? { errors } : {}) });
    await scope.register(writeRoutes, { auth: opts.auth, commands: opts.commands, ...(errors ? { errors } : {}) });
  });

  await app.register(readRoutes, {
    floor: opts.floor,
    health: opts.health,
    allowRawGaze: opts.allowRawGaze === true,
    ...(opts.history ? { history: opts.history } : {}),
    ...(opts.records ? { records: opts.records } : {}),
    ...(opts.effects ? { effects: opts.effects } : {}),
    ...(throughput ? { throughput } : {}),
    ...(opts.rawGaze ? { rawGaze: opts.rawGaze } : {}),
  });

  const site = opts.site;
  app.get('/api/site', { schema: { response: { 200: { anyOf: [SiteSnapshotSchema, { type: 'null' }] } } } }, async () => site?.snapshot() ?? null);

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
    const stream = new FloorEventStream(opts.floor, res, { heartbeatMs: opts.heartbeatMs, coalesceMs: opts.wearerPeriodMs, ...(site ? { site } : {}) });
    streams.add(stream);
    stream.onClose(() => streams.delete(stream));
    req.raw.on('close', () => stream.close());
  });
};
