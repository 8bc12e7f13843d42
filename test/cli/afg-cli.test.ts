import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const AFG = fileURLToPath(new URL('../../gateway/cli/afg.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function afg(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [AFG, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

t.test('--help lists the commands; each command has its own --help', async (t) => {
  const h = await afg(['--help']);
  t.equal(h.code, 0);
  for (const c of ['start', 'record', 'replay', 'policy', 'hrv', 'doctor']) t.match(h.stdout, new RegExp(`\\n  ${c} `));
  const s = await afg(['replay', '--help']);
  t.equal(s.code, 0);
  t.match(s.stdout, /usage: afg replay <file.afgrec> \[--speed N\]/);
  const u = await afg(['fly']);
  t.equal(u.code, 2);
  t.match(u.stderr, /AFG_E_INPUT_INVALID: unknown command 'fly'/);
});

t.test('an invalid config stops the start with exit 2, the code and the field path', async (t) => {
  const dir = t.testdir();
  await writeFile(`${dir}/bad.yaml`, 'site: plant-1\nmqtt:\n  port: 1883\n');
  const r = await afg(['start', '--config', `${dir}/bad.yaml`]);
  t.equal(r.code, 2);
  t.match(r.stderr, /AFG_E_CONFIG_INVALID: config field \/mqtt\/port is not a known field/);
  t.match(r.stderr, /at config path \/mqtt\/port/);
  t.equal(r.stdout, '', 'nothing started');
});

t.test('afg policy replay prints level changes as NDJSON', async (t) => {
  const r = await afg(['policy', 'replay', 'examples/policy/sensor-loss.ndjson']);
  t.equal(r.code, 0, r.stderr);
  t.same(r.stdout.trim().split('\n').map((l) => JSON.parse(l)), [{ t: 3, kind: 'sensor_lost', level: 1 }, { t: 4.05, kind: 'sensor_lost', level: 0 }]);
  const missing = await afg(['policy', 'replay', 'nope.ndjson']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /AFG_E_INPUT_INVALID/);
});

t.test('afg hrv prints the metrics as JSON', async (t) => {
  const dir = t.testdir();
  await writeFile(`${dir}/rr.txt`, '800\n810\n790\n820\n800\n');
  const r = await afg(['hrv', `${dir}/rr.txt`]);
  t.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  t.equal(m.mean_nni, 804);
  t.equal(m.nni_20, 1);
});

t.test('afg record, then afg replay of that file, through the same pipeline', async (t) => {
  const dir = t.testdir();
  const cfg = `${dir}/rec.yaml`;
  await writeFile(
    cfg,
    [
      'site: rec-test',
      'gateway: gw-r',
      `dataDir: ${dir}/data`,
      'mqtt: { embeddedPort: 0 }',
      'dashboard: { enabled: false }',
      'simulation:',
      '  enabled: true',
      `  scenario: ${ROOT}/examples/scenarios/demo-floor.yaml`,
    ].join('\n'),
  );
  const rec = await afg(['record', '--out', `${dir}/run.afgrec`, '--config', cfg, '--duration', '13'], 40_000);
  t.equal(rec.code, 0, rec.stderr);
  t.match(rec.stdout, /recording: /);
  const rep = await afg(['replay', `${dir}/run.afgrec`]);
  t.equal(rep.code, 0, rep.stderr);
  const alerts = rep.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { wearer: string; kind: string });
  t.ok(alerts.some((a) => a.wearer === 'op-2c91' && a.kind === 'sensor_lost'), 'the operator alert of the script is in the replay');
  t.ok(alerts.some((a) => a.wearer === 'dr-19c2' && a.kind === 'distraction'), 'the driver alert of the script is in the replay');
});
