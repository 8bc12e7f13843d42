import t from 'tap';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { startDashboard } from './floor-fixture.ts';
import { RecordingCommandPort, signIn, testAuth } from './auth-fixture.ts';

async function harness() {
  const errors = new ErrorCounter();
  const commands = new RecordingCommandPort();
  const h = await startDashboard({ plugin: { auth: await testAuth(), commands, errors } });
  return { ...h, commands, errors };
}

const ROUTES = [
  { url: '/api/alerts/a-17/ack', body: { note: 'spoke to the operator' }, command: { command: 'alert.ack', alertId: 'a-17', note: 'spoke to the operator' } },
  { url: '/api/alerts/a-17/shelve', body: { forS: 900, note: 'maintenance' }, command: { command: 'alert.shelve', alertId: 'a-17', forS: 900, note: 'maintenance' } },
  { url: '/api/decisions/d-3/accept', body: {}, command: { command: 'decision.accept', decisionId: 'd-3' } },
  { url: '/api/decisions/d-3/reject', body: { note: 'line is short-staffed' }, command: { command: 'decision.reject', decisionId: 'd-3', note: 'line is short-staffed' } },
] as const;

t.test('every write route refuses without a signed-in supervisor (401 AFG_E_HTTP_AUTH) and does not reach the port', async (t) => {
  const h = await harness();
  t.teardown(() => h.app.close());
  for (const r of ROUTES) {
    const res = await h.app.inject({ method: 'POST', url: r.url, payload: r.body });
    t.equal(res.statusCode, 401, r.url);
    t.equal(res.json().code, 'AFG_E_HTTP_AUTH');
    const forged = await h.app.inject({ method: 'POST', url: r.url, headers: { cookie: 'afg_session=forged-token' }, payload: r.body });
    t.equal(forged.statusCode, 401, `${r.url} with a made-up session`);
  }
  t.equal(h.commands.calls.length, 0);
  t.equal(h.errors.get('AFG_E_HTTP_AUTH'), 2 * ROUTES.length);
});

t.test('a signed-in write without the CSRF token, with a wrong one, or from another site is refused (403 AFG_E_HTTP_CSRF)', async (t) => {
  const h = await harness();
  t.teardown(() => h.app.close());
  const s = await signIn(h.app);
  for (const r of ROUTES) {
    const variants: [string, Record<string, string>][] = [
      ['no token', { cookie: s.cookie }],
      // the last character changed to one it is not (a fixed 'A' left the token valid 1 time in 64)
      ['wrong token', { cookie: s.cookie, 'x-csrf-token': `${s.csrf.slice(0, -1)}${s.csrf.endsWith('A') ? 'B' : 'A'}` }],
      ['short token', { cookie: s.cookie, 'x-csrf-token': 'abc' }],
      ['cross-site fetch', { ...s.headers, 'sec-fetch-site': 'cross-site' }],
      ['other origin', { ...s.headers, origin: 'http://evil.example' }],
    ];
    for (const [why, headers] of variants) {
      const res = await h.app.inject({ method: 'POST', url: r.url, headers, payload: r.body });
      t.equal(res.statusCode, 403, `${r.url}: ${why}`);
      t.equal(res.json().code, 'AFG_E_HTTP_CSRF');
    }
    const sameOrigin = await h.app.inject({ method: 'POST', url: r.url, headers: { ...s.headers, origin: 'http://localhost:80', host: 'localhost:80', 'sec-fetch-site': 'same-origin' }, payload: r.body });
    t.equal(sameOrigin.statusCode, 200, `${r.url}: same origin with the token passes`);
  }
  t.equal(h.commands.calls.length, ROUTES.length, 'only the good requests reached the port');
});

t.test('good input becomes the contract command with the supervisor as actor, and the port reply is returned', async (t) => {
  const h = await harness();
  t.teardown(() => h.app.close());
  const s = await signIn(h.app);
  for (const r of ROUTES) {
    const res = await h.app.inject({ method: 'POST', url: r.url, headers: s.headers, payload: r.body });
    t.equal(res.statusCode, 200, r.url);
    const call = h.commands.calls.at(-1)!;
    const { correlationId, ...rest } = call.command;
    t.same(rest, r.command, `${r.url} → ${r.command.command}`);
    t.match(correlationId, /^http-[0-9a-f-]{36}$/, 'a fresh correlation id per request');
    t.same(call.ctx, { actor: 'sup-1', role: 'supervisor', via: 'http' });
    t.same(res.json(), { correlationId, command: r.command.command, ok: true, result: { state: { 'alert.ack': 'acked', 'alert.shelve': 'shelved', 'decision.accept': 'accepted', 'decision.reject': 'rejected' }[r.command.command] }, ts: 1_700_000_000_000 });
  }
  const ids = new Set(h.commands.calls.map((c) => c.command['correlationId']));
  t.equal(ids.size, ROUTES.length);
});

