import t from 'tap';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { VehicleSpeedListener } from '../../gateway/outputs/vehicle-speed-listener.ts';
import { SessionStore } from '../../dashboard/auth/session-store.ts';

// The clock-jump audit's offenders, each on its own: a wall clock (now) moved by hours while the
// monotonic clock (monoNow) runs on must change nothing the watchdog decides.
const BASE = 'afg/v1/plant-1/gw-a';
const HOUR = 3600_000;

t.test('vehicle speed: a wall-clock jump back does not keep a dead speed signal "live", a jump forward does not kill a live one', async (t) => {
  let wall = 1_767_225_600_000;
  let mono = 0;
  const set: [string, number][] = [];
  const errors = new ErrorCounter();
  const l = new VehicleSpeedListener({ transport: { topics: { base: BASE } as never, subscribe: () => undefined }, drivers: new Map([['dr-19c2', 2.5]]), target: { setVehicleSpeed: (w, v) => set.push([w, v]) }, errors, staleAfterMs: 3000, now: () => wall, monoNow: () => mono });
  const send = () => l.handle(`${BASE}/vehicles/dr-19c2/speed`, Buffer.from(JSON.stringify({ speedMps: 8, ts: wall })), { retain: false });
  send();
  t.ok(l.hasLiveSpeed('dr-19c2'));
  wall += 6 * HOUR; // forward: the signal is 0 s old on the monotonic clock
  mono += 1000;
  l.poll();
  t.ok(l.hasLiveSpeed('dr-19c2'), 'still live 1 s later although the wall clock moved 6 h');
  send();
  wall -= 12 * HOUR; // back: the last speed must still go stale after 3 s of silence
  mono += 3500;
  l.poll();
  t.notOk(l.hasLiveSpeed('dr-19c2'), 'stale after 3.5 s of silence although the wall clock went back 12 h');
  t.equal(errors.get('AFG_E_VEHICLE_SPEED_STALE'), 1);
  t.same(set.at(-1), ['dr-19c2', 2.5], 'the assumed speed is back');
});

t.test('dashboard sessions: idle and absolute expiry are measured on monotonic time by default', async (t) => {
  const realNow = Date.now;
  t.teardown(() => void (Date.now = realNow));
  const sessions = new SessionStore({ ttlMs: 8 * HOUR, idleMs: 30 * 60_000 });
  const { token } = sessions.create('sup-1', 'supervisor');
  Date.now = () => realNow() + 9 * HOUR;
  t.equal(sessions.get(token)?.user, 'sup-1', 'a 9 h jump forward does not sign the supervisor out');
  Date.now = () => realNow() - 9 * HOUR;
  t.equal(sessions.get(token)?.user, 'sup-1', 'nor does a jump back');
});
