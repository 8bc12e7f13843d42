import t from 'tap';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { dashboardPlugin, supervisorGuard } from '../../dashboard/plugin.ts';
import { alert, decision, device, estimate, startDashboard } from './floor-fixture.ts';

t.test('GET /api/floor returns the snapshot with every field the bus carried', async (t) => {
  const h = await startDashboard();
  t.teardown(() => h.app.close());
  h.bus.emit('estimate', estimate('op-7f3a', 10, 'drowsy', 0.42));
  h.bus.emit('alert', alert('a1', 0, 'active'));
  h.bus.emit('decision', decision('d1', 'pending'));
  h.bus.emit('device', device('et-1', 'connected'));
  const res = await h.app.inject({ method: 'GET', url: '/api/floor' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/json/);
  const body = res.json();
  t.same(Object.keys(body).sort(), ['alerts', 'decisions', 'devices', 'gateway', 'site', 'stations', 'wearers']);
  t.equal(body.site, 'plant-a');
  t.same(body.stations[0], { id: 'st-press', name: 'Press 1', x: 0, y: 0, safetyCritical: true });
  t.same(body.wearers[0], { id: 'op-7f3a', role: 'operator', station: 'st-press', state: 'drowsy', score: 0.42, quality: 0.9, updatedAt: 1_700_000_000_010, activeAlerts: [{ id: 'a1', kind: 'drowsiness', level: 2, state: 'active' }] });
  t.same(body.wearers[2].station, null, 'a driver without a station');
  t.same(body.alerts, [alert('a1', 0, 'active')], 'the alert survives serialisation unchanged');
  t.same(body.decisions, [decision('d1', 'pending')]);
  t.same(body.devices, [{ ...device('et-1', 'connected'), lastSeen: 1_700_000_001_000 }], 'lastSeen is mapped from gateway time to epoch ms');
});

t.test('GET /api/alerts lists newest first and filters by a validated state', async (t) => {
  const h = await startDashboard();
  t.teardown(() => h.app.close());
  h.bus.emit('alert', alert('a1', 0, 'active', { raisedAt: 1 }));
  h.bus.emit('alert', alert('a2', 0, 'active', { raisedAt: 2 }));
  h.bus.emit('alert', alert('a2', 1, 'shelved', { raisedAt: 2 }));
  const all = await h.app.inject('/api/alerts');
  t.same(all.json().map((a: { id: string; state: string }) => [a.id, a.state]), [['a2', 'shelved'], ['a1', 'active']]);
  const shelved = await h.app.inject('/api/alerts?state=shelved');
  t.same(shelved.json().map((a: { id: string }) => a.id), ['a2']);
  const bad = await h.app.inject('/api/alerts?state=<script>');
  t.equal(bad.statusCode, 400, 'an unknown state is refused by the schema');
  const extra = await h.app.inject('/api/alerts?foo=1');
  t.equal(extra.statusCode, 200, 'unknown query fields are stripped, not an error');
});

t.test('GET /api/wearers/:id gives the detail; 404 for an unknown wearer', async (t) => {
  const h = await startDashboard();
  t.teardown(() => h.app.close());
  h.bus.emit('estimate', estimate('op-21bc', 7, 'attentive', 0.9));
  h.bus.emit('observation', { wearer: 'op-21bc', t: 7, values: { perclos: 0.05, glance: false, hr: null } });
  const res = await h.app.inject('/api/wearers/op-21bc');
  t.equal(res.statusCode, 200);
  t.same(res.json().estimate, estimate('op-21bc', 7, 'attentive', 0.9));
  t.same(res.json().observation.values, { perclos: 0.05, glance: false, hr: null });
  const missing = await h.app.inject('/api/wearers/nobody');
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'AFG_E_HTTP_NOT_FOUND');
});

t.test('GET /health is 200 when ready and 503 with the reasons otherwise', async (t) => {
  const h = await startDashboard();
  t.teardown(() => h.app.close());
  h.setHealth({ status: 'ready', reasons: [], outboxDepth: 0 });
  const ok = await h.app.inject('/health');
  t.equal(ok.statusCode, 200);
  t.same(ok.json(), { status: 'ready', reasons: [], outboxDepth: 0 }, 'extra fields pass through');
  h.setHealth({ status: 'degraded', reasons: ['MQTT broker not connected'] });
  const bad = await h.app.inject('/health');
  t.equal(bad.statusCode, 503);
  t.same(bad.json(), { status: 'degraded', reasons: ['MQTT broker not connected'] });
  h.setHealth({ status: 'starting', reasons: [] });
  t.equal((await h.app.inject('/health')).statusCode, 503);
});

