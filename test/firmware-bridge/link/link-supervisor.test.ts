import t from 'tap';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { LinkSupervisor, type SensorLostEvent } from '../../../firmware-bridge/link/link-supervisor.ts';
import { ReconnectBackoff } from '../../../firmware-bridge/link/reconnect-backoff.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

t.test('backoff doubles from initialMs and stops at maxMs; reset starts over', async (t) => {
  const b = new ReconnectBackoff(500, 3000);
  t.same([b.next(), b.next(), b.next(), b.next(), b.next()], [500, 1000, 2000, 3000, 3000]);
  t.equal(b.attempt, 5);
  b.reset();
  t.equal(b.next(), 500);
  for (let i = 0; i < 100; i++) b.next();
  t.equal(b.next(), 3000, 'no overflow after many attempts');
  t.throws(() => new ReconnectBackoff(0, 10), RangeError);
  t.throws(() => new ReconnectBackoff(10, 5), RangeError);
});

t.test('retries fire after the backoff delays; an outage is counted once, not per retry', async (t) => {
  const errors = new ErrorCounter();
  const fired: number[] = [];
  const t0 = performance.now();
  const sup = new LinkSupervisor({ device: 'd', errors, backoff: { initialMs: 20, maxMs: 80 }, reconnect: () => fired.push(performance.now() - t0) });
  t.teardown(() => sup.stop());
  sup.start();
  const delays: (number | null)[] = [];
  for (let i = 0; i < 4; i++) {
    sup.outage();
    delays.push(sup.retry());
    await waitFor(`retry ${i}`, () => fired.length === i + 1);
  }
  t.same(delays, [20, 40, 80, 80]);
  t.equal(sup.attempt, 4);
  t.equal(errors.get('AFG_E_DEVICE_IO'), 1, 'one outage');
  t.ok(fired[0]! >= 19, `first retry after ${fired[0]!.toFixed(1)} ms`);
  sup.outageOver();
  sup.resetBackoff();
  sup.outage();
  t.equal(errors.get('AFG_E_DEVICE_IO'), 2, 'a new outage after the link was up');
  t.equal(sup.retry(), 20, 'backoff reset');
  t.ok(sup.retryPending);
  sup.stop();
  t.notOk(sup.retryPending);
  await sleep(40);
  t.equal(fired.length, 4, 'a stopped supervisor never reconnects');
  t.equal(sup.retry(), null);
});

t.test('a retry replaces a pending one (one reconnect, not two)', async (t) => {
  let n = 0;
  const sup = new LinkSupervisor({ device: 'd', errors: new ErrorCounter(), backoff: { initialMs: 10, maxMs: 10 }, reconnect: () => n++ });
  t.teardown(() => sup.stop());
  sup.start();
  sup.retry();
  sup.retry();
  await sleep(40);
  t.equal(n, 1);
});

t.test('silence: sensor_lost once per episode, counted, cleared by data; whileSilent on each tick', async (t) => {
  const errors = new ErrorCounter();
  let clock = 0;
  const lost: SensorLostEvent[] = [];
  let silentTicks = 0;
  const sup = new LinkSupervisor({
    device: 'et-1',
    errors,
    backoff: { initialMs: 10, maxMs: 10 },
    reconnect: () => undefined,
    silence: { afterMs: 100, now: () => clock, onLost: (e) => lost.push(e), whileSilent: () => silentTicks++ },
  });
  t.teardown(() => sup.stop());
  sup.start();
  clock = 99;
  await sleep(60);
  t.equal(lost.length, 0, 'not before afterMs');
  clock = 150;
  await waitFor('sensor_lost', () => lost.length === 1);
  t.same(lost[0], { device: 'et-1', silentForMs: 150, atMs: 150 });
  t.ok(sup.lost);
  await sleep(80);
  t.equal(lost.length, 1, 'once per episode');
  t.ok(silentTicks >= 2, `whileSilent ran on ${silentTicks} ticks`);
  t.equal(errors.get('AFG_E_SENSOR_LOST'), 1);
  t.ok(sup.heard(160), 'data ends the episode');
  t.notOk(sup.lost);
  t.notOk(sup.heard(170), 'later data is no recovery');
  const ticks = silentTicks;
  await sleep(60);
  t.equal(silentTicks, ticks, 'no whileSilent while data flows');
  clock = 300;
  await waitFor('second episode', () => lost.length === 2);
  t.equal(errors.get('AFG_E_SENSOR_LOST'), 2);
  sup.restartSilence(300);
  sup.heard(300);
  clock = 350;
  await sleep(60);
  t.equal(lost.length, 2, 'restartSilence gives a full period');
});

t.test('constructor validates', async (t) => {
  const errors = new ErrorCounter();
  t.throws(() => new LinkSupervisor({ device: '', errors, backoff: { initialMs: 1, maxMs: 1 }, reconnect: () => undefined }), TypeError);
  t.throws(() => new LinkSupervisor({ device: 'd', errors, backoff: { initialMs: 0, maxMs: 1 }, reconnect: () => undefined }), RangeError);
  t.throws(() => new LinkSupervisor({ device: 'd', errors, backoff: { initialMs: 1, maxMs: 1 }, reconnect: () => undefined, silence: { afterMs: 0, now: () => 0, onLost: () => undefined } }), RangeError);
});
