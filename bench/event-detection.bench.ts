/**
 * Event-detection throughput: gaze samples labelled per second per core by each detector (apd,
 * ivt, eye-events), at 250 and 1200 Hz, streaming as the gateway feeds them (one batch per
 * `--batch-ms` of gaze, labels read after every batch).
 *
 * The gaze is synthetic with every kind of event the detectors label (test/events/
 * synthetic-gaze.ts: main-sequence saccades with PSOs, pursuit with catch-up saccades, blinks
 * with eyelid artefacts, track loss, fixational drift, sensor noise), so each stage does its
 * real work. eye-events runs models/eye-events.onnx through a real onnxruntime session on the
 * CPU execution provider with one intra-op thread (`--threads`), so the figure is per core.
 *
 * Two figures per detector and rate:
 *   samples_per_cpu_s   samples / process CPU seconds (main thread and onnxruntime's threads):
 *                       the per-core throughput, and less disturbed by others' load than wall time
 *   samples_per_s       samples / wall seconds (what one stream gets on this machine now)
 * Each is the best of `--reps` passes over a fresh stream, after one warm-up pass.
 *
 * Usage: node --import tsx bench/event-detection.bench.ts [--json] [--quick] [--rates 250,1200]
 *        [--seconds 300] [--reps 3] [--batch-ms 100] [--detectors apd,ivt,eye-events] [--threads 1]
 */
import { isAsyncDetector } from '../gateway/events/async-event-detector.ts';
import { loadEventDetector } from '../gateway/events/detector-registry.ts';
import { sliceInto, type GazeColumns, type GazeEventDetector } from '../gateway/events/gaze-event-detector.ts';
import { DEFAULT_PROVIDER_OPTIONS } from '../gateway/inference/execution-providers.ts';
import { synthesize, type Segment } from '../test/events/synthetic-gaze.ts';
import { BenchReport, flagValue, machineLoad } from './lib/bench-report.ts';

const argv = process.argv.slice(2);
const report = new BenchReport('event-detection', argv);
const quick = argv.includes('--quick');
const rates = flagValue(argv, 'rates', '250,1200').split(',').map(Number);
const seconds = Number(flagValue(argv, 'seconds', quick ? '30' : '300'));
const reps = Number(flagValue(argv, 'reps', quick ? '1' : '3'));
const batchMs = Number(flagValue(argv, 'batch-ms', '100'));
const detectors = flagValue(argv, 'detectors', 'apd,ivt,eye-events').split(',');
const cpuThreads = Number(flagValue(argv, 'threads', '1'));
for (const [k, v] of Object.entries({ seconds, reps, batchMs })) if (!(v > 0)) throw new RangeError(`--${k} must be positive`);
if (!rates.every((r) => r > 0)) throw new RangeError('--rates must be positive numbers (Hz)');

// ~6.4 s of viewing: fixations with drift, saccades of 2-15 deg (PSOs on the larger ones),
// pursuit with a catch-up saccade, a blink, a short track loss; repeated to fill the duration
const SCRIPT: Segment[] = [
  { kind: 'fix', ms: 400, driftDegS: 0.5 },
  { kind: 'sacc', ampDeg: 10, dirDeg: 0, overshootDeg: 0.6, psoMs: 24 },
  { kind: 'fix', ms: 300 },
  { kind: 'sacc', ampDeg: 4, dirDeg: 120 },
  { kind: 'fix', ms: 250, driftDegS: 0.3 },
  { kind: 'pursuit', ms: 700, speedDegS: 10, dirDeg: 200 },
  { kind: 'sacc', ampDeg: 2, dirDeg: 200 },
  { kind: 'pursuit', ms: 500, speedDegS: 10, dirDeg: 200 },
  { kind: 'fix', ms: 350 },
  { kind: 'blink', ms: 150, lidMs: 40, lidDeg: 3 },
  { kind: 'fix', ms: 500 },
  { kind: 'sacc', ampDeg: 15, dirDeg: 30, overshootDeg: 1, psoMs: 30 },
  { kind: 'fix', ms: 600 },
  { kind: 'loss', ms: 300 },
  { kind: 'fix', ms: 400 },
  { kind: 'sacc', ampDeg: 6, dirDeg: 250, overshootDeg: 0.3, psoMs: 16 },
  { kind: 'fix', ms: 500 },
  { kind: 'pursuit', ms: 600, speedDegS: 5, dirDeg: 90 },
];
// a saccade back to the start closes the cycle, so the gaze stays on a screen's worth of angle
const net = SCRIPT.reduce(
  (a, s) => {
    const dir = ((s.kind === 'sacc' || s.kind === 'pursuit' ? (s.dirDeg ?? 0) : 0) * Math.PI) / 180;
    const len = s.kind === 'sacc' ? s.ampDeg : s.kind === 'pursuit' ? (s.speedDegS * s.ms) / 1000 : s.kind === 'fix' ? ((s.driftDegS ?? 0) * s.ms) / 1000 : 0;
    return [a[0]! + len * Math.cos(dir), a[1]! + len * Math.sin(dir)];
  },
  [0, 0],
);
SCRIPT.push({ kind: 'sacc', ampDeg: Math.hypot(net[0]!, net[1]!), dirDeg: (Math.atan2(-net[1]!, -net[0]!) * 180) / Math.PI }, { kind: 'fix', ms: 300 });
const scriptMs = SCRIPT.reduce((a, s) => a + (s.kind === 'sacc' ? 2.2 * s.ampDeg + 21 + (s.psoMs ?? 0) : s.ms), 0);
const script: Segment[] = [];
for (let i = 0; i < Math.ceil((seconds * 1000) / scriptMs); i++) script.push(...SCRIPT);

