import { ScenarioTimeline } from '../../../firmware-bridge/simulator/scenario-timeline.ts';
import type { Scenario } from '../../../firmware-bridge/simulator/scenario.ts';
import { validateConfig } from '../../../gateway/config/load-config.ts';
import { EventBus } from '../../../gateway/core/event-bus.ts';
import type { FeatureFrame } from '../../../gateway/core/types.ts';
import { runOfflineSimulation } from '../../../gateway/devices/offline-simulation.ts';
import { hasGazeBasis } from '../../../gateway/estimator/attention-estimator.ts';
import { FEATURE_NAMES } from '../../../gateway/features/feature-names.ts';
import { FeatureHistory, FeatureLayout } from '../../../gateway/inference/feature-window.ts';
import { ONNX_ESTIMATOR_SETTINGS } from '../../../gateway/inference/onnx-attention-estimator.ts';
import { targetAt } from './attention-labels.ts';

/** Raw windows as the gateway would hold them, with targets: the unit of a training or test set. */
export interface RawWindows {
  name: string;
  n: number;
  frames: number;
  /** gateway features per step (FEATURE_NAMES.length at generation time) */
  width: number;
  /** n x frames x width raw values, NaN where missing */
  raw: Float32Array;
  driver: Uint8Array;
  label: Uint8Array;
  score: Float32Array;
  /** per row: the scripted state at the sample (e.g. glance_away), and the wearer */
  truth: string[];
  wearer: string[];
}

export interface SimulationJob {
  scenario: Scenario;
  durationS: number;
  /** device/clock seed of the simulated fleet */
  seed: number;
}

export interface WindowSampling {
  frames: number;
  strideMs: number;
  /** one sample per wearer every this many ms */
  sampleEveryMs: number;
  /** no samples before this time (baselines settling), ms */
  warmupMs: number;
  tickMs: number;
  gazeRateHz: number;
}

/**
 * Runs scenarios through the real pipeline in virtual time (emulated devices -> decoders ->
 * features: runOfflineSimulation) and collects, per wearer and sample time, the raw window the
 * ONNX estimator would hold (the same FeatureHistory class, fed every tick) with the target from
 * the script (attention-labels.ts). Samples where the estimator would not ask the model
 * (sensor_lost: too little valid gaze; unknown: window not half observed) are skipped, exactly
 * as the estimator skips them.
 *
 * Cost: the simulation (~ hundreds of simulated wearer-seconds per second) plus one window copy per sample.
 *
 * @example
 *   const train = await simulateWindows('train', jobs, sampling, (s) => bar.increment(s));
 */
export async function simulateWindows(name: string, jobs: readonly SimulationJob[], w: WindowSampling, onSimulatedS?: (s: number) => void): Promise<RawWindows> {
  const width = FEATURE_NAMES.length;
  const layout = new FeatureLayout({ features: FEATURE_NAMES, frames: w.frames, strideMs: w.strideMs, mean: FEATURE_NAMES.map(() => 0), std: FEATURE_NAMES.map(() => 1), clip: 1e9 });
  const rowSize = w.frames * width;
  const chunks: Float32Array[] = [];
  const driver: number[] = [];
  const label: number[] = [];
  const score: number[] = [];
  const truth: string[] = [];
  const wearer: string[] = [];
  const minSlots = Math.ceil(ONNX_ESTIMATOR_SETTINGS.minBasisShare * w.frames);
  for (const job of jobs) {
    const scenario = job.scenario;
    const config = validateConfig({ tickMs: w.tickMs, simulation: { enabled: true, scenario: 'generated', seed: job.seed, gazeRateHz: w.gazeRateHz } });
    const bus = new EventBus();
    const histories = new Map<string, { h: FeatureHistory; last: FeatureFrame | null; timeline: ScenarioTimeline; driver: boolean }>();
    for (const s of scenario.wearers) histories.set(s.wearer, { h: new FeatureHistory(layout, width), last: null, timeline: new ScenarioTimeline(s, scenario.loopS), driver: s.role === 'driver' });
    bus.on('features', (f) => {
      const x = histories.get(f.wearer)!;
      x.h.push(f, hasGazeBasis(f));
      x.last = f;
    });
    let reported = 0;
    await runOfflineSimulation({
      config,
      scenario,
      durationMs: job.durationS * 1000,
      bus,
      onTick: (tMs) => {
        if (onSimulatedS && tMs - reported >= 10_000) {
          onSimulatedS((tMs - reported) / 1000);
          reported = tMs;
        }
        if (tMs < w.warmupMs || tMs % w.sampleEveryMs !== 0) return;
        for (const [id, x] of histories) {
          if (!x.last || x.last.t !== tMs || !hasGazeBasis(x.last) || x.h.basisSlots() < minSlots) continue;
          const target = targetAt(x.timeline, tMs);
          if (!target) continue;
          const row = new Float32Array(rowSize);
          x.h.copyRaw(row, 0);
          chunks.push(row);
          driver.push(x.driver ? 1 : 0);
          label.push(target.index);
          score.push(target.score);
          const seg = x.timeline.segmentAt(tMs);
          truth.push(seg?.state ?? 'attentive');
          wearer.push(id);
        }
      },
    });
    onSimulatedS?.(job.durationS - reported / 1000);
  }
  const raw = new Float32Array(chunks.length * rowSize);
  chunks.forEach((c, i) => raw.set(c, i * rowSize));
  return { name, n: chunks.length, frames: w.frames, width, raw, driver: Uint8Array.from(driver), label: Uint8Array.from(label), score: Float32Array.from(score), truth, wearer };
}

/**
 * Mean and standard deviation of the named features over their present values in a set
 * (std >= 1e-6; mean 0 and std 1 for a feature never present).
 */
export function featureMoments(set: RawWindows, features: readonly string[]): { mean: number[]; std: number[] } {
  const W = set.width;
  const F = features.length;
  const src = features.map((f) => FEATURE_NAMES.indexOf(f as (typeof FEATURE_NAMES)[number]));
  if (src.some((i) => i < 0 || i >= W)) throw new RangeError(`unknown feature among ${features.join(', ')}`);
  const sum = new Float64Array(F);
  const sq = new Float64Array(F);
  const cnt = new Float64Array(F);
  for (let at = 0; at < set.raw.length; at += W) {
    for (let j = 0; j < F; j++) {
      const v = set.raw[at + src[j]!]!;
      if (v !== v) continue;
      sum[j]! += v;
      sq[j]! += v * v;
      cnt[j]!++;
    }
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < F; j++) {
    if (cnt[j] === 0) {
      mean.push(0);
      std.push(1);
      continue;
    }
    const m = sum[j]! / cnt[j]!;
    mean.push(round6(m));
    std.push(round6(Math.max(1e-6, Math.sqrt(Math.max(0, sq[j]! / cnt[j]! - m * m)))));
  }
  return { mean, std };
}

/** The model input of a set: every step through FeatureLayout.writeStep, as the gateway does it. */
export function modelInput(set: RawWindows, layout: FeatureLayout): Float32Array {
  const T = set.frames;
  const C = layout.channels;
  const x = new Float32Array(set.n * T * C);
  for (let r = 0; r < set.n; r++) {
    for (let s = 0; s < T; s++) layout.writeStep(set.raw, (r * T + s) * set.width, set.driver[r]!, x, (r * T + s) * C);
  }
  return x;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
