import t from 'tap';
import { SessionStore } from '../../dashboard/auth/session-store.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

t.test('a session is found by its token and carries user, role and a CSRF token', async (t) => {
  const c = clock();
  const s = new SessionStore({ ttlMs: 10_000, idleMs: 5_000, now: c.now });
  const { token, session } = s.create('sup-1', 'supervisor');
  t.match(token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  t.match(session.csrf, /^[A-Za-z0-9_-]{32}$/);
  t.equal(s.get(token)?.user, 'sup-1');
  t.equal(s.get(token)?.role, 'supervisor');
  t.equal(s.get(`${token}x`), null, 'another token is not the session');
  t.equal(s.get(undefined), null);
  t.not(s.create('sup-1', 'supervisor').token, token, 'each login gets a new token');
});

t.test('sessions end after the idle timeout and after the absolute lifetime, whatever their use', async (t) => {
  const c = clock();
  const s = new SessionStore({ ttlMs: 10_000, idleMs: 4_000, now: c.now });
  const idle = s.create('a', 'supervisor').token;
  const busy = s.create('b', 'supervisor').token;
  c.advance(3_000);
  t.ok(s.get(busy), 'used at 3 s');
  t.equal(s.endsAt(s.get(busy)!), 1_000_000 + 3_000 + 4_000, 'ends 4 s after its last use');
  c.advance(1_500);
  t.equal(s.get(idle), null, 'unused for 4.5 s: gone');
  for (let i = 0; i < 3; i++) {
    c.advance(1_800);
    t.ok(s.get(busy), `still in use at ${c.now() - 1_000_000} ms`);
  }
  c.advance(1_200); // 9.9 s... and then past 10 s
  c.advance(200);
  t.equal(s.get(busy), null, 'past the absolute lifetime even though in use');
});

t.test('delete ends a session; memory stays bounded by maxSessions (oldest dropped)', async (t) => {
  const s = new SessionStore({ ttlMs: 10_000, idleMs: 10_000, maxSessions: 3 });
  const tokens = [1, 2, 3, 4].map((i) => s.create(`u${i}`, 'supervisor').token);
  t.equal(s.size, 3);
  t.equal(s.get(tokens[0]), null, 'the oldest made room');
  t.ok(s.get(tokens[3]));
  t.equal(s.delete(tokens[3]), true);
  t.equal(s.get(tokens[3]), null);
  t.equal(s.delete(tokens[3]), false);
});

t.test('constructor arguments are validated', async (t) => {
  t.throws(() => new SessionStore({ ttlMs: 0, idleMs: 1 }), RangeError);
  t.throws(() => new SessionStore({ ttlMs: 1, idleMs: 1, maxSessions: 0 }), RangeError);
});
