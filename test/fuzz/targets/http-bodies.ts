import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { pino } from 'pino';
import { startGateway } from '../../../gateway/app/gateway-app.ts';
import { validateConfig } from '../../../gateway/config/load-config.ts';
import { type FuzzTarget, type FuzzTally } from '../fuzz-tally.ts';

const NAME = 'http';
const SCENARIO = fileURLToPath(new URL('../../../examples/scenarios/demo-floor.yaml', import.meta.url));

/**
 * Paths of the dashboard and API. Write routes are named as the dashboard's docs name them; a
 * route that does not exist (yet) answers 404, which is a fine answer to fuzz too.
 */
const PATHS = ['/', '/index.html', '/app.js', '/health', '/metrics', '/api/floor', '/api/alerts', '/api/wearers/:id', '/api/session', '/api/login', '/api/logout', '/api/alerts/:id/ack', '/api/alerts/:id/shelve', '/api/decisions/:id/accept', '/api/decisions/:id/reject', '/api/thresholds/:id', '/api/thresholds', '/api/history/:id', '/api/wearers/:id/history'];
const segment = fc.oneof(fc.constantFrom('op-7f3a', 'dr-19c2', 'op-2c91', 'al-1', '..', '%2e%2e', '%00', '', 'x'.repeat(300)), fc.string({ maxLength: 30 }).map(encodeURIComponent), fc.string({ maxLength: 10 }));
const query = fc.dictionary(fc.oneof(fc.constantFrom('state', 'since', 'limit', 'wearer', 'kind'), fc.string({ maxLength: 10 })), fc.oneof(fc.constantFrom('active', 'acked', 'shelved', 'cleared', '<script>', '-1', '1e999', ''), fc.string({ maxLength: 40 })), { maxKeys: 4 });
const body = fc.oneof(
  fc.constant(undefined),
  fc.anything({ maxDepth: 3 }).map((v) => ({ type: 'application/json', data: safeJson(v) })),
  fc.record({ forS: fc.oneof(fc.double(), fc.string()), note: fc.string({ maxLength: 600 }), value: fc.double(), username: fc.string(), password: fc.string(), correlationId: fc.string() }, { requiredKeys: [] }).map((v) => ({ type: 'application/json', data: JSON.stringify(v) })),
  fc.tuple(fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json; charset=latin1', ''), fc.string({ maxLength: 300 })).map(([type, data]) => ({ type, data })),
  fc.uint8Array({ maxLength: 500 }).map((b) => ({ type: 'application/json', data: Buffer.from(b).toString('latin1') })),
);

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return '{"x":1}';
  }
}

async function run({ cases, seed, tally }: { cases: number; seed: number; tally: FuzzTally }): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-fuzz-http-'));
  const config = validateConfig({
    site: 'fuzz',
    gateway: 'gw-fuzz',
    dataDir: path.join(dir, 'data'),
    mqtt: { url: null, embeddedPort: 0 },
    dashboard: { port: 0 },
    logLevel: 'fatal',
    simulation: { enabled: true, scenario: SCENARIO },
  });
  const gw = await startGateway({ config, baseDir: dir, version: 'fuzz', logger: pino({ level: 'fatal' }) });
  const base = gw.dashboardUrl!;
  try {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), fc.constantFrom(...PATHS), segment, query, body, fc.option(fc.string({ maxLength: 200 })), async (method, p, seg, q, b, cookie) => {
        tally.case(NAME);
        const url = `${base}${p.replace(':id', seg)}${Object.keys(q).length ? `?${new URLSearchParams(q)}` : ''}`;
        const headers: Record<string, string> = {};
        if (b?.type) headers['content-type'] = b.type;
        if (cookie !== null) headers['cookie'] = `afg_session=${encodeURIComponent(cookie)}`;
        const sse = p === '/api/events';
        const ctl = new AbortController();
        const timer = setTimeout(() => ctl.abort(), sse ? 300 : 5000);
        let res: Response;
        try {
          res = await fetch(url, { method, headers, signal: ctl.signal, ...(b !== undefined && method !== 'GET' && method !== 'HEAD' ? { body: b.data } : {}) });
        } catch (err) {
          clearTimeout(timer);
          if (sse && ctl.signal.aborted) return void tally.accepted(NAME);
          if ((err as Error).name === 'TypeError' && /invalid|header/i.test(String((err as { cause?: Error }).cause?.message ?? (err as Error).message))) return void tally.rejected(NAME, 'client:refused-to-send');
          throw new Error(`${method} ${url}: no answer (${(err as Error).message})`);
        }
        const text = await res.text().catch(() => '');
        clearTimeout(timer);
        if (res.status >= 500 && !(res.status === 503 && p === '/health')) throw new Error(`${method} ${url} -> ${res.status}: ${text.slice(0, 300)}`);
        if (res.status < 400) return void tally.accepted(NAME);
        let code = 'no-json-body';
        if ((res.headers.get('content-type') ?? '').includes('json') && text) {
          let j: { code?: unknown } = {};
          try {
            j = JSON.parse(text) as { code?: unknown };
          } catch {
            throw new Error(`${method} ${url} -> ${res.status} with a JSON content type but no JSON: ${text.slice(0, 200)}`);
          }
          // reported in the tally, not failed: fastify's own 404 carries no code (a finding for the dashboard)
          code = typeof j.code === 'string' ? j.code : 'no code';
        }
        tally.rejected(NAME, `${res.status} ${code}`);
      }),
      { numRuns: cases, seed },
    );
    const h = await fetch(`${base}/health`);
    if (h.status >= 500 && h.status !== 503) throw new Error(`the dashboard is broken after the fuzz: /health ${h.status}`);
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const httpBodies: FuzzTarget = { name: NAME, weight: 6, what: 'the dashboard over real HTTP on the running gateway: any method, path, parameter, query, body, content type, cookie; never a 5xx nor a hang, every refusal tallied by status and code (a body without one shows as "no code")', run };
