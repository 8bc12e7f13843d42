import ort from 'onnxruntime-node';
import { AfgError } from '../core/errors.ts';

// onnxruntime's own logger prints provider-library failures to stderr in colour; the fallback
// below reports each failure once, through the gateway's log, /health and /metrics instead.
ort.env.logLevel = 'fatal';

export const EXECUTION_PROVIDERS = ['tensorrt', 'cuda', 'cpu'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

/** Provider options from the config (inference.tensorrt / inference.cuda). */
export interface ProviderOptions {
  tensorrt: { deviceId: number; fp16: boolean; engineCacheDir: string | null; workspaceMb: number };
  cuda: { deviceId: number };
  /** onnxruntime intra-op threads for CPU kernels; 0: onnxruntime's default (one per core) */
  cpuThreads: number;
}

export const DEFAULT_PROVIDER_OPTIONS: ProviderOptions = {
  tensorrt: { deviceId: 0, fp16: true, engineCacheDir: null, workspaceMb: 1024 },
  cuda: { deviceId: 0 },
  cpuThreads: 1,
};

/** How one provider fared when the session was created. */
export interface ProviderAttempt {
  provider: ExecutionProviderName;
  ok: boolean;
  /** why it could not be used (onnxruntime's message), when it failed */
  error?: string;
}

export interface ProviderSession {
  session: ort.InferenceSession;
  provider: ExecutionProviderName;
  attempts: ProviderAttempt[];
}

/**
 * The provider entry handed to onnxruntime. TensorRT's and CUDA's settings use onnxruntime's
 * own option names (TensorRT EP docs, "Execution Provider Options": trt_fp16_enable,
 * trt_engine_cache_enable, trt_engine_cache_path, trt_max_workspace_size). The stock
 * onnxruntime-node binding (js/node/src/session_options_helper.cc) forwards only `deviceId`;
 * the trt_* keys take effect with a binding that forwards them (README, "Jetson").
 */
export function providerConfig(p: ExecutionProviderName, o: ProviderOptions): ort.InferenceSession.ExecutionProviderConfig {
  switch (p) {
    case 'cpu':
      return 'cpu';
    case 'cuda':
      return { name: 'cuda', deviceId: o.cuda.deviceId };
    case 'tensorrt': {
      const t = o.tensorrt;
      const cfg: Record<string, string | number> = {
        name: 'tensorrt',
        deviceId: t.deviceId,
        trt_fp16_enable: t.fp16 ? '1' : '0',
        trt_max_workspace_size: String(t.workspaceMb * 1024 * 1024),
        trt_engine_cache_enable: t.engineCacheDir ? '1' : '0',
      };
      if (t.engineCacheDir) cfg['trt_engine_cache_path'] = t.engineCacheDir;
      return cfg as unknown as ort.InferenceSession.ExecutionProviderConfig;
    }
  }
}

/**
 * Creates a session on the first provider of the preference list that works. onnxruntime-node
 * throws at session creation when a provider's libraries are missing (no silent fallback inside
 * onnxruntime), so each provider is tried alone, in order; every failure is kept with its
 * message for the log, /health and /metrics. Throws AFG_E_EXECUTION_PROVIDER when none works,
 * AFG_E_MODEL_LOAD when the model itself cannot be loaded (the CPU provider always exists, so a
 * CPU failure is the model's fault).
 *
 * Cost: one session creation per provider tried (TensorRT: an engine build unless cached).
 *
 * @example
 *   const { session, provider, attempts } = await createSessionWithFallback(bytes, ['tensorrt', 'cuda', 'cpu']);
 */
export async function createSessionWithFallback(
  model: Uint8Array,
  providers: readonly ExecutionProviderName[],
  opts: { options?: ProviderOptions; label?: string } = {},
): Promise<ProviderSession> {
  if (providers.length === 0) throw new AfgError('AFG_E_EXECUTION_PROVIDER', 'the execution provider list is empty');
  const options = opts.options ?? DEFAULT_PROVIDER_OPTIONS;
  const attempts: ProviderAttempt[] = [];
  for (const p of providers) {
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: [providerConfig(p, options)],
        graphOptimizationLevel: 'all',
        ...(options.cpuThreads > 0 ? { intraOpNumThreads: options.cpuThreads } : {}),
        // onnxruntime prints provider-library failures itself at 'error'; we report them instead
        logSeverityLevel: 4,
        ...(opts.label ? { logId: opts.label } : {}),
      });
      attempts.push({ provider: p, ok: true });
      return { session, provider: p, attempts };
    } catch (err) {
      const message = oneLine((err as Error).message);
      attempts.push({ provider: p, ok: false, error: message });
      if (p === 'cpu') {
        throw new AfgError('AFG_E_MODEL_LOAD', `${opts.label ?? 'model'}: onnxruntime cannot load it on the CPU provider: ${message}`, { cause: err });
      }
    }
  }
  throw new AfgError('AFG_E_EXECUTION_PROVIDER', `none of the execution providers [${providers.join(', ')}] could run ${opts.label ?? 'the model'}: ${attempts.map((a) => `${a.provider}: ${a.error}`).join('; ')}`);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 400);
}
