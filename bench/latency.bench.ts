/**
 * Sample-to-alert latency, paced at real rate: 100 drivers, each with a 1200 Hz eye tracker
 * (serial frames, one every 10 ms ending with the sample just taken) and a Polar H10 (ECG,
 * ACC, HR notifications), inside the real gateway (startGateway: its loop, FleetPipeline,
 * store, outbox with fsync, MqttSink, dashboard) publishing to a real Mosquitto (own config);
 * the line system is a subscriber in another process.
 *
 * Alerts at known sample times: every driver closes the eyes for 1.5 s every 5 s (onsets spread
 * over wearers and tick phases) while moving, so each closure must raise exactly one
 * `microsleep` alert, due 1 s after its onset. The bench checks that each raise came within
 * [onset + 0.95 s, onset + 1.25 s] and that no other alert kind appeared.
 *
 * Latency of an alert = subscriber receive time - the moment the bytes of the sample the alert
 * stands on entered the decoder: the newest sample at or before the tick that raised it (gateway
 * time), i.e. the sample that completed the 1 s of closure. Both readings are CLOCK_MONOTONIC
 * (process.hrtime), comparable across processes. A tick processed before the frame holding its
 * own sample arrived uses the newest sample it had; such alerts are counted. Split into
 *   pipeline: bytes into the decoder -> alert on the gateway's event bus (the wait for the tick
 *             to be processed included), and
 *   delivery: alert on the bus -> outbox fsync -> PUBLISH -> subscriber.
 *
 * Usage: node --import tsx bench/latency.bench.ts [--json] [--quick] [--wearers 100]
 *        [--rate 1200] [--seconds 30]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startGateway } from '../gateway/app/gateway-app.ts';
import type { Alert } from '../gateway/core/types.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { whichSync } from '../test/helpers/system-binary.ts';
import { benchFleetConfig, benchWearer } from './lib/bench-fleet-config.ts';
import { BenchReport, flagValue, machineLoad } from './lib/bench-report.ts';
import { microsleepVariant } from './lib/microsleep-script.ts';
import { PacedClock, PacedWearerDevice } from './lib/paced-wearer-device.ts';
import { PrerecordedWearerStream } from './lib/prerecorded-wearer-stream.ts';
import { buildSignalVariants } from './lib/signal-variants.ts';

const argv = process.argv.slice(2);
const report = new BenchReport('latency', argv);
const quick = argv.includes('--quick');
const WEARERS = Number(flagValue(argv, 'wearers', '100'));
const RATE = Number(flagValue(argv, 'rate', '1200'));
const SECONDS = Number(flagValue(argv, 'seconds', quick ? '15' : '30'));
const STEP_MS = RATE % 100 === 0 ? 10 : 20; // frames end on a sample: 1200 Hz -> 12 samples / 10 ms
const CLOSURE_MS = 1500;
const PERIOD_MS = 5000;
const FIRST_ONSET_MS = 4000;
const VARIANTS = 20;
const here = path.dirname(fileURLToPath(import.meta.url));

if (!whichSync('mosquitto')) {
  report.line('latency: mosquitto is not installed (apt-get install mosquitto); nothing measured');
  report.end();
  process.exit(0);
}

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

// ---- the devices' bytes, produced before the clock starts
const durationMs = SECONDS * 1000;
const physiology = buildSignalVariants(1, RATE).driver[0]!;
const onsets: number[][] = [];
const variants = Array.from({ length: VARIANTS }, (_, v) => {
  const phase = (v * PERIOD_MS) / VARIANTS + 3.7 * v; // spread over wearers and over tick phases
  const on: number[] = [];
  for (let t = FIRST_ONSET_MS + phase; t + CLOSURE_MS + 1500 < durationMs; t += PERIOD_MS) on.push(t);
  onsets.push(on);
  return microsleepVariant({ gazeRateHz: RATE, durationMs: Math.max(durationMs, 60_000), onsetsMs: on, closureMs: CLOSURE_MS, seed: 77 + v, physiology });
});
const streams = Array.from({ length: WEARERS }, (_, i) => PrerecordedWearerStream.build({ variant: variants[i % VARIANTS]!, seed: i + 1, stepMs: STEP_MS, durationMs, id: `et-${i}` }));
const expectedRaises = streams.reduce((s, _x, i) => s + onsets[i % VARIANTS]!.length, 0);

// ---- broker, line system, gateway
const broker = await startMosquitto();
const dir = mkdtempSync(path.join(tmpdir(), 'afg-latency-'));
const sub = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'lib/alert-subscriber.ts'), broker.url, 'afg/v1/bench/gw-bench/alerts'], { stdio: ['ignore', 'pipe', 'inherit'] });
const received = new Map<string, bigint>();
let subReady!: () => void;
const ready = new Promise<void>((r) => (subReady = r));
createInterface({ input: sub.stdout }).on('line', (l) => {
  const m = JSON.parse(l) as { ready?: boolean; id?: string; rev?: number; recvNs?: string };
  if (m.ready) subReady();
  else if (m.id !== undefined && !received.has(`${m.id}:${m.rev}`)) received.set(`${m.id}:${m.rev}`, BigInt(m.recvNs!));
});
await ready;

const config = benchFleetConfig(WEARERS, { mqtt: { url: broker.url }, dashboard: { port: 0 }, dataDir: path.join(dir, 'data'), logLevel: 'warn' }, true);
const devices: PacedWearerDevice[] = [];
let gatewayNow: () => number = () => performance.now();
const gw = await startGateway({
  config,
  baseDir: dir,
  version: 'bench',
  logger: pino({ level: 'warn' }),
  extraDevices: ({ sink, errors, now }) => {
    gatewayNow = now;
    for (let i = 0; i < WEARERS; i++) devices.push(new PacedWearerDevice({ wearer: benchWearer(i, true).id, index: i, stream: streams[i]!, sink, errors }));
    return devices;
  },
});
const byWearer = new Map(devices.map((d, i) => [d.wearer, i]));

interface Raise {
  key: string;
  wearer: number;
  emittedNs: bigint;
  entryNs: bigint;
  /** the tick's sample had not entered the decoder when the alert was raised */
  beforeEvidence: boolean;
}
const raises: Raise[] = [];
const otherKinds = new Map<string, number>();
// FleetPipeline.tick(t) emits every wearer's estimate before its alerts: the last estimate's t is the tick's time
let tickT = NaN;
gw.bus.on('estimate', (e) => (tickT = e.t));
gw.bus.on('alert', (a: Alert) => {
  const emittedNs = process.hrtime.bigint();
  if (a.kind !== 'microsleep') {
    if (a.rev === 0) otherKinds.set(a.kind, (otherKinds.get(a.kind) ?? 0) + 1);
    return;
  }
  if (a.rev !== 0) return;
  const w = byWearer.get(a.wearer)!;
  const d = devices[w]!;
  // the sample the alert stands on: the newest one at or before the tick's time
  const k = d.stepAtOrBefore(tickT);
  raises.push({ key: `${a.id}:0`, wearer: w, emittedNs, entryNs: d.entryNs[k]!, beforeEvidence: !(d.gazeGw[d.lastStep]! >= tickT) });
});

