import t from 'tap';
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { pino } from 'pino';
import { startGateway } from '../../gateway/app/gateway-app.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { requireBinary } from '../helpers/system-binary.ts';
import { configUsers } from './auth-fixture.ts';

const quiet = pino({ level: 'silent' });

async function config(dir: string, dashboard: Record<string, unknown>) {
  return validateConfig({ site: 'plant-t', gateway: 'gw-t', dataDir: `${dir}/data`, mqtt: { embeddedPort: 0 }, dashboard: { port: 0, ...dashboard } });
}

t.test('a non-loopback bind without supervisor accounts refuses to start with AFG_E_DASHBOARD_INSECURE_BIND', async (t) => {
  const dir = t.testdir();
  const err = await startGateway({ config: await config(dir, { host: '0.0.0.0' }), baseDir: dir, version: 't', logger: quiet }).then(
    (gw) => gw.stop().then(() => null),
    (e: unknown) => e,
  );
  t.match(err, { code: 'AFG_E_DASHBOARD_INSECURE_BIND', path: '/dashboard/host' });
  t.match((err as Error).message, /no supervisor accounts are configured \(dashboard\.auth\.users\).*afg hash-password/);
});

t.test('with supervisor accounts the dashboard binds 0.0.0.0, reads are open, and a supervisor can sign in', async (t) => {
  const dir = t.testdir();
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void warnings.push(s) });
  const gw = await startGateway({ config: await config(dir, { host: '0.0.0.0', auth: { users: await configUsers() } }), baseDir: dir, version: 't', logger });
  t.teardown(() => gw.stop());
  t.match(gw.dashboardUrl, /^http:\/\/0\.0\.0\.0:\d+$/);
  t.ok(warnings.some((w) => /without dashboard\.tls: passwords and session cookies cross the network in clear/.test(w)), 'plain HTTP on the network is warned about');
  const base = gw.dashboardUrl!.replace('0.0.0.0', '127.0.0.1');
  t.equal((await fetch(`${base}/api/floor`)).status, 200);
  const denied = await fetch(`${base}/api/alerts/a-1/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.equal(denied.status, 401);
  const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'sup-1', password: 'correct horse' }) });
  t.equal(login.status, 200);
  t.match(login.headers.get('set-cookie'), /afg_session=.*HttpOnly.*SameSite=Strict/);
  t.equal((await fetch(`${base}/health`)).headers.get('content-security-policy')?.includes("default-src 'none'"), true);
});

t.test('a password hash outside the accepted parameters stops the start with its config path', async (t) => {
  const dir = t.testdir();
  const [u] = await configUsers();
  const weak = u!.passwordHash.replace('ln=14', 'ln=12');
  const err = await startGateway({ config: await config(dir, { auth: { users: [{ ...u, passwordHash: weak }] } }), baseDir: dir, version: 't', logger: quiet }).then(
    (gw) => gw.stop().then(() => null),
    (e: unknown) => e,
  );
  t.match(err, { code: 'AFG_E_CONFIG_INVALID', path: '/dashboard/auth/users/0/passwordHash' });
  t.match((err as Error).message, /ln=12 is outside 14\.\.20/);
  const dup = await startGateway({ config: await config(dir, { auth: { users: [u, u] } }), baseDir: dir, version: 't', logger: quiet }).then(
    (gw) => gw.stop().then(() => null),
    (e: unknown) => e,
  );
  t.match(dup, { code: 'AFG_E_CONFIG_INVALID', path: '/dashboard/auth/users/1/name' });
});

t.test('dashboard.tls serves HTTPS and the session cookie is Secure', { skip: requireBinary('openssl') }, async (t) => {
  const dir = t.testdir();
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/k.pem`, '-out', `${dir}/c.pem`, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const gw = await startGateway({ config: await config(dir, { tls: { certFile: 'c.pem', keyFile: 'k.pem' }, auth: { users: await configUsers() } }), baseDir: dir, version: 't', logger: quiet });
  t.teardown(() => gw.stop());
  t.match(gw.dashboardUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  const res = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
    const req = request(`${gw.dashboardUrl}/api/login`, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (r) => {
      r.resume();
      r.on('end', () => resolve({ status: r.statusCode ?? 0, cookie: String(r.headers['set-cookie'] ?? '') }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ user: 'sup-1', password: 'correct horse' }));
  });
  t.equal(res.status, 200);
  t.match(res.cookie, /; Secure/);
  const missing = await startGateway({ config: await config(dir, { tls: { certFile: 'nope.pem', keyFile: 'k.pem' } }), baseDir: dir, version: 't', logger: quiet }).then(
    (g) => g.stop().then(() => null),
    (e: unknown) => e,
  );
  t.match(missing, { code: 'AFG_E_CONFIG_INVALID', path: '/dashboard/tls/certFile' });
});