t.test('a team lead is passed on as team_lead: the port decides what that role may do', async (t) => {
  const h = await harness();
  t.teardown(() => h.app.close());
  h.commands.answer = (c, ctx) => ({ correlationId: String(c['correlationId']), command: String(c['command']), ok: false, code: 'AFG_E_COMMAND_UNAUTHORISED', reason: `${ctx.role} may not ${String(c['command'])}`, ts: 1 });
  const s = await signIn(h.app, 'lead-1', 'lead pass');
  const res = await h.app.inject({ method: 'POST', url: '/api/decisions/d-3/accept', headers: s.headers, payload: {} });
  t.equal(h.commands.calls[0]!.ctx.role, 'team_lead');
  t.equal(res.statusCode, 403, 'an unauthorised refusal maps to 403');
  t.same(res.json(), { correlationId: h.commands.calls[0]!.command['correlationId'], command: 'decision.accept', ok: false, code: 'AFG_E_COMMAND_UNAUTHORISED', reason: 'team_lead may not decision.accept', ts: 1 });
});

t.test('refusals by the port come back with their code and a matching HTTP status', async (t) => {
  const h = await harness();
  t.teardown(() => h.app.close());
  const s = await signIn(h.app);
  for (const [code, status] of [
    ['AFG_E_COMMAND_NOT_FOUND', 404],
    ['AFG_E_COMMAND_CONFLICT', 409],
    ['AFG_E_COMMAND_INVALID', 400],
    ['AFG_E_COMMAND_UNAVAILABLE', 503],
    ['AFG_E_SOMETHING_NEW', 422],
  ] as const) {
    h.commands.answer = (c) => ({ correlationId: String(c['correlationId']), command: String(c['command']), ok: false, code, reason: 'because', ts: 2 });
    const res = await h.app.inject({ method: 'POST', url: '/api/alerts/a-1/ack', headers: s.headers, payload: {} });
    t.equal(res.statusCode, status, code);
    t.equal(res.json().code, code);
    t.equal(res.json().ok, false);
    t.equal(res.json().reason, 'because');
  }
});

t.test('bad input is refused with AFG_E_HTTP_BAD_REQUEST before the port, naming the field', async (t) => {
  const h = await harness();
  t.teardown(() => h.app.close());
  const s = await signIn(h.app);
  const bad: [string, unknown, RegExp][] = [
    ['/api/alerts/a-1/ack', { note: 'x'.repeat(501) }, /note/],
    ['/api/alerts/a-1/ack', { note: 5 }, /note/],
    ['/api/alerts/a-1/ack', { note: 'ok', level: 0 }, /additional/],
    ['/api/alerts/a-1/shelve', { note: 'no duration' }, /forS/],
    ['/api/alerts/a-1/shelve', { forS: 0 }, /forS/],
    ['/api/alerts/a-1/shelve', { forS: 8 * 3600 + 1 }, /forS/],
    ['/api/alerts/a-1/shelve', { forS: '900' }, /forS/],
    ['/api/decisions/d-1/accept', { note: null }, /note/],
    ['/api/decisions/d-1/reject', [], /object/],
  ];
  for (const [url, payload, why] of bad) {
    const res = await h.app.inject({ method: 'POST', url, headers: s.headers, payload: payload as object });
    t.equal(res.statusCode, 400, `${url.slice(0, 40)} ${JSON.stringify(payload).slice(0, 40)}`);
    t.equal(res.json().code, 'AFG_E_HTTP_BAD_REQUEST');
    t.match(res.json().message, why);
  }
  // fastify's router refuses ids over its maxParamLength (100) before any route: still never the port
  const long = await h.app.inject({ method: 'POST', url: `/api/alerts/${'x'.repeat(129)}/ack`, headers: s.headers, payload: {} });
  t.equal(long.statusCode, 414);
  t.equal(h.commands.calls.length, 0, 'nothing reached the port');
  t.equal(h.errors.get('AFG_E_HTTP_BAD_REQUEST'), bad.length);
});

t.test('without a command port writes answer 503 AFG_E_HTTP_COMMANDS_UNAVAILABLE; a throwing port is caught', async (t) => {
  const none = await startDashboard({ plugin: { auth: await testAuth() } });
  t.teardown(() => none.app.close());
  const s = await signIn(none.app);
  const res = await none.app.inject({ method: 'POST', url: '/api/alerts/a-1/ack', headers: s.headers, payload: {} });
  t.equal(res.statusCode, 503);
  t.equal(res.json().code, 'AFG_E_HTTP_COMMANDS_UNAVAILABLE');

  const h = await harness();
  t.teardown(() => h.app.close());
  h.commands.answer = () => {
    throw new Error('store is closed');
  };
  const s2 = await signIn(h.app);
  const thrown = await h.app.inject({ method: 'POST', url: '/api/alerts/a-1/ack', headers: s2.headers, payload: {} });
  t.equal(thrown.statusCode, 503);
  t.match(thrown.json().message, /store is closed/);
});

t.test('without an auth layer every write is refused, whatever the headers', async (t) => {
  const commands = new RecordingCommandPort();
  const h = await startDashboard({ plugin: { commands } });
  t.teardown(() => h.app.close());
  for (const r of ROUTES) {
    const res = await h.app.inject({ method: 'POST', url: r.url, headers: { authorization: 'Bearer anything', 'x-csrf-token': 'x' }, payload: r.body });
    t.equal(res.statusCode, 401);
    t.match(res.json().message, /no authentication is configured/);
  }
  t.equal(commands.calls.length, 0);
});
