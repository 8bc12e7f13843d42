/**
 * Dashboard figures: the UI bundle (esbuild at start: time, bytes raw and gzip), the page with
 * 200 wearers in headless Chromium (load event and floor drawn from the first snapshot, median
 * of --loads), GET /api/floor for 200 wearers and 200 alerts, and the per-event cost of the
 * 15-minute wearer history. Not a test: prints figures, asserts nothing.
 *
 * Run: node --import tsx bench/dashboard.bench.ts [--json] [--quick] [--loads N]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { EventBus } from '../gateway/core/event-bus.ts';
import { FEATURE_NAMES } from '../gateway/features/feature-names.ts';
import { FloorState } from '../dashboard/floor-state.ts';
import { FloorHistory } from '../dashboard/wearer-history.ts';
import { createGatewayMetrics } from '../dashboard/gateway-metrics.ts';
import { dashboardPlugin } from '../dashboard/plugin.ts';
import { buildUi } from '../dashboard/ui-bundle.ts';
import { BenchReport } from './lib/bench-report.ts';

const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false }, loads: { type: 'string', default: '5' } }, strict: false });
const report = new BenchReport('dashboard');
const LOADS = args.quick ? 2 : Number(args.loads);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const t0 = performance.now();
const ui = await buildUi();
const buildMs = performance.now() - t0;
const js = ui.get('/app.js')!.body;
const css = ui.get('/app.css')!.body;
// since 804225f buildUi reads node_modules/.cache/afg-dashboard-ui when the UI sources are unchanged,
// so this is a cache hit unless they changed since the last build
report.line(`UI bundle: ready in ${buildMs.toFixed(0)} ms (esbuild run or on-disk cache hit, this process); app.js ${js.length} B (${gzipSync(js).length} B gzip), app.css ${css.length} B`);
report.result('dashboard.ui_build_ms', buildMs, 'ms');
report.result('dashboard.app_js_bytes_gzip', gzipSync(js).length, 'B');

// a floor of 200 wearers at 40 stations, each with an estimate, and 200 alerts
const stations = Array.from({ length: 40 }, (_, i) => ({ id: `st-${i}`, name: `Station ${i}`, x: i % 10, y: Math.floor(i / 10) }));
const wearers = Array.from({ length: 200 }, (_, i) => ({ id: `op-${i.toString(16).padStart(4, '0')}`, role: 'operator' as const, station: `st-${i % 40}` }));
const bus = new EventBus();
const floor = new FloorState({ layout: { site: 'bench', gateway: 'gw', stations, wearers }, bus, toEpochMs: (t) => 1_700_000_000_000 + t });
const history = new FloorHistory({ bus, wearers: wearers.map((w) => w.id) });
const est = (w: string, t: number) => ({ wearer: w, t, probs: { attentive: 0.8, distracted: 0.1, drowsy: 0.05, overloaded: 0.05 }, score: 0.8, quality: 0.9, state: 'attentive' as const, estimator: 'bench' });
wearers.forEach((w, i) => {
  bus.emit('estimate', est(w.id, 0));
  bus.emit('alert', { id: `a-${i}`, rev: 0, wearer: w.id, role: 'operator', station: w.station, kind: 'drowsiness', level: 1, raisedAt: 1_700_000_000_000 + i, evidence: { perclos: 0.2 }, state: i % 2 ? 'active' : 'cleared' });
});

// history: one features + one estimate event per wearer per 50 ms tick, 20 min of ticks
const values = new Float32Array(FEATURE_NAMES.length).fill(0.1);
const quality = new Uint8Array(FEATURE_NAMES.length);
const ticks = args.quick ? 4000 : 24_000;
const h0 = process.cpuUsage();
for (let k = 1; k <= ticks / 20; k++) {
  for (const w of wearers.slice(0, 20)) {
    bus.emit('features', { wearer: w.id, t: k * 50, values, quality });
    bus.emit('estimate', est(w.id, k * 50));
  }
}
const hUs = process.cpuUsage(h0);
const perEventNs = ((hUs.user + hUs.system) * 1000) / (ticks * 2);
report.line(`floor state + wearer history: ${perEventNs.toFixed(0)} ns CPU per bus event (features or estimate), 20 wearers x ${ticks / 20} ticks`);
report.result('dashboard.bus_event_ns', perEventNs, 'ns', { wearers: 20, ticks: ticks / 20 });

const metrics = createGatewayMetrics(new Registry());
const app = Fastify({ logger: false });
await app.register(dashboardPlugin, { floor, history, health: () => ({ status: 'ready', reasons: [] }), metrics, heartbeatMs: 1000 });
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/`;
const floorTimes: number[] = [];
for (let i = 0; i < (args.quick ? 20 : 100); i++) {
  const s = performance.now();
  await app.inject('/api/floor');
  floorTimes.push(performance.now() - s);
}
report.line(`GET /api/floor (200 wearers, 200 alerts): median ${median(floorTimes).toFixed(2)} ms, ${(await app.inject('/api/floor')).body.length} B`);
report.result('dashboard.api_floor_ms', median(floorTimes), 'ms', { wearers: 200, alerts: 200 });

if (existsSync('/usr/bin/chromium')) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const load: number[] = [];
  const drawn: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 } }); // a fresh cache each time
    const page = await ctx.newPage();
    const s = Date.now();
    await page.goto(url);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    drawn.push(Date.now() - s);
    load.push(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd));
    await ctx.close();
  }
  await browser.close();
  report.line(`page with 200 wearers, fresh browser context each (${LOADS} loads): load event median ${median(load).toFixed(0)} ms, floor drawn median ${median(drawn)} ms`);
  report.result('dashboard.page_load_ms', median(load), 'ms', { wearers: 200, loads: LOADS });
  report.result('dashboard.floor_drawn_ms', median(drawn), 'ms', { wearers: 200, loads: LOADS });
} else {
  report.line('page load: skipped, /usr/bin/chromium not installed (apt-get install chromium)');
}
await app.close();
history.close();
floor.close();
report.end();