t.test('GET /metrics is Prometheus text with the gateway metrics', async (t) => {
  const h = await startDashboard();
  t.teardown(() => h.app.close());
  h.metrics.samplesIn.inc({ device: 'et-1', kind: 'gaze' }, 120);
  h.metrics.errors.inc({ code: 'AFG_E_FRAME_CRC' });
  h.metrics.tickSeconds.observe(0.003);
  h.metrics.outboxDepth.set(4);
  h.metrics.executionProvider.set({ provider: 'cpu', estimator: 'rule-based/1' }, 1);
  h.bus.emit('alert', alert('a1', 0, 'active'));
  h.bus.emit('device', { ...device('h10-1', 'connected'), kind: 'polar-h10', battery: 64, rateHz: 331 });
  h.bus.emit('device', { ...device('et-2', 'sensor_lost'), battery: null });
  const res = await h.app.inject('/metrics');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/plain/);
  const text = res.body;
  t.match(text, /afg_samples_in_total\{device="et-1",kind="gaze"\} 120/);
  t.match(text, /afg_errors_total\{code="AFG_E_FRAME_CRC"\} 1/);
  t.match(text, /afg_tick_duration_seconds_count 1/);
  t.match(text, /afg_outbox_depth 4/);
  t.match(text, /afg_alerts_total\{kind="drowsiness",level="2"\} 1/);
  t.match(text, /afg_execution_provider_info\{provider="cpu",estimator="rule-based\/1"\} 1/);
  t.match(text, /# TYPE afg_process_/);
  t.match(text, /afg_device_connected\{device="h10-1",kind="polar-h10"\} 1/);
  t.match(text, /afg_device_connected\{device="et-2",kind="serial-eye-tracker"\} 0/);
  t.match(text, /afg_device_battery_percent\{device="h10-1"\} 64/);
  t.notMatch(text, /afg_device_battery_percent\{device="et-2"\}/, 'unknown battery is absent, not 0');
  t.match(text, /afg_device_sample_rate_hz\{device="h10-1"\} 331/);
  t.notMatch(text, /bpm|heart_rate|rmssd/i, 'no biosignals on /metrics');
});

t.test('the page and its assets are served with a strict CSP and security headers', async (t) => {
  const h = await startDashboard();
  t.teardown(() => h.app.close());
  const page = await h.app.inject('/');
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  const csp = String(page.headers['content-security-policy']);
  t.match(csp, /default-src 'none'/);
  t.match(csp, /script-src 'self'(;|$)/);
  t.match(csp, /style-src 'self'(;|$)/);
  t.notMatch(csp, /unsafe-inline|unsafe-eval/);
  t.equal(page.headers['x-content-type-options'], 'nosniff');
  t.ok(page.headers['x-frame-options'], 'framing is refused');
  t.notMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script in the page');
  t.notMatch(page.body, /<style|\sstyle=/, 'no inline style in the page');
  for (const asset of ['/app.js', '/app.css', '/favicon.svg']) {
    const r = await h.app.inject(asset);
    t.equal(r.statusCode, 200, asset);
    t.match(String(r.headers['content-security-policy']), /default-src 'none'/, `${asset} carries the CSP`);
  }
  const missing = await h.app.inject('/nope.js');
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'AFG_E_HTTP_NOT_FOUND');
  t.notOk((await h.app.inject('/main.ts')).statusCode === 200, 'the TypeScript sources are not served');
});

t.test('GET /api/session reports that writes are disabled without an auth layer', async (t) => {
  const h = await startDashboard();
  t.teardown(() => h.app.close());
  t.same((await h.app.inject('/api/session')).json(), { authenticated: false, user: null, role: null, writeEnabled: false, csrfToken: null, expiresAt: null });
  const withAuth = await startDashboard({ plugin: { auth: { authenticate: (req) => (req.headers.authorization === 'Bearer good' ? { user: 'sup-1', role: 'supervisor' } : null) } } });
  t.teardown(() => withAuth.app.close());
  t.same((await withAuth.app.inject({ url: '/api/session', headers: { authorization: 'Bearer good' } })).json(), { authenticated: true, user: 'sup-1', role: 'supervisor', writeEnabled: true, csrfToken: null, expiresAt: null });
});

t.test('supervisorGuard refuses write routes without an authenticated supervisor', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  const auth = { authenticate: (req: { headers: Record<string, unknown> }) => (req.headers.authorization === 'Bearer good' ? { user: 'sup-1' } : null) };
  app.post('/w', { preHandler: supervisorGuard(auth) }, async (req) => ({ by: (req as unknown as { supervisor: { user: string } }).supervisor.user }));
  app.post('/off', { preHandler: supervisorGuard(undefined) }, async () => ({ ok: true }));
  const denied = await app.inject({ method: 'POST', url: '/w' });
  t.equal(denied.statusCode, 401);
  t.equal(denied.json().code, 'AFG_E_HTTP_AUTH');
  t.same((await app.inject({ method: 'POST', url: '/w', headers: { authorization: 'Bearer good' } })).json(), { by: 'sup-1' });
  t.equal((await app.inject({ method: 'POST', url: '/off', headers: { authorization: 'Bearer good' } })).statusCode, 401);
});

t.test('the plugin accepts a bare registry and refuses missing options', async (t) => {
  const h = await startDashboard();
  t.teardown(() => h.app.close());
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(dashboardPlugin, { floor: h.floor, health: () => ({ status: 'ready', reasons: [] }), metrics: new Registry() });
  t.equal((await app.inject('/metrics')).statusCode, 200);
  const bad = Fastify();
  t.teardown(() => bad.close());
  // @ts-expect-error: missing health on purpose
  bad.register(dashboardPlugin, { floor: h.floor, metrics: new Registry() });
  await t.rejects(async () => {
    await bad.ready();
  }, /floor, health and metrics are required/);
});