const load0 = machineLoad();
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
let finished!: () => void;
const clockDone = new Promise<void>((resolve) => (finished = resolve));
const pacedClock = new PacedClock({ devices, stepMs: STEP_MS, steps: streams[0]!.steps, now: gatewayNow, onDone: () => finished() });
pacedClock.start();
const startNs = pacedClock.dueNs(0);
report.line(`latency: ${WEARERS} drivers, eye tracker ${RATE} Hz (a frame every ${STEP_MS} ms) + Polar H10, ${SECONDS} s paced at real rate, Mosquitto ${broker.url}`);
await clockDone;
const until = Date.now() + 15_000;
while (Date.now() < until && raises.some((r) => !received.has(r.key))) await new Promise((r) => setTimeout(r, 50));
loopDelay.disable();
const load1 = machineLoad();
const health = gw.health();
await gw.stop();
sub.kill('SIGTERM');
await broker.stop();
rmSync(dir, { recursive: true, force: true });

// ---- figures
const total: number[] = [];
const pipe: number[] = [];
const delivery: number[] = [];
let lost = 0;
let early = 0;
let late = 0;
const dueOffsets: number[] = [];
for (const r of raises) {
  const recv = received.get(r.key);
  if (recv === undefined) {
    lost++;
    continue;
  }
  total.push(Number(recv - r.entryNs) / 1e6);
  pipe.push(Number(r.emittedNs - r.entryNs) / 1e6);
  delivery.push(Number(recv - r.emittedNs) / 1e6);
  // was it raised when the script says it is due? (device time of the emit moment)
  const simMs = Number(r.emittedNs - startNs) / 1e6;
  const on = onsets[r.wearer % VARIANTS]!;
  const onset = on.filter((c) => c <= simMs).pop();
  if (onset !== undefined) dueOffsets.push(simMs - onset);
  if (onset === undefined || simMs < onset + 950) early++;
  else if (simMs > onset + 1250) late++;
}
for (const a of [total, pipe, delivery]) a.sort((x, y) => x - y);
const params = { wearers: WEARERS, gazeRateHz: RATE, seconds: SECONDS, frameEveryMs: STEP_MS, tickMs: config.tickMs, alerts: total.length };
report.result('latency.sample_to_alert_p50_ms', percentile(total, 0.5), 'ms', params);
report.result('latency.sample_to_alert_p99_ms', percentile(total, 0.99), 'ms', params);
report.result('latency.sample_to_alert_max_ms', total[total.length - 1] ?? NaN, 'ms', params);
report.result('latency.pipeline_p50_ms', percentile(pipe, 0.5), 'ms', params);
report.result('latency.pipeline_p99_ms', percentile(pipe, 0.99), 'ms', params);
report.result('latency.delivery_p50_ms', percentile(delivery, 0.5), 'ms', params);
report.result('latency.delivery_p99_ms', percentile(delivery, 0.99), 'ms', params);
report.result('latency.alerts_lost', lost, 'alerts', params);
report.result('latency.alerts_off_schedule', early + late, 'alerts', params);
const f = (a: number[], p: number) => percentile(a, p).toFixed(1);
report.line(`alerts: ${raises.length} microsleep raises of ${expectedRaises} scripted; received ${total.length}, lost ${lost}; off schedule ${early} early / ${late} late; other kinds ${JSON.stringify(Object.fromEntries(otherKinds))}`);
dueOffsets.sort((a, b) => a - b);
report.line(`raised before the frame with the tick's own sample arrived: ${raises.filter((r) => r.beforeEvidence).length}`);
report.line(`raised after onset (device clock of the emit moment): min ${(dueOffsets[0] ?? NaN).toFixed(0)} ms, median ${percentile(dueOffsets, 0.5).toFixed(0)} ms, max ${(dueOffsets[dueOffsets.length - 1] ?? NaN).toFixed(0)} ms (due at 1000 ms)`);
report.line(`sample -> subscriber: p50 ${f(total, 0.5)} ms, p99 ${f(total, 0.99)} ms, max ${(total[total.length - 1] ?? NaN).toFixed(1)} ms (target p99 <= 20 ms)`);
report.line(`  pipeline (bytes into decoder -> alert on the bus, tick wait included): p50 ${f(pipe, 0.5)} ms, p99 ${f(pipe, 0.99)} ms, max ${(pipe[pipe.length - 1] ?? NaN).toFixed(1)} ms`);
report.line(`  delivery (bus -> outbox fsync -> broker -> subscriber): p50 ${f(delivery, 0.5)} ms, p99 ${f(delivery, 0.99)} ms, max ${(delivery[delivery.length - 1] ?? NaN).toFixed(1)} ms`);
report.line(`  delivery p90 ${f(delivery, 0.9)} ms, p95 ${f(delivery, 0.95)} ms; event-loop delay of the gateway process p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`);
report.result('latency.event_loop_delay_p99_ms', loopDelay.percentile(99) / 1e6, 'ms', params);
report.line(`paced clock: ${pacedClock.stepsLate} steps delivered late (timer woke after the next step was due); gateway health at the end: ${health.status} ${health.reasons.join('; ')}`);
report.line(`machine: ${load0.cores} cores, load average ${load0.loadAvg1m} -> ${load1.loadAvg1m} (shared)`);
report.end();
process.exit(0);
