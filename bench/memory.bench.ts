/**
 * Memory of the real gateway process (`afg start`): RSS (from /proc) and V8 heap (from /metrics)
 * with 100 and 1000 wearers at 250 Hz and 1200 Hz, running at real rate against a real
 * Mosquitto (own config; the broker is another process, as in production). The wearers are the
 * simulated fleet: operators with a serial eye tracker and an HR strap, drivers with an eye
 * tracker and a Polar H10 (ECG 130 Hz + ACC 200 Hz), alternating; their emulated devices run
 * inside the gateway process (the signal simulator and encoders are the only thing here that
 * a real deployment would not have, so the figures are an upper bound).
 *
 * Per configuration: start, wait for /health ready, sample RSS every 0.5 s for --seconds, read
 * heap and the decoded sample counts from /metrics at the end. "keeps up" = gaze samples decoded
 * / samples due in that time: below ~0.95 the process could not run that fleet in real time on
 * this machine, and its memory figure is for a fleet that fell behind.
 *
 * Usage: node --import tsx bench/memory.bench.ts [--json] [--quick] [--fleets 100x250,100x1200,1000x250,1000x1200] [--seconds 15]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { metricValue, spawnGateway, waitFor, writeConfig } from '../test/helpers/gateway-process.ts';
import { whichSync } from '../test/helpers/system-binary.ts';
import { BenchReport, flagValue, machineLoad } from './lib/bench-report.ts';
import { writeFleetScenario } from './lib/fleet-scenario.ts';

const argv = process.argv.slice(2);
const report = new BenchReport('memory', argv);
const quick = argv.includes('--quick');
const SECONDS = Number(flagValue(argv, 'seconds', quick ? '8' : '15'));
const fleets = flagValue(argv, 'fleets', '100x250,100x1200,1000x250,1000x1200')
  .split(',')
  .map((s) => s.split('x').map(Number) as [number, number]);

if (!whichSync('mosquitto')) {
  report.line('memory: mosquitto is not installed (apt-get install mosquitto); nothing measured');
  report.end();
  process.exit(0);
}

function sumGaze(metrics: string | null): number {
  if (!metrics) return NaN;
  let s = 0;
  for (const l of metrics.split('\n')) if (l.startsWith('afg_samples_in_total{') && l.includes('kind="gaze"')) s += Number(l.slice(l.lastIndexOf(' ') + 1));
  return s;
}

const mb = (b: number) => b / 2 ** 20;
const broker = await startMosquitto();
report.line(`memory: the real gateway process, simulated fleet at real rate, Mosquitto ${broker.url}, ${SECONDS} s per fleet`);
report.line('wearers  rate   RSS MB (median, max)  heap used MB  heap total MB  external MB  keeps up  ready after s');
const load0 = machineLoad();
for (const [wearers, rate] of fleets) {
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-mem-'));
  const cfg = writeConfig(path.join(dir, 'gateway.json'), {
    site: 'bench',
    gateway: 'gw-mem',
    dataDir: path.join(dir, 'data'),
    mqtt: { url: broker.url },
    dashboard: { port: 0 },
    logLevel: 'warn',
    simulation: { enabled: true, scenario: writeFleetScenario(path.join(dir, 'floor.json'), wearers), seed: 3, gazeRateHz: rate },
  });
  const started = performance.now();
  const gw = spawnGateway({ config: cfg });
  let readyS = NaN;
  const ok = await waitFor(async () => (await gw.health())?.status === 'ready', 60_000, 100);
  if (ok) readyS = (performance.now() - started) / 1000;
  const rss: number[] = [];
  const m0 = await gw.metrics();
  const g0 = sumGaze(m0);
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    await new Promise((r) => setTimeout(r, 500));
    rss.push(gw.rssBytes());
  }
  const m1 = await gw.metrics();
  const elapsed = (performance.now() - t0) / 1000;
  const keepsUp = (sumGaze(m1) - g0) / (wearers * rate * elapsed);
  await gw.stop();
  rmSync(dir, { recursive: true, force: true });
  const tail = rss.slice(Math.floor(rss.length / 2)).filter(Number.isFinite).sort((a, b) => a - b);
  const rssMed = tail[Math.floor(tail.length / 2)] ?? NaN;
  const rssMax = Math.max(...rss.filter(Number.isFinite));
  const heapUsed = metricValue(m1, 'afg_process_nodejs_heap_size_used_bytes');
  const heapTotal = metricValue(m1, 'afg_process_nodejs_heap_size_total_bytes');
  const external = metricValue(m1, 'afg_process_nodejs_external_memory_bytes');
  const params = { wearers, gazeRateHz: rate, seconds: SECONDS, keepsUp: Math.round(keepsUp * 100) / 100 };
  report.result('memory.rss_mb', mb(rssMed), 'MB', params);
  report.result('memory.rss_max_mb', mb(rssMax), 'MB', params);
  report.result('memory.heap_used_mb', mb(heapUsed), 'MB', params);
  report.result('memory.heap_total_mb', mb(heapTotal), 'MB', params);
  report.result('memory.realtime_share', keepsUp, 'ratio', params);
  report.line(
    `${String(wearers).padStart(7)}  ${String(rate).padStart(4)}  ${`${mb(rssMed).toFixed(0)}, ${mb(rssMax).toFixed(0)}`.padStart(20)}  ${mb(heapUsed).toFixed(0).padStart(12)}  ${mb(heapTotal).toFixed(0).padStart(13)}  ${mb(external).toFixed(0).padStart(11)}  ${keepsUp.toFixed(2).padStart(8)}  ${readyS.toFixed(1).padStart(13)}`,
  );
  if (!ok) report.line(`  !! never ready within 60 s: ${gw.output().slice(-600)}`);
}
await broker.stop();
const load1 = machineLoad();
report.line(`machine: ${load0.cores} cores, load average ${load0.loadAvg1m} -> ${load1.loadAvg1m} (shared)`);
report.end();
