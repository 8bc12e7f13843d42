import t from 'tap';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { startDashboard } from './floor-fixture.ts';
import { signIn, testAuth } from './auth-fixture.ts';

t.test('login with the right password sets an HttpOnly SameSite=Strict session cookie and returns the CSRF token', async (t) => {
  const auth = await testAuth();
  const h = await startDashboard({ plugin: { auth } });
  t.teardown(() => h.app.close());
  const res = await h.app.inject({ method: 'POST', url: '/api/login', payload: { user: 'sup-1', password: 'correct horse' } });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.user, 'sup-1');
  t.equal(body.role, 'supervisor');
  t.match(body.csrfToken, /^[A-Za-z0-9_-]{32}$/);
  t.ok(body.expiresAt > Date.now(), 'expiry in the future');
  const raw = String(res.headers['set-cookie']);
  t.match(raw, /^afg_session=[A-Za-z0-9_-]{43};/);
  t.match(raw, /HttpOnly/);
  t.match(raw, /SameSite=Strict/);
  t.match(raw, /Path=\//);
  t.match(raw, /Max-Age=28800/, 'cookie lives as long as the session at most');
  t.notMatch(raw, /Secure/, 'not Secure unless configured (plain http on loopback)');
  t.notMatch(JSON.stringify(body), new RegExp(res.cookies[0]!.value), 'the session token is not in the body (scripts cannot read it)');

  const cookie = `afg_session=${res.cookies[0]!.value}`;
  const session = (await h.app.inject({ url: '/api/session', headers: { cookie } })).json();
  t.same(session, { authenticated: true, user: 'sup-1', role: 'supervisor', writeEnabled: true, csrfToken: body.csrfToken, expiresAt: session.expiresAt });
  t.same((await h.app.inject('/api/session')).json().authenticated, false, 'without the cookie: not signed in');
});

t.test('a Secure cookie when configured (TLS or a TLS proxy in front)', async (t) => {
  const h = await startDashboard({ plugin: { auth: await testAuth(), secureCookie: true } });
  t.teardown(() => h.app.close());
  const res = await h.app.inject({ method: 'POST', url: '/api/login', payload: { user: 'sup-1', password: 'correct horse' } });
  t.match(String(res.headers['set-cookie']), /Secure/);
});

t.test('wrong password and unknown user get the same 401 with AFG_E_HTTP_AUTH, counted', async (t) => {
  const errors = new ErrorCounter();
  const h = await startDashboard({ plugin: { auth: await testAuth(), errors } });
  t.teardown(() => h.app.close());
  const wrong = await h.app.inject({ method: 'POST', url: '/api/login', payload: { user: 'sup-1', password: 'wrong' } });
  const nobody = await h.app.inject({ method: 'POST', url: '/api/login', payload: { user: 'nobody', password: 'correct horse' } });
  for (const r of [wrong, nobody]) {
    t.equal(r.statusCode, 401);
    t.same(r.json(), { code: 'AFG_E_HTTP_AUTH', message: 'wrong user name or password' });
    t.notOk(r.headers['set-cookie'], 'no cookie');
  }
  t.equal(errors.get('AFG_E_HTTP_AUTH'), 2);
});

t.test('login input is schema-validated: missing, extra, oversized fields refused with AFG_E_HTTP_BAD_REQUEST', async (t) => {
  const errors = new ErrorCounter();
  const h = await startDashboard({ plugin: { auth: await testAuth(), errors } });
  t.teardown(() => h.app.close());
  for (const payload of [{ user: 'sup-1' }, { user: 'sup-1', password: 'x', admin: true }, { user: 'x'.repeat(65), password: 'x' }, { user: '', password: 'x' }, { user: 'sup-1', password: 7 }]) {
    const r = await h.app.inject({ method: 'POST', url: '/api/login', payload });
    t.equal(r.statusCode, 400, JSON.stringify(payload).slice(0, 60));
    t.equal(r.json().code, 'AFG_E_HTTP_BAD_REQUEST');
    t.match(r.json().message, /^body/);
  }
  const form = await h.app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'user=sup-1&password=correct+horse' });
  t.equal(form.statusCode, 415, 'a cross-site HTML form cannot post a login');
  t.equal(form.json().code, 'AFG_E_HTTP_BAD_REQUEST');
  const big = await h.app.inject({ method: 'POST', url: '/api/login', payload: { user: 'sup-1', password: 'x'.repeat(20_000) } });
  t.equal(big.statusCode, 413, 'bodies over 16 KiB are refused before parsing');
  t.ok(errors.get('AFG_E_HTTP_BAD_REQUEST') >= 7);
});

