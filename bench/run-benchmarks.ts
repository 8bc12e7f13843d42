// `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, so one
// benchmark's garbage and JIT state do not colour the next. Figures, not pass/fail: targets are
// compared in docs/performance.md.
//
//   npm run bench                         every benchmark, their output, then one summary table
//   npm run -s bench -- --json            the same, but stdout is ONE JSON document (the
//                                         benchmarks' own output goes to stderr)
//   npm run bench -- --only pipeline,latency   only the benchmarks whose name contains one of these
//   npm run bench -- --list               the benchmark names
// Any other argument goes to every benchmark (e.g. `--quick`).
//
// Each benchmark follows the convention of BRIEF.md: a human summary on stdout and, with --json,
// as the LAST line of stdout one object {"bench":"<name>","results":[{name,value,unit,params}]}.
// The runner always asks for --json, so it can print the summary table. A benchmark whose source
// shows no sign of the convention (no '--json', no BenchReport) is run without arguments and
// listed as "no JSON report line".
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface BenchResult {
  name: string;
  value: number;
  unit: string;
  params?: Record<string, unknown>;
}
interface BenchReport {
  bench: string;
  file: string;
  exitCode: number | null;
  seconds: number;
  results: BenchResult[];
  error?: string;
}

const dir = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const json = argv.includes('--json');
let only: string[] | null = null;
const passThrough: string[] = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a === '--json') continue;
  if (a === '--only') {
    only = (argv[++i] ?? '').split(',').filter(Boolean);
    continue;
  }
  if (a.startsWith('--only=')) {
    only = a.slice(7).split(',').filter(Boolean);
    continue;
  }
  passThrough.push(a);
}
const all = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
if (passThrough.includes('--list')) {
  for (const f of all) process.stdout.write(`${f.replace(/\.bench\.ts$/, '')}\n`);
  process.exit(0);
}
const files = only ? all.filter((f) => only!.some((o) => f.includes(o))) : all;
// human output goes to stdout normally, to stderr when stdout carries the JSON document
const human = (s: string) => (json ? process.stderr : process.stdout).write(s);

function runOne(file: string): Promise<BenchReport> {
  const name = file.replace(/\.bench\.ts$/, '');
  const started = performance.now();
  return new Promise((resolve) => {
    // a benchmark that does not follow the convention yet (takes positional arguments, no
    // --json) is run without arguments rather than handed flags it would misread as numbers
    const src = readFileSync(path.join(dir, file), 'utf8');
    const conventional = src.includes("'--json'") || src.includes('"--json"') || src.includes('BenchReport');
    const args = conventional ? ['--json', ...passThrough] : [];
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(dir, file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let lineBuf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      // stream the human lines as they come; hold back a line until it is complete, so the
      // JSON line (the last one) can be left out of the human output
      lineBuf += d;
      const lines = lineBuf.split('\n');
      lineBuf = lines.pop()!;
      for (const l of lines) if (!isReportLine(l)) human(`${l}\n`);
    });
    child.on('close', (code) => {
      if (lineBuf && !isReportLine(lineBuf)) human(`${lineBuf}\n`);
      const seconds = (performance.now() - started) / 1000;
      const last = out.trimEnd().split('\n').pop() ?? '';
      const report: BenchReport = { bench: name, file: `bench/${file}`, exitCode: code, seconds: Math.round(seconds * 10) / 10, results: [] };
      try {
        const parsed = JSON.parse(last) as { bench?: unknown; results?: unknown };
        if (!Array.isArray(parsed.results)) throw new Error('no results array');
        report.results = parsed.results as BenchResult[];
        if (typeof parsed.bench === 'string') report.bench = parsed.bench;
      } catch {
        report.error = 'no JSON report line (see the benchmark convention in BRIEF.md)';
      }
      if (code !== 0) report.error = `exited with ${code}${report.error ? `; ${report.error}` : ''}`;
      resolve(report);
    });
  });
}

function isReportLine(l: string): boolean {
  return l.startsWith('{"bench"');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function paramText(p: Record<string, unknown> | undefined): string {
  if (!p) return '';
  return Object.entries(p)
    .filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

const reports: BenchReport[] = [];
for (const f of files) {
  human(`\n== ${f}\n`);
  reports.push(await runOne(f));
}

human('\n== summary\n');
for (const r of reports) {
  human(`${r.bench} (${r.seconds} s)${r.error ? `  !! ${r.error}` : ''}\n`);
  for (const x of r.results) human(`  ${x.name.padEnd(44)} ${fmt(x.value).padStart(10)} ${x.unit.padEnd(14)} ${paramText(x.params)}\n`);
}

const failed = reports.filter((r) => r.exitCode !== 0);
if (json) {
  const cpus = os.cpus();
  const doc = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cpuModel: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAvg1m: Math.round(os.loadavg()[0]! * 100) / 100,
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
    },
    benches: reports,
    failed: failed.map((r) => r.bench),
  };
  process.stdout.write(`${JSON.stringify(doc)}\n`);
}
process.exitCode = failed.length ? 1 : 0;
