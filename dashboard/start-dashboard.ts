import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../gateway/config/schema.ts';
import type { CommandPort } from '../gateway/commands/command-port.ts';
import type { EventBus } from '../gateway/core/event-bus.ts';
import { AfgError, type ErrorCounter } from '../gateway/core/errors.ts';
import { SupervisorAuth } from './auth/supervisor-auth.ts';
import { FloorState } from './floor-state.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import type { HealthReport } from './health-report.ts';
import { dashboardPlugin, type DashboardOptions } from './plugin.ts';
import { RawGazeTap } from './raw-gaze-tap.ts';
import type { EffectSummaryRow } from './read-routes.ts';
import { storeRecords, type StoreLike } from './store-records.ts';
import { summariseEffects, type EffectLike } from './effect-summary.ts';
import { FloorHistory } from './wearer-history.ts';
import { buildUi } from './ui-bundle.ts';
import { SiteFloor } from './site-floor.ts';

type DashboardConfig = GatewayConfig['dashboard'];

/** Loopback: the only addresses the dashboard binds without supervisor accounts. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Refuses a dashboard bound to a non-loopback address while no supervisor account is configured:
 * anyone on the plant network could then watch the floor and nobody could sign in to act.
 * Called before anything starts, so a bad config stops the start with the field's path.
 */
export function checkDashboardBind(d: DashboardConfig): void {
  if (!d.enabled || isLoopback(d.host)) return;
  if (d.auth.users.length === 0) {
    throw new AfgError('AFG_E_DASHBOARD_INSECURE_BIND', `dashboard.host ${d.host} is not a loopback address and no supervisor accounts are configured (dashboard.auth.users); add users with \`afg hash-password\`, or bind 127.0.0.1`, { path: '/dashboard/host' });
  }
}

/**
 * Starts bundling the UI right away (esbuild runs in its own process), so that it overlaps with
 * the rest of the gateway's start instead of adding to it. A failure is reported where the
 * dashboard starts (the bundle is built again there).
 */
export function prewarmDashboard(d: DashboardConfig): void {
  if (d.enabled) buildUi().catch(() => undefined);
}

