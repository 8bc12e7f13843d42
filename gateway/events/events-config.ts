import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { ErrorCounter } from '../core/errors.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { DEFAULT_EVENT_DETECTOR, loadEventDetector, type DetectorLoadOptions } from './detector-registry.ts';
import type { GazeEventDetector } from './gaze-event-detector.ts';

/**
 * The `events` section of the config: which sample-level eye-movement event detector the
 * gateway's event tools use (`afg events detect|eval --config`, createConfiguredEventDetector).
 * Model-backed detectors (eye-events) take their model from inference.modelDir and run on
 * inference.executionProviders, like the attention model.
 */
export const EventsConfigSchema = Type.Object(
  {
    detector: Type.Union([Type.Literal('apd'), Type.Literal('ivt'), Type.Literal('eye-events')], {
      default: DEFAULT_EVENT_DETECTOR,
      description: 'apd (rule-based, pursuit-aware) | ivt (Olsen I-VT) | eye-events (the learned model, models/eye-events.onnx)',
    }),
  },
  { additionalProperties: false, default: {}, description: 'sample-level eye-movement event detection' },
);
export type EventsConfig = Static<typeof EventsConfigSchema>;

/** Model folder and providers of a model-backed detector, from the config (baseDir: the config file's folder). */
export function detectorOptionsFromConfig(config: GatewayConfig, baseDir: string, errors?: ErrorCounter): DetectorLoadOptions {
  const inf = config.inference;
  return {
    ...(inf.modelDir ? { modelDir: path.resolve(baseDir, inf.modelDir) } : {}),
    providers: inf.executionProviders,
    providerOptions: {
      tensorrt: { deviceId: inf.tensorrt.deviceId, fp16: inf.tensorrt.fp16, engineCacheDir: inf.tensorrt.engineCache ? path.resolve(baseDir, config.dataDir, inf.tensorrt.engineCacheDir) : null, workspaceMb: inf.tensorrt.workspaceMb },
      cuda: { deviceId: inf.cuda.deviceId },
      cpuThreads: inf.cpuThreads,
    },
    ...(errors ? { errors } : {}),
  };
}

/**
 * A fresh stream of the configured detector: the streaming interface a per-tick consumer
 * (e.g. the features stage) steps with push / settle (model-backed) / read.
 *
 * @example
 *   const det = await createConfiguredEventDetector(config, baseDir, errors);
 *   det.push(gaze); if (isAsyncDetector(det)) await det.settle(); det.read(labels);
 */
export function createConfiguredEventDetector(config: GatewayConfig, baseDir: string, errors?: ErrorCounter): Promise<GazeEventDetector> {
  return loadEventDetector(config.events.detector, detectorOptionsFromConfig(config, baseDir, errors));
}

/**
 * `afg events ... --config file.yaml`: the config's detector unless --detector names one, and
 * the config's model folder and execution providers.
 */
export async function eventsCliOptionsFromConfig(file: string, detector: string | undefined): Promise<{ detector: string; detectorOptions: DetectorLoadOptions }> {
  const { loadConfigFile } = await import('../config/load-config.ts');
  const { config, baseDir } = await loadConfigFile(file);
  return { detector: detector ?? config.events.detector, detectorOptions: detectorOptionsFromConfig(config, baseDir) };
}
