import os from 'node:os';

/**
 * What every benchmark here prints (BRIEF.md convention): a short human summary on stdout and,
 * with `--json`, as the LAST line of stdout one object
 * `{"bench":"<name>","results":[{"name","value","unit","params"}]}`. Human lines go to stdout
 * as they are produced; the JSON line comes at the end.
 *
 * @example
 *   const report = new BenchReport('pipeline');
 *   report.line(`100 wearers: ${x} samples/s`);
 *   report.result('pipeline.gaze_samples_per_s', x, 'samples/s', { wearers: 100 });
 *   report.end();
 */
export class BenchReport {
  readonly bench: string;
  readonly json: boolean;
  private readonly results: { name: string; value: number; unit: string; params?: Record<string, unknown> }[] = [];

  constructor(bench: string, argv: readonly string[] = process.argv.slice(2)) {
    if (!/^[a-z0-9-]+$/.test(bench)) throw new TypeError(`bench name '${bench}' must be lower-case letters, digits and -`);
    this.bench = bench;
    this.json = argv.includes('--json');
  }

  line(s: string): void {
    process.stdout.write(`${s}\n`);
  }

  result(name: string, value: number, unit: string, params?: Record<string, unknown>): void {
    // NaN/Infinity are not JSON: a figure that could not be measured is null, never a number
    this.results.push({ name, value: Number.isFinite(value) ? round(value) : (null as unknown as number), unit, ...(params ? { params } : {}) });
  }

  end(): void {
    if (this.json) process.stdout.write(`${JSON.stringify({ bench: this.bench, results: this.results })}\n`);
  }
}

function round(v: number): number {
  if (v === 0) return 0;
  const digits = Math.max(0, 4 - Math.floor(Math.log10(Math.abs(v))));
  return Number(v.toFixed(Math.min(6, digits)));
}

/** `--name value` or `--name=value` from argv, else the default. */
export function flagValue(argv: readonly string[], name: string, dflt: string): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1] ?? dflt;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return dflt;
}

/** Load average and cores, to put next to timing figures taken on a shared machine. */
export function machineLoad(): { loadAvg1m: number; cores: number } {
  return { loadAvg1m: Math.round(os.loadavg()[0]! * 100) / 100, cores: os.cpus().length };
}
