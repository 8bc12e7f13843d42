import type { GazeColumns, GazeEventDetector } from './gaze-event-detector.ts';
import { sliceInto } from './gaze-event-detector.ts';

/**
 * An event detector whose labels come from an asynchronous engine (an onnxruntime session):
 * `push`, `end` and `read` stay synchronous and follow the streaming contract of
 * GazeEventDetector, with one addition: labels computed by the engine become readable once
 * `settle()` has resolved. A consumer steps it as
 *
 *   det.push(batch); await det.settle(); det.read(out);
 *
 * and a sample's label is then final at the latest when a sample `lookAheadMs` later has been
 * pushed and settled (or after `end()` and a settle).
 */
export interface AsyncGazeEventDetector extends GazeEventDetector {
  /** runs the engine over everything pushed that is ready; resolves when its labels can be read */
  settle(): Promise<void>;
}

export function isAsyncDetector(d: GazeEventDetector): d is AsyncGazeEventDetector {
  return typeof (d as Partial<AsyncGazeEventDetector>).settle === 'function';
}

/**
 * Labels a whole recording with a fresh stream, settling after every batch (offline use: CLI,
 * evaluation, tests); a synchronous detector is read as labelRecording does.
 *
 * @example
 *   const labels = await labelRecordingAsync(detector, { n, t, x, y });
 */
export async function labelRecordingAsync(det: GazeEventDetector, g: GazeColumns, batchSize = 4096): Promise<Uint8Array> {
  const out = new Uint8Array(g.n);
  let got = 0;
  const view = { ...g };
  const settle = isAsyncDetector(det) ? () => det.settle() : () => Promise.resolve();
  for (let from = 0; from < g.n; from += batchSize) {
    sliceInto(g, from, Math.min(g.n, from + batchSize), view);
    det.push(view);
    await settle();
    got += det.read(out.subarray(got));
  }
  det.end();
  await settle();
  got += det.read(out.subarray(got));
  if (got !== g.n) throw new Error(`detector ${det.name} released ${got} labels for ${g.n} samples`);
  return out;
}
