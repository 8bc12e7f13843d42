import { EYE_EVENTS_CHANNELS, EYE_EVENTS_GRID_MS, EyeEventsFeatureStream } from '../../../gateway/events/eye-events-features.ts';
import { EYE_EVENTS_K } from '../../../gateway/events/eye-events-model.ts';
import type { LundRecording, StimulusType } from './lund-dataset.ts';

/**
 * A recording as the network sees it in training: the detector's own grid features
 * (eye-events-features.ts, fed exactly as the detector feeds them) and, per grid step, the two
 * coders' labels as a soft target (half of each coder's one-hot), taken from the input sample
 * nearest the step.
 */
export interface GridSequence {
  name: string;
  stimulus: StimulusType;
  steps: number;
  /** [steps, EYE_EVENTS_CHANNELS] */
  x: Float32Array;
  /** [steps, EYE_EVENTS_K], rows sum to 1 */
  y: Float32Array;
  /** the input was every `thin`-th sample of the recording */
  thin: number;
}

/**
 * @param thin keep every thin-th sample (1: all), starting at `phase`: the same recording as a
 *   tracker at 1/thin of its rate would report it (labels stay those of the full recording)
 *
 * @example
 *   const seq = gridSequence(rec);          // 500 Hz as recorded
 *   const slow = gridSequence(rec, 4, 1);   // as a 125 Hz tracker
 */
export function gridSequence(rec: LundRecording, thin = 1, phase = 0): GridSequence {
  if (!(Number.isInteger(thin) && thin >= 1 && Number.isInteger(phase) && phase >= 0 && phase < thin)) throw new RangeError('thin must be a positive integer and phase within 0..thin-1');
  const { csv } = rec;
  let x = new Float32Array(16384 * EYE_EVENTS_CHANNELS);
  let n = 0;
  const fs = new EyeEventsFeatureStream((_k, f) => {
    if ((n + 1) * EYE_EVENTS_CHANNELS > x.length) {
      const next = new Float32Array(x.length * 2);
      next.set(x);
      x = next;
    }
    x.set(f, n * EYE_EVENTS_CHANNELS);
    n++;
  });
  let first = -1;
  for (let i = phase; i < csv.n; i += thin) {
    if (first < 0) first = i;
    const ok = Number.isFinite(rec.x[i]!) && Number.isFinite(rec.y[i]!) ? 1 : 0;
    fs.pushOne(csv.t[i]!, rec.x[i]!, rec.y[i]!, ok);
  }
  fs.end();
  const y = new Float32Array(n * EYE_EVENTS_K);
  const mn = csv.labels.get('MN')!;
  const ra = csv.labels.get('RA')!;
  const t0 = csv.t[first]!;
  let j = 0;
  for (let k = 0; k < n; k++) {
    const tau = t0 + k * EYE_EVENTS_GRID_MS;
    while (j + 1 < csv.n && Math.abs(csv.t[j + 1]! - tau) <= Math.abs(csv.t[j]! - tau)) j++;
    y[k * EYE_EVENTS_K + mn[j]! - 1]! += 0.5;
    y[k * EYE_EVENTS_K + ra[j]! - 1]! += 0.5;
  }
  return { name: thin === 1 ? rec.name : `${rec.name}@1/${thin}`, stimulus: rec.stimulus, steps: n, x: x.slice(0, n * EYE_EVENTS_CHANNELS), y, thin };
}
