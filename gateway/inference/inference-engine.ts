import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GatewayConfig } from '../config/schema.ts';
import { AfgError, type ErrorCounter } from '../core/errors.ts';
import type { AttentionEstimator } from '../estimator/attention-estimator.ts';
import { RuleBasedEstimator } from '../estimator/rule-based-estimator.ts';
import type { AttentionModel, AttentionModelSource } from './attention-model.ts';
import type { ExecutionProviderName, ProviderAttempt, ProviderOptions } from './execution-providers.ts';
import type { SwapRecord } from './model-hot-swap.ts';
import type { InferenceRunStats } from './onnx-attention-estimator.ts';

/** The models/ folder of this installation (manifest.json and the committed .onnx files). */
export const BUNDLED_MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models');

export type InferenceConfig = GatewayConfig['inference'];

/** What /health shows about inference. */
export interface InferenceReport {
  estimator: string;
  kind: 'rule-based' | 'onnx';
  executionProvider: string;
  model: { name: string; version: string; file: string; sha256: string } | null;
  providers: ProviderAttempt[];
  providerOptions: Record<string, unknown> | null;
  hotSwap: { enabled: boolean; swaps: number; refusals: number; last: SwapRecord | null } | null;
  failedRuns: number;
}

/** The metrics the engine keeps up to date (a subset of createGatewayMetrics()). */
export interface InferenceMetrics {
  executionProvider: { reset(): void; set(labels: { provider: string; estimator: string }, v: number): void };
  providerAvailable: { set(labels: { provider: string }, v: number): void };
  inferenceSeconds: { observe(v: number): void };
  inferenceBatchRows: { set(v: number): void };
  modelSwaps: { inc(labels: { outcome: string }): void };
}

export interface InferenceEngine {
  readonly estimator: AttentionEstimator;
  readonly kind: 'rule-based' | 'onnx';
  /** the execution provider in use ('cpu' for the rule-based estimator, which runs in JS) */
  readonly provider: string;
  /** one line for the start banner */
  summary(): string;
  report(): InferenceReport;
  close(): Promise<void>;
}

/** The model name an `inference.estimator` value selects, or null for the rule-based estimator. */
export function selectedModel(cfg: Pick<InferenceConfig, 'estimator' | 'model'>): string | null {
  if (cfg.estimator === 'rule-based') return null;
  return cfg.estimator === 'onnx' ? cfg.model : cfg.estimator;
}

/**
 * Builds the attention estimator the config asks for. `rule-based`: the transparent baseline.
 * `onnx` (the model named by inference.model) or a model name: loads it from the model folder
 * with the execution-provider preference list (each tried alone; failures logged and kept for
 * /health and /metrics), validates it against its manifest entry and warms it up; any failure
 * stops the start with its code (AFG_E_MODEL_*, AFG_E_EXECUTION_PROVIDER). With hot swap on,
 * changed model files are loaded and switched in between ticks, or refused.
 *
 * @example
 *   const engine = await createInferenceEngine({ config: config.inference, baseDir, dataDir, errors, log });
 *   const fleet = new FleetPipeline({ config, bus, toEpochMs, estimator: engine.estimator });
 */
