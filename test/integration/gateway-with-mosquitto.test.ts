import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { requireBinary } from '../helpers/system-binary.ts';

const skip = requireBinary('mosquitto');
const AFG = fileURLToPath(new URL('../../gateway/cli/afg.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

t.test('the gateway process against a real Mosquitto: scripted alerts arrive, clean stop', { skip }, async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const dir = t.testdir();
  const cfg = `${dir}/plant.yaml`;
  await writeFile(
    cfg,
    [
      'site: it-plant',
      'gateway: gw-it',
      `dataDir: ${dir}/data`,
      `mqtt: { url: "${broker.url}" }`,
      'dashboard: { port: 0 }',
      'simulation:',
      '  enabled: true',
      `  scenario: ${ROOT}/examples/scenarios/demo-floor.yaml`,
    ].join('\n'),
  );
  const sub = mqtt.connect(broker.url, { clientId: 'it-sub' });
  t.teardown(() => void sub.end(true));
  const messages: { topic: string; payload: string; retain: boolean }[] = [];
  sub.on('message', (topic, p, pkt) => messages.push({ topic, payload: p.toString(), retain: pkt.retain }));
  await new Promise<void>((r) => sub.on('connect', () => sub.subscribe('afg/#', { qos: 1 }, () => r())));

  const started = Date.now();
  const gw = spawn(process.execPath, [AFG, 'start', '--config', cfg], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  gw.stdout.on('data', (d: Buffer) => (out += d.toString()));
  gw.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((r) =>
    gw.on('exit', (code) => {
      exitCode = code;
      r(code);
    }),
  );
  t.teardown(() => gw.kill('SIGKILL'));

  const alerts = () => messages.filter((m) => m.topic === 'afg/v1/it-plant/gw-it/alerts').map((m) => JSON.parse(m.payload) as { role: string; kind: string; wearer: string });
  const deadline = started + 30_000;
  while (Date.now() < deadline && exitCode === undefined && !(alerts().some((a) => a.role === 'driver') && alerts().some((a) => a.role === 'operator'))) {
    await new Promise((r) => setTimeout(r, 200));
  }
  const elapsed = (Date.now() - started) / 1000;
  if (exitCode !== undefined) t.fail(`the gateway exited early (${exitCode}):\n${out}`);
  t.ok(alerts().some((a) => a.role === 'driver'), `a driver alert within 30 s (${elapsed.toFixed(1)} s)`, { output: out.slice(-3000) });
  t.ok(alerts().some((a) => a.role === 'operator'), 'an operator alert within 30 s');
  t.ok(messages.some((m) => m.topic === 'afg/v1/it-plant/gw-it/status' && JSON.parse(m.payload).state === 'online'), 'status online');
  t.ok(messages.some((m) => m.topic.startsWith('afg/v1/it-plant/gw-it/wearers/') && m.topic.endsWith('/attention')), 'attention telemetry');
  t.notOk(messages.some((m) => /"(x|y|pupil|openness)"\s*:\s*\[/.test(m.payload)), 'no raw gaze columns leave the box');

  // the start banner says where everything is
  t.match(out, /broker:\s+mqtt:\/\/127\.0\.0\.1:\d+/);
  const dash = /dashboard:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  t.ok(dash, 'dashboard URL printed');
  t.match(out, /data dir:/);
  t.match(out, /inference:\s+cpu/);
  t.match(out, /devices:\s+et-/);

  // the dashboard API shows the same alerts
  const floor = (await (await fetch(`${dash}/api/floor`)).json()) as { wearers: unknown[]; alerts: { kind: string }[] };
  t.equal(floor.wearers.length, 8);
  t.ok(floor.alerts.length > 0, 'alerts on the dashboard');

  const stopAt = Date.now();
  gw.kill('SIGTERM');
  const code = await exited;
  t.equal(code, 0, 'exit 0 on SIGTERM');
  t.ok(Date.now() - stopAt < 5000, `stopped within 5 s (${Date.now() - stopAt} ms)`);
  const statuses = () => messages.filter((m) => m.topic === 'afg/v1/it-plant/gw-it/status').map((m) => JSON.parse(m.payload).state as string);
  for (let i = 0; i < 30 && statuses().at(-1) !== 'offline'; i++) await new Promise((r) => setTimeout(r, 100));
  t.equal(statuses().at(-1), 'offline', `offline status published at stop (status sequence: ${statuses().join(', ')})`);
});
