import t, { type Test } from 'tap';
import { fileURLToPath } from 'node:url';
import { GazepointEmulator } from '../../firmware-bridge/gazepoint/gazepoint-emulator.ts';
import { startGateway } from '../../gateway/app/gateway-app.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';
import type { Alert } from '../../gateway/core/types.ts';
import { freePort } from '../helpers/free-port.ts';

// Issue 10 §4 "clock jumps on the gateway": the wall clock (Date.now) is moved by hours either
// way while the gateway runs, as a bad NTP step or an operator setting the time would. Every
// timer, timeout, backoff and silence detector must run on monotonic time (performance.now,
// setTimeout), so nothing the gateway decides may change: not when alerts are raised, not when a
// silent device is reported sensor_lost, not how old outbox entries are. Only Date.now is moved
// (what the code reads; `new Date()` without arguments is not patched).
const ALERT_STORM = fileURLToPath(new URL('../integration/fixtures/alert-storm.yaml', import.meta.url));
const HOUR = 3600_000;
const RUN_MS = 13_000;
const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, fatal: () => undefined };
const realNow = Date.now;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Seen {
  /** gateway ms of the tick that raised it, wearer, kind, rev, level, state */
  key: string;
  t: number;
  raisedAt: number;
}

async function run(t: Test, o: { jumps: boolean; gpPort: number }) {
  const emu = new GazepointEmulator({ rateHz: 60, port: o.gpPort });
  await emu.start();
  t.teardown(() => emu.stop());
  const dir = t.testdir();
  // the scenario's floor, plus one operator with a real (TCP) eye tracker to unplug
  const config = validateConfig({
    site: 'plant-1',
    gateway: 'gw-clock',
    dataDir: `${dir}/data`,
    dashboard: { enabled: false },
    // a broker nobody listens on: every alert stays in the outbox, so its age is on trial
    mqtt: { url: `mqtt://127.0.0.1:${await freePort()}`, reconnectMinMs: 500, reconnectMaxMs: 1000 },
    outbox: { maxAgeMs: 60 * 60_000 },
    simulation: { enabled: true, scenario: ALERT_STORM, gazeRateHz: 30 },
    stations: [{ id: 'st-01', name: 'Press 1', x: 2, y: 2, safetyCritical: true }],
    wearers: [
      { id: 'dr-19c2', role: 'driver', vehicleSpeedMps: 2.5 },
      { id: 'dr-4b8e', role: 'driver', vehicleSpeedMps: 3 },
      { id: 'op-2c91', role: 'operator', station: 'st-01' },
      { id: 'op-ab01', role: 'operator', devices: [{ id: 'gp-01', kind: 'gazepoint-gp3', transport: { type: 'tcp', host: '127.0.0.1', port: o.gpPort }, geometry: { type: 'screen', widthMm: 531, heightMm: 299, distanceMm: 650 }, silenceTimeoutMs: 1500 }] },
    ],
  });
  const gw = await startGateway({ config, baseDir: dir, version: 'test', logger: quietLog as never });
  t.teardown(() => gw.stop());
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  let tickT = 0;
  const seen: Seen[] = [];
  gw.bus.on('features', (f) => (tickT = f.t));
  gw.bus.on('alert', (a: Alert) => {
    if (a.wearer !== 'op-ab01') seen.push({ key: `${a.wearer} ${a.kind} rev ${a.rev} level ${a.level} ${a.state}`, t: tickT, raisedAt: a.raisedAt });
  });
  const gp = gw.devices.find((d) => d.id === 'gp-01')!;
  const until = async (ms: number) => {
    while (elapsed() < ms) await sleep(10);
  };
  /** unplugs the tracker and measures how long the gateway takes to call it sensor_lost */
  const unplugAndTime = async () => {
    await emu.stop();
    const from = performance.now();
    while (gp.status(performance.now() - start).state !== 'sensor_lost' && performance.now() - from < 6000) await sleep(10);
    return performance.now() - from;
  };
  const lost: number[] = [];
  let offset = 0;
  if (o.jumps) Date.now = () => realNow() + offset;
  t.teardown(() => void (Date.now = realNow));
  await until(2500);
  if (o.jumps) offset = 6 * HOUR; // forward by 6 h in the middle of a glance-away and a tracker loss
  lost.push(await unplugAndTime());
  await emu.start();
  await until(6500);
  if (o.jumps) offset = -6 * HOUR; // back by 12 h
  lost.push(await unplugAndTime());
  await until(RUN_MS);
  const health = gw.health() as unknown as { outboxDepth: number; outboxDropped: number; errors: Record<string, number> };
  Date.now = realNow;
  await gw.stop();
  await emu.stop();
  return { seen, lost, depth: health.outboxDepth, dropped: health.outboxDropped, errors: health.errors, endT: tickT };
}

t.test('Date.now moved +6 h then -12 h mid-run: alert timing, sensor_lost timing and outbox age unchanged', async (t) => {
  const gpPort = await freePort();
  const ref = await run(t, { jumps: false, gpPort });
  const jumped = await run(t, { jumps: true, gpPort });
  t.ok(ref.seen.length >= 6, `the scenario raises alerts (${ref.seen.length} alert revisions in the reference run)`);

  // the same alerts at the same moments, up to what differs between any two runs: the simulated
  // devices start a loop turn apart and their clock sync fits arrival times (two runs without
  // any jump differ by 0-150 ms, seen). A wall-clock timer would be hours off or never fire.
  const horizon = Math.min(ref.endT, jumped.endT) - 500;
  const a = ref.seen.filter((x) => x.t < horizon);
  const b = jumped.seen.filter((x) => x.t < horizon);
  t.same(b.map((x) => x.key), a.map((x) => x.key), 'the same alert revisions, in the same order');
  const shifts = a.map((x, i) => Math.abs((b[i]?.t ?? Infinity) - x.t));
  t.ok(shifts.every((d) => d <= 500), `each within 0.5 s of the reference run (shifts ${shifts.join(' ')} ms)`);
  const offsets = new Set(jumped.seen.map((x) => x.raisedAt - x.t));
  t.equal(offsets.size, 1, 'raisedAt stays start epoch + gateway time across the jumps (mapped once, at start)');

  // sensor_lost after the configured 1.5 s of silence, whichever way the clock went
  for (const [i, ms] of jumped.lost.entries()) t.ok(ms >= 1400 && ms <= 3000, `tracker unplugged after the ${i ? '-12 h' : '+6 h'} jump: sensor_lost after ${ms.toFixed(0)} ms (reference ${ref.lost[i]!.toFixed(0)} ms; silenceTimeoutMs 1500)`);

  // outbox.maxAgeMs is 1 h: on the wall clock, the +6 h jump would have aged every entry out
  t.equal(jumped.dropped, 0, 'no outbox entry aged out');
  t.ok(jumped.depth >= b.length, `everything raised is still in the outbox (${jumped.depth} entries, reference ${ref.depth})`);
  t.equal(jumped.errors.AFG_E_OUTBOX_FULL ?? 0, 0);
});