export async function createInferenceEngine(o: {
  config: InferenceConfig;
  baseDir: string;
  dataDir: string;
  errors?: ErrorCounter;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
  metrics?: InferenceMetrics;
  /** wearers of the gateway: the batch size GPU providers run, warmed up at load */
  fleetSize?: number;
}): Promise<InferenceEngine> {
  const cfg = o.config;
  const log = o.log ?? (() => undefined);
  const name = selectedModel(cfg);
  if (name === null) return ruleBasedEngine(o.metrics);
  // onnxruntime-node (native library, ~0.1 s and tens of MB resident) only for a model config
  const [{ AttentionModel }, { ModelHotSwap }, { OnnxAttentionEstimator }] = await Promise.all([import('./attention-model.ts'), import('./model-hot-swap.ts'), import('./onnx-attention-estimator.ts')]);

  const dir = cfg.modelDir === null ? BUNDLED_MODEL_DIR : path.resolve(o.baseDir, cfg.modelDir);
  const options: ProviderOptions = {
    tensorrt: {
      deviceId: cfg.tensorrt.deviceId,
      fp16: cfg.tensorrt.fp16,
      workspaceMb: cfg.tensorrt.workspaceMb,
      engineCacheDir: cfg.tensorrt.engineCache ? path.resolve(o.dataDir, cfg.tensorrt.engineCacheDir) : null,
    },
    cuda: { deviceId: cfg.cuda.deviceId },
    cpuThreads: cfg.cpuThreads,
  };
  const providers = cfg.executionProviders as ExecutionProviderName[];
  if (providers.includes('tensorrt') && options.tensorrt.engineCacheDir) await mkdir(options.tensorrt.engineCacheDir, { recursive: true }).catch(() => undefined);
  const warmupBatches = [...new Set([1, 8, Math.max(1, o.fleetSize ?? 1)])];
  const source: AttentionModelSource = { dir, name, providers, options, warmupBatches };
  let initial: AttentionModel;
  try {
    initial = await AttentionModel.load(source);
  } catch (err) {
    if (err instanceof AfgError) throw new AfgError(err.code, `${err.message} (inference.estimator: ${cfg.estimator}; model folder ${dir})`, { path: '/inference/estimator', cause: err });
    throw err;
  }
  for (const a of initial.attempts) {
    if (!a.ok) log('warn', `execution provider ${a.provider} unavailable: ${a.error}`);
  }
  log('info', `attention model ${initial.label} (sha256 ${initial.sha256.slice(0, 12)}) runs on ${initial.provider}`);

  const m = o.metrics;
  const publish = (model: AttentionModel) => {
    if (!m) return;
    m.executionProvider.reset();
    m.executionProvider.set({ provider: model.provider, estimator: model.label }, 1);
    for (const a of model.attempts) m.providerAvailable.set({ provider: a.provider }, a.ok ? 1 : 0);
  };
  publish(initial);

  const holder = new ModelHotSwap({
    initial,
    source,
    ...(o.errors ? { errors: o.errors } : {}),
    log,
    onSwap: (next) => {
      publish(next);
      m?.modelSwaps.inc({ outcome: 'swapped' });
    },
    onRefuse: () => m?.modelSwaps.inc({ outcome: 'refused' }),
  });
  let lastRunErrorLog = -Infinity;
  let runErrors = 0;
  const estimator = new OnnxAttentionEstimator({
    models: holder,
    ...(o.errors ? { errors: o.errors } : {}),
    onRun: (s: InferenceRunStats) => {
      m?.inferenceSeconds.observe(s.ms / 1000);
      m?.inferenceBatchRows.set(s.rows);
    },
    onRunError: (err) => {
      // one log line per 100 failures: a broken provider must not flood the log at 20 Hz
      if (runErrors++ - lastRunErrorLog >= 100) {
        lastRunErrorLog = runErrors;
        log('error', `AFG_E_INFERENCE_RUN: ${err.message}; rule-based estimates used for this tick (${runErrors} failed runs so far)`);
      }
    },
  });
  if (cfg.hotSwap.enabled) holder.start(cfg.hotSwap.pollMs);

  return {
    estimator,
    kind: 'onnx',
    get provider() {
      return holder.current.provider;
    },
    summary() {
      const cur = holder.current;
      const failed = cur.attempts.filter((a) => !a.ok).map((a) => a.provider);
      return `${cur.provider} — ${cur.label} on onnxruntime${failed.length ? ` (${failed.join(', ')} unavailable, see log)` : ''}${cfg.hotSwap.enabled ? ', hot swap on' : ''}`;
    },
    report(): InferenceReport {
      const cur = holder.current;
      return {
        estimator: cur.label,
        kind: 'onnx',
        executionProvider: cur.provider,
        model: { name: cur.name, version: cur.entry.version, file: cur.file, sha256: cur.sha256 },
        providers: [...cur.attempts],
        providerOptions: cur.provider === 'tensorrt' ? { ...options.tensorrt } : cur.provider === 'cuda' ? { ...options.cuda } : null,
        hotSwap: cfg.hotSwap.enabled ? { enabled: true, swaps: holder.swaps, refusals: holder.refusals, last: holder.last } : null,
        failedRuns: estimator.failedRuns,
      };
    },
    async close() {
      await holder.stop();
      await holder.current.release();
    },
  };
}

function ruleBasedEngine(m: InferenceMetrics | undefined): InferenceEngine {
  const estimator = new RuleBasedEstimator();
  m?.executionProvider.set({ provider: 'cpu', estimator: estimator.name }, 1);
  return {
    estimator,
    kind: 'rule-based',
    provider: 'cpu',
    summary: () => 'cpu (rule-based estimator)',
    report: () => ({ estimator: estimator.name, kind: 'rule-based', executionProvider: 'cpu', model: null, providers: [], providerOptions: null, hotSwap: null, failedRuns: 0 }),
    close: async () => undefined,
  };
}