async function create(name: string): Promise<GazeEventDetector> {
  return loadEventDetector(name, { providers: ['cpu'], providerOptions: { ...DEFAULT_PROVIDER_OPTIONS, cpuThreads } });
}

/** One pass over the recording with a fresh stream, batch by batch; returns wall and CPU ms. */
async function pass(det: GazeEventDetector, g: GazeColumns, batch: number, out: Uint8Array): Promise<{ wallMs: number; cpuMs: number }> {
  const view = { ...g };
  const settle = isAsyncDetector(det) ? () => det.settle() : null;
  let got = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let from = 0; from < g.n; from += batch) {
    det.push(sliceInto(g, from, Math.min(g.n, from + batch), view));
    if (settle) await settle();
    got += det.read(out.subarray(got));
  }
  det.end();
  if (settle) await settle();
  got += det.read(out.subarray(got));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (got !== g.n) throw new Error(`${det.name} released ${got} labels for ${g.n} samples`);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const load0 = machineLoad();
report.line(`event detection: ${seconds} s of synthetic gaze per pass, batches of ${batchMs} ms, best of ${reps}; eye-events on onnxruntime cpu, ${cpuThreads || 'default'} thread(s); load ${load0.loadAvg1m} on ${load0.cores} cores`);
for (const rate of rates) {
  const g = synthesize(script, { rateHz: rate, noiseDeg: 0.01, jitterMs: 0.1 * (1000 / rate), seed: 11 });
  const n = Math.min(g.n, Math.round(seconds * rate));
  const gaze: GazeColumns = { n, t: g.t.subarray(0, n), x: g.x.subarray(0, n), y: g.y.subarray(0, n) };
  const batch = Math.max(1, Math.round((batchMs * rate) / 1000));
  const out = new Uint8Array(n);
  for (const name of detectors) {
    await pass(await create(name), gaze, batch, out); // warm-up: JIT, session's first runs
    let bestWall = Infinity;
    let bestCpu = Infinity;
    for (let r = 0; r < reps; r++) {
      const m = await pass(await create(name), gaze, batch, out);
      bestWall = Math.min(bestWall, m.wallMs);
      bestCpu = Math.min(bestCpu, m.cpuMs);
    }
    // a detector that labels everything undefined would be fast too: the labels must agree with
    // the script (loosely: boundaries, PSOs and blink edges differ between detectors)
    let agree = 0;
    for (let i = 0; i < n; i++) if (out[i] === g.truth[i]) agree++;
    if (agree / n < 0.5) throw new Error(`${name} at ${rate} Hz agrees with the synthetic truth on ${((100 * agree) / n).toFixed(1)} % of samples only`);
    const perCpuS = n / (bestCpu / 1000);
    const perS = n / (bestWall / 1000);
    const params = { detector: name, rateHz: rate, samples: n, batchSamples: batch, reps, ...(name === 'eye-events' ? { provider: 'cpu', cpuThreads } : {}) };
    report.line(
      `${name.padEnd(10)} ${String(rate).padStart(5)} Hz: ${Math.round(perCpuS).toLocaleString('en')} samples/CPU-s (${(perCpuS / rate).toFixed(0)} streams per core), ${Math.round(perS).toLocaleString('en')} samples/s wall; ${n} samples in ${bestWall.toFixed(0)} ms wall, ${bestCpu.toFixed(0)} ms CPU; ${((100 * agree) / n).toFixed(0)} % of labels as scripted`,
    );
    report.result('events.samples_per_cpu_s', perCpuS, 'samples/s', params);
    report.result('events.samples_per_s', perS, 'samples/s', params);
    report.result('events.realtime_streams_per_core', perCpuS / rate, 'streams', params);
  }
}
const load1 = machineLoad();
report.line(`load ${load0.loadAvg1m} -> ${load1.loadAvg1m} on ${load1.cores} cores (shared machine: expect contention noise)`);
report.end();
// onnxruntime's session keeps the event loop alive
process.exit(0);