export interface DashboardServerOptions {
  config: GatewayConfig;
  /** folder of the config file (TLS paths are relative to it) */
  baseDir: string;
  bus: EventBus;
  health: () => HealthReport;
  metrics: GatewayMetrics;
  errors: ErrorCounter;
  toEpochMs: (t: number) => number;
  /** where write actions go; without it the dashboard is read-only (writes answer 503) */
  commands?: CommandPort;
  /** the gateway store: alert histories, the audit trail and (when it keeps them) effect records */
  store?: StoreLike & { readonly data: { readonly effects?: readonly EffectLike[] } };
  /** effect evaluation summary per decision kind and station */
  effects?: () => EffectSummaryRow[];
  /** the broker this gateway publishes to (floor mode's default site broker) */
  brokerUrl?: string;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

export interface DashboardServer {
  url: string;
  floor: FloorState;
  /** only when dashboard.allowRawGaze: feed it the gaze batches */
  rawGaze: RawGazeTap | null;
  /** floor mode's view of the site, when enabled */
  site: SiteFloor | null;
  close(): Promise<void>;
}

/**
 * The gateway's dashboard server: FloorState and history from the bus, supervisor login from
 * dashboard.auth, optional HTTPS from dashboard.tls, the plugin on its own fastify instance.
 *
 * @example
 *   checkDashboardBind(config.dashboard);          // before starting anything
 *   const dash = await startDashboardServer({ config, baseDir, bus, health, metrics, errors, toEpochMs, log });
 *   dash.url; // http://127.0.0.1:8080
 */
export async function startDashboardServer(o: DashboardServerOptions): Promise<DashboardServer> {
  const { config } = o;
  const d = config.dashboard;
  checkDashboardBind(d);
  const wearers = config.wearers.map((w) => w.id);
  const floor = new FloorState({
    layout: {
      site: config.site,
      gateway: config.gateway,
      stations: config.stations,
      wearers: config.wearers.map((w) => ({ id: w.id, role: w.role, ...(w.station !== undefined ? { station: w.station } : {}) })),
    },
    bus: o.bus,
    toEpochMs: o.toEpochMs,
  });
  const history = new FloorHistory({ bus: o.bus, wearers, windowMs: d.historyMinutes * 60_000, toEpochMs: o.toEpochMs });
  const rawGaze = d.allowRawGaze ? new RawGazeTap({ wearers, toEpochMs: o.toEpochMs }) : null;
  const auth = d.auth.users.length ? new SupervisorAuth({ users: d.auth.users, sessionTtlMs: d.auth.sessionTtlS * 1000, idleTimeoutMs: d.auth.idleTimeoutS * 1000 }) : undefined;

  let https: { key: Buffer; cert: Buffer } | null = null;
  if (d.tls) {
    const read = (f: string, field: string) =>
      readFile(path.resolve(o.baseDir, f)).catch((err: Error) => {
        throw new AfgError('AFG_E_CONFIG_INVALID', `dashboard.tls.${field} ${f} cannot be read: ${err.message}`, { path: `/dashboard/tls/${field}`, cause: err });
      });
    https = { cert: await read(d.tls.certFile, 'certFile'), key: await read(d.tls.keyFile, 'keyFile') };
  } else if (!isLoopback(d.host)) {
    o.log('warn', `dashboard on ${d.host} without dashboard.tls: passwords and session cookies cross the network in clear unless a TLS proxy is in front`);
  }

  let site: SiteFloor | null = null;
  const fm = d.floorMode;
  if (fm.enabled) {
    const url = fm.url ?? o.brokerUrl;
    if (!url) throw new AfgError('AFG_E_CONFIG_INVALID', 'dashboard.floorMode.url is needed: this gateway has no broker URL to default to', { path: '/dashboard/floorMode/url' });
    const own = fm.url === null;
    site = new SiteFloor({
      url,
      site: fm.site ?? config.site,
      self: config.gateway,
      username: fm.username ?? (own ? config.mqtt.username : null),
      password: fm.password ?? (own ? config.mqtt.password : null),
      errors: o.errors,
      offlineAfterMs: fm.offlineAfterS * 1000,
      maxGateways: fm.maxGateways,
      maxWearersPerGateway: fm.maxWearersPerGateway,
    });
    site.start();
  }

  const app: FastifyInstance = (https ? Fastify({ logger: false, https }) : Fastify({ logger: false })) as FastifyInstance;
  const opts: DashboardOptions = {
    floor,
    health: o.health,
    metrics: o.metrics,
    errors: o.errors,
    history,
    allowRawGaze: d.allowRawGaze,
    secureCookie: d.auth.secureCookie || https !== null,
    loginRateLimit: { max: d.auth.loginRateLimit.max, windowMs: d.auth.loginRateLimit.windowS * 1000 },
    ...(auth ? { auth } : {}),
    ...(o.commands ? { commands: o.commands } : {}),
    ...(o.store ? { records: storeRecords(o.store) } : {}),
    ...(o.effects ? { effects: o.effects } : o.store?.data.effects ? { effects: () => summariseEffects(o.store!.data.effects ?? []) } : {}),
    ...(rawGaze ? { rawGaze } : {}),
    ...(site ? { site } : {}),
  };
  try {
    await app.register(dashboardPlugin, opts);
    await app.listen({ host: d.host, port: d.port });
  } catch (err) {
    await site?.stop();
    history.close();
    floor.close();
    await app.close().catch(() => undefined);
    throw err;
  }
  const port = (app.server.address() as { port: number }).port;
  const host = d.host.includes(':') ? `[${d.host}]` : d.host;
  return {
    url: `${https ? 'https' : 'http'}://${host}:${port}`,
    floor,
    rawGaze,
    site,
    close: async () => {
      await app.close();
      await site?.stop();
      history.close();
      floor.close();
    },
  };
}
