import { AfgError } from '../core/errors.ts';
import type { GazeEventDetector } from './gaze-event-detector.ts';
import { ApdDetector } from './apd-detector.ts';
import { IvtDetector } from './ivt-detector.ts';

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

export const DEFAULT_EVENT_DETECTOR = 'apd';

export function createEventDetector(name: string = DEFAULT_EVENT_DETECTOR): GazeEventDetector {
  const e = EVENT_DETECTORS[name];
  if (!e) throw new AfgError('AFG_E_INPUT_INVALID', `unknown event detector '${name}' (known: ${Object.keys(EVENT_DETECTORS).join(', ')})`);
  return e.create();
}
