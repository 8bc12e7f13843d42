import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { Registry } from 'prom-client';
import type { FloorEvent, FloorState } from './floor-state.ts';

export interface HealthReport {
  status: 'starting' | 'ready' | 'degraded';
  reasons: string[];
  [key: string]: unknown;
}

export interface DashboardOptions {
  floor: FloorState;
  health: () => HealthReport;
  metrics: Registry;
  /** SSE heartbeat period, ms */
  heartbeatMs?: number;
  /** per-wearer updates are coalesced to at most one per this period, ms */
  wearerPeriodMs?: number;
}

const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');

const HealthSchema = {
  type: 'object',
  required: ['status', 'reasons'],
  properties: { status: { type: 'string', enum: ['starting', 'ready', 'degraded'] }, reasons: { type: 'array', items: { type: 'string' } } },
  additionalProperties: true,
} as const;

/**
 * The floor dashboard as a fastify plugin: static UI, JSON API, Server-Sent Events for live
 * updates, /health and /metrics. Strict Content-Security-Policy (no inline script or style):
 * the UI renders every value with textContent.
 *
 * @example
 *   await app.register(dashboardPlugin, { floor, health, metrics: registry });
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardOptions> = async (app: FastifyInstance, opts) => {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: ['index.html'] });

  app.get('/health', { schema: { response: { 200: HealthSchema, 503: HealthSchema } } }, async (_req, reply) => {
    const h = opts.health();
    return reply.code(h.status === 'ready' ? 200 : 503).send(h);
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', opts.metrics.contentType);
    return opts.metrics.metrics();
  });

  app.get('/api/floor', async () => opts.floor.snapshot());

  app.get('/api/alerts', {
    schema: { querystring: { type: 'object', properties: { state: { type: 'string', enum: ['active', 'acked', 'shelved', 'cleared'] } }, additionalProperties: false } },
  }, async (req) => {
    const state = (req.query as { state?: string }).state;
    return opts.floor.alertList().filter((a) => !state || a.state === state);
  });

  app.get('/api/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('snapshot', opts.floor.snapshot());
    const pendingWearers = new Map<string, unknown>();
    const flush = setInterval(() => {
      for (const w of pendingWearers.values()) send('wearer', w);
      pendingWearers.clear();
    }, opts.wearerPeriodMs ?? 500);
    const heartbeat = setInterval(() => res.write(`: heartbeat ${Date.now()}\n\n`), opts.heartbeatMs ?? 5000);
    const unsubscribe = opts.floor.subscribe((e: FloorEvent) => {
      if (e.type === 'wearer') pendingWearers.set(e.wearer.id, e.wearer);
      else if (e.type === 'alert') send('alert', e.alert);
      else if (e.type === 'device') send('device', e.device);
      else send('decision', e.decision);
    });
    const close = () => {
      clearInterval(flush);
      clearInterval(heartbeat);
      unsubscribe();
    };
    req.raw.on('close', close);
    res.on('error', close);
  });
};