t.test('login is rate-limited per client address: the 11th attempt in a minute gets 429 AFG_E_HTTP_RATE_LIMIT', async (t) => {
  const errors = new ErrorCounter();
  const h = await startDashboard({ plugin: { auth: await testAuth(), errors, loginRateLimit: { max: 10, windowMs: 60_000 } } });
  t.teardown(() => h.app.close());
  const codes: number[] = [];
  for (let i = 0; i < 12; i++) codes.push((await h.app.inject({ method: 'POST', url: '/api/login', payload: { user: 'sup-1', password: `guess-${i}` } })).statusCode);
  t.same(codes, [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 429, 429]);
  const limited = await h.app.inject({ method: 'POST', url: '/api/login', payload: { user: 'sup-1', password: 'correct horse' } });
  t.equal(limited.statusCode, 429, 'even the right password waits');
  t.equal(limited.json().code, 'AFG_E_HTTP_RATE_LIMIT');
  t.match(limited.json().message, /too many sign-in attempts/);
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After tells when');
  t.equal(errors.get('AFG_E_HTTP_RATE_LIMIT'), 3);
  const other = await h.app.inject({ method: 'POST', url: '/api/login', remoteAddress: '10.0.0.9', payload: { user: 'sup-1', password: 'correct horse' } });
  t.equal(other.statusCode, 200, 'another address is not limited by this one');
  t.equal((await h.app.inject('/api/floor')).statusCode, 200, 'reads are not rate-limited');
});

t.test('logout needs the CSRF token, ends the session and clears the cookie', async (t) => {
  const h = await startDashboard({ plugin: { auth: await testAuth() } });
  t.teardown(() => h.app.close());
  const s = await signIn(h.app);
  const forged = await h.app.inject({ method: 'POST', url: '/api/logout', headers: { cookie: s.cookie }, payload: {} });
  t.equal(forged.statusCode, 403, 'another site cannot sign the supervisor out');
  t.equal(forged.json().code, 'AFG_E_HTTP_CSRF');
  t.equal((await h.app.inject({ url: '/api/session', headers: { cookie: s.cookie } })).json().authenticated, true);
  const out = await h.app.inject({ method: 'POST', url: '/api/logout', headers: s.headers, payload: {} });
  t.equal(out.statusCode, 204);
  t.match(String(out.headers['set-cookie']), /afg_session=;.*Expires=Thu, 01 Jan 1970/);
  t.equal((await h.app.inject({ url: '/api/session', headers: { cookie: s.cookie } })).json().authenticated, false, 'the old cookie no longer works');
  t.equal((await h.app.inject({ method: 'POST', url: '/api/logout', payload: {} })).statusCode, 204, 'logout without a session is harmless');
});

t.test('a session expires: after the idle timeout the cookie no longer signs in', async (t) => {
  let now = 1_700_000_000_000;
  const h = await startDashboard({ plugin: { auth: await testAuth({ now: () => now, idleTimeoutMs: 60_000 }) } });
  t.teardown(() => h.app.close());
  const s = await signIn(h.app);
  now += 59_000;
  t.equal((await h.app.inject({ url: '/api/session', headers: { cookie: s.cookie } })).json().authenticated, true);
  now += 60_001;
  t.same((await h.app.inject({ url: '/api/session', headers: { cookie: s.cookie } })).json().authenticated, false);
});

t.test('without configured users, login answers 401 and the page is told writes are off', async (t) => {
  const h = await startDashboard();
  t.teardown(() => h.app.close());
  const r = await h.app.inject({ method: 'POST', url: '/api/login', payload: { user: 'sup-1', password: 'x' } });
  t.equal(r.statusCode, 401);
  t.match(r.json().message, /no supervisor accounts are configured/);
  t.equal((await h.app.inject('/api/session')).json().writeEnabled, false);
});
