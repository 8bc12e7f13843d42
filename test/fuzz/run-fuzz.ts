/**
 * `npm run fuzz`: every decoder and every outside input of the gateway under fast-check, at
 * least 100 000 generated cases in all (shared out by each target's weight), each target in its
 * own process with a time limit, so that a hang is a failure and not a stuck terminal. Prints,
 * per target, the cases run, the inputs accepted and every rejection by its stable code.
 * CI runs the same targets with a few hundred cases each (test/fuzz/fuzz.test.ts).
 *
 *   npm run fuzz                              100 000 cases, seed from the clock (printed)
 *   npm run fuzz -- --cases 300000 --seed 42  more, reproducibly
 *   npm run fuzz -- --only serial,pmd         some targets
 *   npm run fuzz -- --json                    the tally as one JSON line at the end
 *
 * A failure prints fast-check's counterexample and the seed; rerun with that seed to reproduce.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FuzzTally } from './fuzz-tally.ts';
import { FUZZ_TARGETS } from './fuzz-targets.ts';

// `tap test/fuzz` would run this file as a test: the CI share is fuzz.test.ts; this is the long run
if (process.env['TAP'] === '1' && !process.argv.includes('--child')) {
  process.stdout.write('1..0 # SKIP the long fuzz run is `npm run fuzz`; CI runs test/fuzz/fuzz.test.ts\n');
  process.exit(0);
}

const argv = process.argv.slice(2);
function flag(name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? dflt) : dflt;
}

if (argv[0] === '--child') {
  // one target in this process: run it, print its tally as the last line
  const target = FUZZ_TARGETS.find((t) => t.name === argv[1]);
  if (!target) throw new Error(`no fuzz target ${argv[1]}`);
  const tally = new FuzzTally();
  let failure: string | null = null;
  try {
    await target.run({ cases: Number(flag('cases', '100')), seed: Number(flag('seed', '1')), tally });
  } catch (err) {
    const e = err as Error & { cause?: unknown };
    failure = `${e.message}${e.cause instanceof Error ? `\nGot error: ${e.cause.message}` : ''}`;
  }
  process.stdout.write(`${JSON.stringify({ tally: tally.toJSON(), failure })}\n`);
  process.exit(0);
}

const total = Number(flag('cases', '100000'));
const seed = Number(flag('seed', String(Date.now() % 2 ** 31)));
const only = flag('only', '').split(',').filter(Boolean);
const targets = FUZZ_TARGETS.filter((t) => !only.length || only.some((o) => t.name.includes(o)));
const weights = targets.reduce((s, t) => s + t.weight, 0);
const self = fileURLToPath(import.meta.url);
const tally = new FuzzTally();
const failures: string[] = [];
process.stdout.write(`fuzz: ${total} cases over ${targets.length} targets, seed ${seed}\n`);
const started = performance.now();
for (const t of targets) {
  const cases = Math.max(50, Math.round((total * t.weight) / weights));
  const t0 = performance.now();
  const res = await new Promise<{ out: string; code: number | null; timedOut: boolean }>((resolve) => {
    const child = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', self, '--child', t.name, '--cases', String(cases), '--seed', String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let timedOut = false;
    // generous: a case is at most CASE_BUDGET_MS, most are microseconds; this catches a hang
    const limit = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, 15 * 60_000);
    child.on('close', (code) => {
      clearTimeout(limit);
      resolve({ out, code, timedOut });
    });
  });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  let parsed: { tally: ReturnType<FuzzTally['toJSON']>; failure: string | null } | null = null;
  try {
    parsed = JSON.parse(res.out.trim().split('\n').pop() ?? '');
  } catch {
    /* crashed */
  }
  if (!parsed) {
    failures.push(`${t.name}: ${res.timedOut ? 'HANG (killed after 15 min)' : `crashed (exit ${res.code})`}\n${res.out.slice(-2000)}`);
    process.stdout.write(`  ${t.name.padEnd(18)} FAILED (${res.timedOut ? 'hang' : 'crash'}) after ${s} s\n`);
    continue;
  }
  tally.merge(parsed.tally);
  const mine = parsed.tally[t.name];
  if (parsed.failure) failures.push(`${t.name}: ${parsed.failure}`);
  process.stdout.write(`  ${t.name.padEnd(18)} ${String(mine?.cases ?? 0).padStart(7)} cases  ${String(mine?.accepted ?? 0).padStart(8)} accepted  ${parsed.failure ? 'FAILED' : 'ok'}  ${s} s\n`);
  for (const [code, n] of Object.entries(mine?.rejected ?? {}).sort((a, b) => b[1] - a[1])) process.stdout.write(`      ${code.padEnd(32)} ${String(n).padStart(8)}\n`);
}
process.stdout.write(`fuzz: ${tally.totalCases()} cases in ${((performance.now() - started) / 1000).toFixed(0)} s, seed ${seed}: ${failures.length ? `${failures.length} FAILED` : 'no crash, no hang; every rejection tallied by its code above'}\n`);
for (const f of failures) process.stdout.write(`\n!! ${f}\n`);
if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ seed, cases: tally.totalCases(), failures, tally: tally.toJSON() })}\n`);
process.exitCode = failures.length ? 1 : 0;
