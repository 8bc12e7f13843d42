import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const AFG = fileURLToPath(new URL('../../gateway/cli/afg.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIX = 'test/fixtures/events';

function afg(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

const runsOf = (labels: number[]) => labels.filter((l, i) => i === 0 || labels[i - 1] !== l);

for (const detector of ['ivt', undefined]) {
  t.test(`detect (${detector ?? 'default detector'}): one label row per input row; the fixture's two saccades are found`, async (t) => {
    const r = await afg(['events', 'detect', `${FIX}/saccades-deg.csv`, '--units', 'deg', ...(detector ? ['--detector', detector] : [])]);
    t.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const input = (await readFile(`${ROOT}/${FIX}/saccades-deg.csv`, 'utf8')).trim().split('\n');
    t.equal(lines[0], 'timestamp_ms,label');
    t.equal(lines.length, input.length);
    const labels = lines.slice(1).map((l) => Number(l.split(',')[1]));
    t.ok(labels.every((l) => l >= 1 && l <= 6), 'codes 1..6 only');
    t.same(lines.slice(1).map((l) => Number(l.split(',')[0])), input.slice(1).map((l) => Number(l.split(',')[0])), 'timestamps copied in order');
    t.equal(runsOf(labels).filter((l) => l === 2).length, 2, `runs: ${runsOf(labels)}`);
    t.equal(labels[0], 1);
    t.equal(labels[labels.length - 1], 1);
  });
}

t.test('detect --units px with geometry options, --out writes the file', async (t) => {
  const dir = t.testdir();
  const r = await afg(['events', 'detect', `${FIX}/eval/rec-a.csv`, '--units', 'px', '--screen', '0.38x0.30', '--res', '1024x768', '--distance', '0.67', '--out', `${dir}/labels.csv`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '');
  const lines = (await readFile(`${dir}/labels.csv`, 'utf8')).trim().split('\n');
  const labels = lines.slice(1).map((l) => Number(l.split(',')[1]));
  t.equal(runsOf(labels).filter((l) => l === 2).length, 2);
  // the same recording seen through a screen twice as far away: half the angles, half the speed
  const far = await afg(['events', 'detect', `${FIX}/eval/rec-a.csv`, '--units', 'px', '--distance', '1.34', '--detector', 'ivt']);
  t.equal(far.code, 0, far.stderr);
  t.ok(far.stdout.trim().split('\n').length === lines.length);
});

t.test('eval: kappa per event type and coder, coder agreement, event counts', async (t) => {
  const r = await afg(['events', 'eval', `${FIX}/eval`, '--detector', 'ivt']);
  t.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  t.same(rep.files, ['rec-a.csv', 'rec-b.csv']);
  t.equal(rep.detector, 'ivt');
  t.equal(rep.samples, 940, "2 x 470 rows");
  for (const ev of ['fixation', 'saccade', 'pso', 'pursuit', 'blink', 'undefined']) t.same(Object.keys(rep.kappa[ev]).sort(), ['A', 'B', 'stacked'], ev);
  t.ok(rep.kappa.saccade.A > 0.8, `saccade kappa vs A ${rep.kappa.saccade.A}`);
  t.ok(rep.kappa.fixation.A > 0.8, `fixation kappa vs A ${rep.kappa.fixation.A}`);
  // B starts every event one sample late: 4 saccades of ~20 samples, ~10 % disagreement
  t.ok(rep.coderAgreement.saccade['A~B'] > 0.85 && rep.coderAgreement.saccade['A~B'] < 0.97, `A~B ${rep.coderAgreement.saccade['A~B']}`);
  t.equal(rep.events.saccade.A.count, 4);
  t.equal(rep.events.pso.A.count, 2);
  t.equal(rep.events.saccade.detector.count, 4);
  t.ok(rep.events.saccade.A.meanMs > 25 && rep.events.saccade.A.meanMs < 45, `mean saccade ${rep.events.saccade.A.meanMs} ms`);
  const only = await afg(['events', 'eval', `${FIX}/eval`, '--detector', 'ivt', '--only', 'rec-b']);
  t.same(JSON.parse(only.stdout).files, ['rec-b.csv']);
});

t.test('eval --corrections: a file of the same name replaces the folder one', async (t) => {
  const dir = t.testdir();
  await mkdir(`${dir}/fix`);
  const text = await readFile(`${ROOT}/${FIX}/eval/rec-a.csv`, 'utf8');
  // the "corrected" copy: coder A says fixation everywhere
  await writeFile(`${dir}/fix/rec-a.csv`, text.split('\n').map((l, i) => (i === 0 || !l ? l : l.replace(/,(\d),(\d)$/, ',1,$2'))).join('\n'));
  const r = await afg(['events', 'eval', `${FIX}/eval`, '--detector', 'ivt', '--corrections', `${dir}/fix`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(JSON.parse(r.stdout).events.saccade.A.count, 2, 'only rec-b still has saccades for A');
});

t.test('bad input: stable codes, exit 2', async (t) => {
  const dir = t.testdir();
  const cases: [string, string, string[], RegExp][] = [
    ['no-x.csv', 'timestamp_ms,y\n0,1\n', ['--units', 'deg'], /AFG_E_GAZE_CSV_INVALID: .*no-x.csv: line 1: missing column\(s\) x/],
    ['word.csv', 'timestamp_ms,x,y\n0,1,1\n2,one,1\n', ['--units', 'deg'], /AFG_E_GAZE_CSV_INVALID: .*line 3: x 'one' is not a number/],
    ['back.csv', 'timestamp_ms,x,y\n0,1,1\n2,1,1\n2,1,1\n', ['--units', 'deg'], /AFG_E_GAZE_CSV_INVALID: .*line 4: timestamp_ms 2 does not increase/],
    ['short.csv', 'timestamp_ms,x,y\n0,1\n', ['--units', 'deg'], /AFG_E_GAZE_CSV_INVALID: .*line 2: 2 cells, the header has 3/],
    ['badlabel.csv', 'timestamp_ms,x,y,label_A\n0,1,1,9\n', ['--units', 'deg'], /AFG_E_GAZE_CSV_INVALID: .*label_A '9' is not a label code/],
    ['ok.csv', 'timestamp_ms,x,y\n0,1,1\n', ['--units', 'inch'], /AFG_E_INPUT_INVALID: --units must be px or deg/],
    ['ok.csv', 'timestamp_ms,x,y\n0,1,1\n', [], /AFG_E_INPUT_INVALID: afg events detect needs --units/],
    ['ok.csv', 'timestamp_ms,x,y\n0,1,1\n', ['--units', 'px', '--screen', '38cm'], /AFG_E_INPUT_INVALID: --screen must be WIDTHxHEIGHT/],
    ['ok.csv', 'timestamp_ms,x,y\n0,1,1\n', ['--units', 'deg', '--detector', 'magic'], /AFG_E_INPUT_INVALID: unknown event detector 'magic'/],
  ];
  for (const [name, text, args, re] of cases) {
    await writeFile(`${dir}/${name}`, text);
    const r = await afg(['events', 'detect', `${dir}/${name}`, ...args]);
    t.equal(r.code, 2, `${name} ${args.join(' ')}: exit 2`);
    t.match(r.stderr, re, name);
    t.equal(r.stdout, '');
  }
  const missing = await afg(['events', 'detect', `${dir}/nope.csv`, '--units', 'deg']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /AFG_E_INPUT_INVALID: cannot read/);
  await mkdir(`${dir}/empty`);
  const empty = await afg(['events', 'eval', `${dir}/empty`]);
  t.equal(empty.code, 2);
  t.match(empty.stderr, /AFG_E_INPUT_INVALID: no CSV files/);
  const usage = await afg(['events', 'frobnicate']);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /usage: afg events detect/);
  const help = await afg(['events', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /afg events eval <dir>/);
});
