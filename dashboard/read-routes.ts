import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { DeviceStatus } from '../gateway/core/event-bus.ts';
import type { FloorState } from './floor-state.ts';
import type { FloorHistory } from './wearer-history.ts';
import type { ThroughputMeter } from './throughput-meter.ts';
import type { HealthReport } from './health-report.ts';
import {
  AlertDetailSchema,
  AlertSchema,
  AlertsQuerySchema,
  AuditEntrySchema,
  AuditQuerySchema,
  DecisionSchema,
  EffectsSchema,
  ErrorSchema,
  FloorSnapshotSchema,
  GatewayStatusSchema,
  HistorySchema,
  IdParamsSchema,
  WearerDetailSchema,
  WearerParamsSchema,
} from './api-schemas.ts';

/** One revision of an alert episode, as the store keeps it. */
export interface AlertStep {
  rev: number;
  level: number;
  state: string;
  at: number;
  by?: string;
}

/** One line of the store's audit trail. */
export interface AuditRecord {
  at: number;
  actor: string;
  action: string;
  target: string;
  note?: string;
  role?: string;
  via?: string;
  ok?: boolean;
  code?: string;
}

/** What the dashboard reads from the gateway's store: alert histories and the audit trail. */
export interface DashboardRecords {
  alertHistory(id: string): AlertStep[] | null;
  /** newest first, at most `limit`, optionally only those about `target` */
  audit(q: { target?: string; limit: number }): AuditRecord[];
}

/** One row of the effect evaluation: kind, station, count, and whatever numeric measures the evaluator adds (passed through). */
export interface EffectSummaryRow {
  kind: string;
  station: string | null;
  n: number;
}

/** Raw gaze of a wearer (only served with dashboard.allowRawGaze). */
export interface RawGazeSource {
  recent(wearer: string): { t: number[]; x: number[]; y: number[]; units: string } | null;
}

export interface ReadRoutesOptions {
  floor: FloorState;
  health: () => HealthReport;
  history?: FloorHistory;
  records?: DashboardRecords;
  effects?: () => EffectSummaryRow[];
  throughput?: ThroughputMeter;
  allowRawGaze: boolean;
  rawGaze?: RawGazeSource;
}

const notFound = (what: string) => ({ code: 'AFG_E_HTTP_NOT_FOUND', message: `no such ${what}` });

/**
 * The dashboard's read API (no login needed: it serves derived data only, and the dashboard binds
 * loopback unless authentication is configured). Every route has a response schema, so a field
 * that is not in it never leaves the process.
 * Cost: the floor and lists are O(items); history O(rows of one wearer).
 *
 * @example
 *   await app.register(readRoutes, { floor, health, history, allowRawGaze: false });
 */
export async function readRoutes(app: FastifyInstance, opts: ReadRoutesOptions): Promise<void> {
  const { floor } = opts;

  app.get('/api/floor', { schema: { response: { 200: FloorSnapshotSchema } } }, async () => floor.snapshot());

  app.get('/api/alerts', { schema: { querystring: AlertsQuerySchema, response: { 200: Type.Array(AlertSchema) } } }, async (req) => {
    const state = (req.query as { state?: string }).state;
    return floor.alertList().filter((a) => !state || a.state === state);
  });

  app.get('/api/alerts/:id', { schema: { params: IdParamsSchema, response: { 200: AlertDetailSchema, 404: ErrorSchema } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const alert = floor.alertList().find((a) => a.id === id);
    if (!alert) return reply.code(404).send(notFound('alert'));
    return { alert, history: opts.records?.alertHistory(id) ?? [], audit: opts.records?.audit({ target: id, limit: 200 }) ?? [] };
  });

  app.get('/api/audit', { schema: { querystring: AuditQuerySchema, response: { 200: Type.Array(AuditEntrySchema) } } }, async (req) => {
    const q = req.query as { target?: string; limit: number };
    return opts.records?.audit(q.target !== undefined ? { target: q.target, limit: q.limit } : { limit: q.limit }) ?? [];
  });

  app.get('/api/decisions', { schema: { response: { 200: Type.Array(DecisionSchema) } } }, async () => floor.snapshot().decisions);

  app.get('/api/effects', { schema: { response: { 200: EffectsSchema } } }, async () => ({ available: opts.effects !== undefined, rows: opts.effects?.() ?? [] }));

  app.get('/api/wearers/:id', { schema: { params: WearerParamsSchema, response: { 200: WearerDetailSchema, 404: ErrorSchema } } }, async (req, reply) => {
    const detail = floor.wearer((req.params as { id: string }).id);
    if (!detail) return reply.code(404).send(notFound('wearer'));
    return { ...detail, rawGazeAllowed: opts.allowRawGaze };
  });

  app.get('/api/wearers/:id/history', { schema: { params: WearerParamsSchema, response: { 200: HistorySchema, 404: ErrorSchema } } }, async (req, reply) => {
    const cols = opts.history?.columns((req.params as { id: string }).id) ?? null;
    if (!cols) return reply.code(404).send(notFound('wearer history'));
    return cols;
  });

  app.get('/api/wearers/:id/gaze', { schema: { params: WearerParamsSchema, response: { 200: Type.Object({ t: Type.Array(Type.Number()), x: Type.Array(Type.Number()), y: Type.Array(Type.Number()), units: Type.String() }), 403: ErrorSchema, 404: ErrorSchema } } }, async (req, reply) => {
    // raw gaze stays on the box's own process unless the plant decided otherwise (GDPR / works council)
    if (!opts.allowRawGaze) return reply.code(403).send({ code: 'AFG_E_RAW_GAZE_DISABLED', message: 'raw gaze is not shown (dashboard.allowRawGaze is false)' });
    const g = opts.rawGaze?.recent((req.params as { id: string }).id) ?? null;
    if (!g) return reply.code(404).send(notFound('raw gaze for this wearer'));
    return g;
  });

  app.get('/api/gateway', { schema: { response: { 200: GatewayStatusSchema } } }, async () => {
    const devices: DeviceStatus[] = floor.snapshot().devices;
    return { health: opts.health(), throughput: opts.throughput?.current() ?? null, devices };
  });
}
