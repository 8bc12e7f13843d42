/**
 * Startup: process start to ready — `afg start` spawned as its own process (node + tsx, as
 * `npm start` runs it) until its /health says `ready` (config loaded, store open, broker
 * connected, devices delivering, the pipeline ticking). Against a real Mosquitto (own config),
 * with the demo floor (8 simulated wearers). Also: spawn -> start banner printed (everything
 * started, HTTP listening), and the floor of any such process: `node -e 0` and the same with
 * tsx's loader registered.
 *
 * tsx keeps transformed files in a disk cache (os.tmpdir()/tsx-<uid>); the first start after a
 * change pays the TypeScript transforms. The bench reports each run; run 1 may be "cold".
 *
 * Usage: node --import tsx bench/startup.bench.ts [--json] [--quick] [--runs 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { spawnGateway, waitFor, writeConfig } from '../test/helpers/gateway-process.ts';
import { whichSync } from '../test/helpers/system-binary.ts';
import { BenchReport, flagValue, machineLoad } from './lib/bench-report.ts';

const argv = process.argv.slice(2);
const report = new BenchReport('startup', argv);
const RUNS = Number(flagValue(argv, 'runs', argv.includes('--quick') ? '3' : '5'));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

if (!whichSync('mosquitto')) {
  report.line('startup: mosquitto is not installed (apt-get install mosquitto); nothing measured');
  report.end();
  process.exit(0);
}

function timeNode(args: string[]): number {
  const t0 = performance.now();
  spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  return performance.now() - t0;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const load0 = machineLoad();
const nodeFloor = median([0, 1, 2].map(() => timeNode(['-e', '0'])));
const tsxFloor = median([0, 1, 2].map(() => timeNode(['--import', 'tsx', '-e', '0'])));

const broker = await startMosquitto();
const ready: number[] = [];
const banner: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-startup-'));
  const cfg = writeConfig(path.join(dir, 'gateway.json'), {
    site: 'bench',
    gateway: 'gw-startup',
    dataDir: path.join(dir, 'data'),
    mqtt: { url: broker.url },
    dashboard: { port: 0 },
    logLevel: 'warn',
    simulation: { enabled: true, scenario: path.join(ROOT, 'examples/scenarios/demo-floor.yaml'), seed: 1, gazeRateHz: 120 },
  });
  const t0 = performance.now();
  const gw = spawnGateway({ config: cfg });
  let bannerMs = NaN;
  void gw.dashboardUrl.then(() => (bannerMs = performance.now() - t0)).catch(() => undefined);
  const ok = await waitFor(async () => (await gw.health())?.status === 'ready', 30_000, 10);
  const readyMs = performance.now() - t0;
  await gw.stop();
  rmSync(dir, { recursive: true, force: true });
  if (!ok) {
    report.line(`run ${run}: not ready within 30 s\n${gw.output().slice(-800)}`);
    continue;
  }
  ready.push(readyMs);
  banner.push(bannerMs);
  report.line(`run ${run}: banner (all started, HTTP listening) after ${bannerMs.toFixed(0)} ms, /health ready after ${readyMs.toFixed(0)} ms`);
}
await broker.stop();
const load1 = machineLoad();
const params = { runs: ready.length, wearers: 8, broker: 'mosquitto', loadAvg1m: load0.loadAvg1m };
report.result('startup.ready_median_ms', median(ready), 'ms', params);
report.result('startup.ready_min_ms', Math.min(...ready), 'ms', params);
report.result('startup.banner_median_ms', median(banner), 'ms', params);
report.result('startup.node_floor_ms', nodeFloor, 'ms');
report.result('startup.node_tsx_floor_ms', tsxFloor, 'ms');
report.line(`process start -> ready: median ${median(ready).toFixed(0)} ms, min ${Math.min(...ready).toFixed(0)} ms over ${ready.length} runs (target <= 1500 ms)`);
report.line(`floors: \`node -e 0\` ${nodeFloor.toFixed(0)} ms, \`node --import tsx -e 0\` ${tsxFloor.toFixed(0)} ms`);
report.line(`machine: ${load0.cores} cores, load average ${load0.loadAvg1m} -> ${load1.loadAvg1m} (shared)`);
report.end();
