/**
 * Inference latency per tick: the ONNX attention-state estimator (models/attention-state.onnx,
 * validated against models/manifest.json as the gateway loads it) estimating 1, 64 and 1024
 * wearers in ONE batched run per tick, on the CPU execution provider unless told otherwise.
 *
 * Two figures per fleet size, per tick:
 *   estimate   OnnxAttentionEstimator.estimateBatch: window push for every wearer, input fill,
 *              session.run, decoding into AttentionEstimates (what the pipeline waits for)
 *   run        session.run alone (the model's share)
 * Windows are filled first (30 steps at the model's stride), then ticks run 50 ms apart with
 * every wearer's gaze valid, so every wearer is in every batch. Wall time is what a tick waits;
 * on a shared machine it carries the others' load, so the process CPU time per tick (main
 * thread and onnxruntime's threads together, process.cpuUsage) is printed beside it.
 *
 * Usage: node --import tsx bench/inference.bench.ts [--json] [--quick] [--wearers 1,64,1024]
 *        [--ticks N] [--providers cpu] [--threads 1]   (as inference.executionProviders / cpuThreads; threads 0: one per core)
 */
import type { FeatureFrame, Role } from '../gateway/core/types.ts';
import { FEATURE_NAMES, featureIndex } from '../gateway/features/feature-names.ts';
import { AttentionModel } from '../gateway/inference/attention-model.ts';
import { DEFAULT_PROVIDER_OPTIONS, type ExecutionProviderName } from '../gateway/inference/execution-providers.ts';
import { BUNDLED_MODEL_DIR } from '../gateway/inference/inference-engine.ts';
import { OnnxAttentionEstimator } from '../gateway/inference/onnx-attention-estimator.ts';
import { BenchReport, flagValue, machineLoad } from './lib/bench-report.ts';

const argv = process.argv.slice(2);
const report = new BenchReport('inference', argv);
const quick = argv.includes('--quick');
const sizes = flagValue(argv, 'wearers', '1,64,1024').split(',').map(Number);
const ticks = Number(flagValue(argv, 'ticks', quick ? '20' : '60'));
const providers = flagValue(argv, 'providers', 'cpu').split(',') as ExecutionProviderName[];
const cpuThreads = Number(flagValue(argv, 'threads', '1'));
const VALID = featureIndex('gaze_valid_ratio');

const model = await AttentionModel.load({ dir: BUNDLED_MODEL_DIR, name: 'attention-state', providers, options: { ...DEFAULT_PROVIDER_OPTIONS, cpuThreads } });
const load0 = machineLoad();
report.line(`model ${model.label} (sha256 ${model.sha256.slice(0, 12)}) on ${model.provider}, ${cpuThreads || 'default'} CPU thread(s); window ${model.entry.input.frames} x ${model.layout.channels} channels; load ${load0.loadAvg1m} on ${load0.cores} cores`);

function frames(n: number, tMs: number, out: FeatureFrame[]): FeatureFrame[] {
  for (let i = 0; i < n; i++) {
    const f = out[i]!;
    f.t = tMs;
    const v = f.values;
    // plausible, varying values: the model's work does not depend on them, the decode does not either
    for (let j = 0; j < v.length; j++) v[j] = Math.abs(Math.sin(i * 0.37 + j * 1.3 + tMs * 1e-4)) * 10;
    v[VALID] = 1;
  }
  return out;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

for (const n of sizes) {
  const runMs: number[] = [];
  const est = new OnnxAttentionEstimator({ models: { current: model }, onRun: (s) => runMs.push(s.ms) });
  const pool: FeatureFrame[] = Array.from({ length: n }, (_, i) => ({ wearer: `op-${i.toString(16).padStart(4, '0')}`, t: 0, values: new Float32Array(FEATURE_NAMES.length), quality: new Uint8Array(FEATURE_NAMES.length).fill(2) }));
  const roles: Role[] = pool.map((_, i) => (i % 3 === 0 ? 'driver' : 'operator'));
  let t = 0;
  for (let k = 0; k < model.entry.input.frames; k++) await est.estimateBatch(frames(n, (t += model.entry.input.strideMs), pool), roles);
  for (let k = 0; k < 5; k++) await est.estimateBatch(frames(n, (t += 50), pool), roles); // warm-up at this batch size
  runMs.length = 0;
  const tickMs: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < ticks; k++) {
    const f = frames(n, (t += 50), pool);
    const t0 = performance.now();
    const e = await est.estimateBatch(f, roles);
    tickMs.push(performance.now() - t0);
    if (e[n - 1]!.probs === null) throw new Error(`wearer ${n - 1} got no estimate (${e[n - 1]!.state})`);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / ticks;
  const mean = tickMs.reduce((a, b) => a + b, 0) / tickMs.length;
  const runMean = runMs.reduce((a, b) => a + b, 0) / runMs.length;
  const params = { wearers: n, provider: model.provider, cpuThreads, ticks, frames: model.entry.input.frames, channels: model.layout.channels };
  report.line(
    `${String(n).padStart(5)} wearers: estimate p50 ${quantile(tickMs, 0.5).toFixed(2)} ms, p99 ${quantile(tickMs, 0.99).toFixed(2)} ms, mean ${mean.toFixed(2)} ms per tick (${((mean * 1000) / n).toFixed(1)} µs/wearer); session.run mean ${runMean.toFixed(2)} ms; CPU ${cpuMs.toFixed(2)} ms per tick`,
  );
  report.result('inference.estimate_ms_per_tick_p50', quantile(tickMs, 0.5), 'ms', params);
  report.result('inference.estimate_ms_per_tick_p99', quantile(tickMs, 0.99), 'ms', params);
  report.result('inference.estimate_ms_per_tick_mean', mean, 'ms', params);
  report.result('inference.run_ms_per_tick_mean', runMean, 'ms', params);
  report.result('inference.estimate_us_per_wearer', (mean * 1000) / n, 'µs', params);
  report.result('inference.cpu_ms_per_tick', cpuMs, 'ms', params);
}
const load1 = machineLoad();
report.line(`load ${load0.loadAvg1m} -> ${load1.loadAvg1m} on ${load1.cores} cores (shared machine: expect contention noise)`);
await model.release();
report.end();
