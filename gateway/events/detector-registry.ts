import { AfgError } from '../core/errors.ts';
import type { GazeEventDetector } from './gaze-event-detector.ts';
import { ApdDetector } from './apd-detector.ts';
import { IvtDetector } from './ivt-detector.ts';
import type { EyeEventsSource } from './eye-events-source.ts';

/**
 * The event detectors by name (`afg events ... --detector <name>`). A new detector (e.g. a learned
 * one run through ONNX) implements GazeEventDetector and adds one entry here.
 */
export interface DetectorEntry {
  summary: string;
  create(): GazeEventDetector;
}

export const EVENT_DETECTORS: Record<string, DetectorEntry> = {
  apd: { summary: 'adaptive, pursuit-aware (default): NH2010/REMoDNaV noise-adaptive saccades ending at the turning point, PSO, pursuit over 400 ms intersaccadic windows, blinks with eyelid artefacts', create: () => new ApdDetector() },
  ivt: { summary: 'Tobii I-VT (Olsen 2012): 30 deg/s over 20 ms, gap fill 75 ms, merge 75 ms / 0.5 deg, discard < 60 ms', create: () => new IvtDetector() },
};

/** How a model-backed detector finds and runs its model (model folder, execution providers). */
export type DetectorLoadOptions = EyeEventsSource;

/**
 * Detectors that run a model (an onnxruntime session, created asynchronously): made with
 * loadEventDetector, stepped with `settle()` (async-event-detector.ts).
 */
export interface ModelDetectorEntry {
  summary: string;
  load(o: DetectorLoadOptions): Promise<GazeEventDetector>;
}

export const MODEL_EVENT_DETECTORS: Record<string, ModelDetectorEntry> = {
  'eye-events': {
    summary: 'learned (models/eye-events.onnx, trained on Lund 2013): temporal convolution over 2 ms grid features, 94 ms of future context; track loss handled outside the model (docs/event-detection.md "Eye-events model")',
    load: async (o) => (await import('./eye-events-source.ts')).loadEyeEventsDetector(o),
  },
};

export const DEFAULT_EVENT_DETECTOR = 'apd';

export const EVENT_DETECTOR_NAMES: readonly string[] = [...Object.keys(EVENT_DETECTORS), ...Object.keys(MODEL_EVENT_DETECTORS)];

function unknown(name: string): AfgError {
  return new AfgError('AFG_E_INPUT_INVALID', `unknown event detector '${name}' (known: ${EVENT_DETECTOR_NAMES.join(', ')})`);
}

export function createEventDetector(name: string = DEFAULT_EVENT_DETECTOR): GazeEventDetector {
  const e = EVENT_DETECTORS[name];
  if (!e) {
    if (MODEL_EVENT_DETECTORS[name]) throw new AfgError('AFG_E_INPUT_INVALID', `event detector '${name}' runs a model: make it with loadEventDetector (asynchronous)`);
    throw unknown(name);
  }
  return e.create();
}

/** Any detector by name; model-backed ones load (and verify) their model first. */
export async function loadEventDetector(name: string = DEFAULT_EVENT_DETECTOR, o: DetectorLoadOptions = {}): Promise<GazeEventDetector> {
  const m = MODEL_EVENT_DETECTORS[name];
  if (m) return m.load(o);
  return createEventDetector(name);
}
