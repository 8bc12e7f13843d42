import path from 'node:path';
import type { ErrorCounter } from '../core/errors.ts';
import type { ExecutionProviderName, ProviderOptions } from '../inference/execution-providers.ts';
import { loadManifest } from '../inference/model-manifest.ts';
import { EyeEventsDetector, type EyeEventsDetectorSettings } from './eye-events-detector.ts';
import { DEFAULT_MODEL_DIR, EyeEventsModel, eyeEventsEntry, EYE_EVENTS_MODEL_NAME } from './eye-events-model.ts';

export interface EyeEventsSource {
  /** folder with manifest.json and eye-events.onnx; default this installation's models/ */
  modelDir?: string;
  /** execution providers in order of preference; default ['cpu'] */
  providers?: readonly ExecutionProviderName[];
  providerOptions?: ProviderOptions;
  settings?: Partial<EyeEventsDetectorSettings>;
  errors?: ErrorCounter;
}

const loaded = new Map<string, Promise<EyeEventsModel>>();

/**
 * A fresh eye-events detector (a new stream) on a shared loaded model: the model is loaded,
 * verified and its session created once per folder, file hash and provider list, so that
 * labelling many files (afg events eval) or many wearers costs one session.
 *
 * @example
 *   const det = await loadEyeEventsDetector({ providers: ['cuda', 'cpu'] });
 */
export async function loadEyeEventsDetector(o: EyeEventsSource = {}): Promise<EyeEventsDetector> {
  const dir = path.resolve(o.modelDir ?? DEFAULT_MODEL_DIR);
  const manifest = await loadManifest(dir);
  const entry = eyeEventsEntry(manifest, EYE_EVENTS_MODEL_NAME);
  const providers = o.providers ?? ['cpu'];
  const key = JSON.stringify([dir, entry.sha256, providers, o.providerOptions ?? null]);
  let model = loaded.get(key);
  if (!model) {
    model = EyeEventsModel.load({ dir, providers, ...(o.providerOptions ? { options: o.providerOptions } : {}) }, manifest);
    loaded.set(key, model);
    model.catch(() => loaded.delete(key));
  }
  return new EyeEventsDetector(await model, { ...(o.settings ? { settings: o.settings } : {}), ...(o.errors ? { errors: o.errors } : {}) });
}
