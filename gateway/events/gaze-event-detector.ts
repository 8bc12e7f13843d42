/**
 * The interface every eye-movement event detector implements (I-VT, NH2010, the pursuit-aware
 * default, and later learned ones): per-sample labels out of columnar gaze in degrees.
 *
 * Streaming contract:
 * - `push` takes samples in time order, in batches of any size; the labels are the same whatever
 *   the batch sizes (stages advance per sample, never per batch).
 * - Labels come out in input order through `read`, each once it is final. A sample's label is
 *   final at the latest when a sample `lookAheadMs` later has been pushed (or at `end()`).
 * - Every pushed sample gets exactly one label, also those refused for a non-increasing or
 *   non-finite timestamp (counted in `rejected`, labelled Undefined).
 * - Lost samples (valid = 0 or NaN position) are never labelled Blink unless the detector has
 *   evidence of a closed eye (openness, or eyelid artefacts around a short gap); otherwise they
 *   are TrackLoss.
 */
export interface GazeColumns {
  n: number;
  /** ms, increasing */
  t: ArrayLike<number>;
  /** degrees of visual angle; NaN = lost */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** 1 = tracked, 0 = lost (GazeBatch.valid); absent = valid wherever x and y are numbers */
  valid?: ArrayLike<number>;
  /** eye openness 0 (closed) .. 1 (open), NaN = not reported (GazeBatch.openness) */
  openness?: ArrayLike<number>;
}

export interface GazeEventDetector {
  readonly name: string;
  /** the most stream time (ms) a label can lag behind its sample */
  readonly lookAheadMs: number;
  push(g: GazeColumns): void;
  /** ends the stream: every sample pushed gets its label; the next push starts a new stream */
  end(): void;
  /** moves up to out.length final labels (oldest first) into out; returns how many */
  read(out: Uint8Array): number;
  /** samples pushed whose labels have not been read yet */
  readonly pending: number;
  /** samples refused for a non-increasing or non-finite timestamp */
  readonly rejected: number;
}

/** Labels a whole recording with a fresh stream (offline use: CLI, evaluation, tests). */
export function labelRecording(det: GazeEventDetector, g: GazeColumns, batchSize = 4096): Uint8Array {
  const out = new Uint8Array(g.n);
  let got = 0;
  const view = { ...g };
  for (let from = 0; from < g.n; from += batchSize) {
    const to = Math.min(g.n, from + batchSize);
    sliceInto(g, from, to, view);
    det.push(view);
    got += det.read(out.subarray(got));
  }
  det.end();
  got += det.read(out.subarray(got));
  if (got !== g.n) throw new Error(`detector ${det.name} released ${got} labels for ${g.n} samples`);
  return out;
}

function sub(a: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  const s = (a as Float64Array).subarray;
  return typeof s === 'function' ? (a as Float64Array).subarray(from, to) : Array.prototype.slice.call(a, from, to);
}

/** A view of samples [from, to) of g (typed arrays are not copied). */
export function sliceInto(g: GazeColumns, from: number, to: number, view: GazeColumns = { ...g }): GazeColumns {
  view.n = to - from;
  view.t = sub(g.t, from, to);
  view.x = sub(g.x, from, to);
  view.y = sub(g.y, from, to);
  if (g.valid) view.valid = sub(g.valid, from, to);
  if (g.openness) view.openness = sub(g.openness, from, to);
  return view;
}
