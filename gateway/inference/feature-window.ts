import { AfgError } from '../core/errors.ts';
import type { FeatureFrame, Role } from '../core/types.ts';
import { FEATURE_NAMES } from '../features/feature-names.ts';

/** What a model's manifest says about its input window (AttentionStateEntry.input). */
export interface WindowSpec {
  features: readonly string[];
  frames: number;
  strideMs: number;
  mean: readonly number[];
  std: readonly number[];
  clip: number;
}

/**
 * How FeatureFrames become one model input row: the manifest's features are looked up by name
 * in the gateway's FEATURE_NAMES once (FEATURE_NAMES is append-only and may hold more features
 * than the model knows; a model feature the gateway does not compute is refused), and each
 * window step is laid out as
 *
 *   [ z_0 .. z_{F-1} | present_0 .. present_{F-1} | role_driver ]   (C = 2F + 1 channels)
 *
 * with z = clip((v - mean) / std, ±clip). A missing value (NaN: sensor lost, window not filled,
 * feature unknown for this role) is z = 0 with present = 0: the model is told that it does not
 * know, and 0 is the training mean, never a plausible reading the model could mistake for data.
 *
 * @example
 *   const layout = new FeatureLayout(entry.input);
 *   layout.channels; // 2F + 1
 */
export class FeatureLayout {
  readonly spec: WindowSpec;
  readonly nFeatures: number;
  readonly channels: number;
  /** for each model feature, its index in FeatureFrame.values */
  readonly sourceIndex: Int32Array;
  private readonly mean: Float64Array;
  private readonly invStd: Float64Array;

  constructor(spec: WindowSpec, gatewayFeatures: readonly string[] = FEATURE_NAMES) {
    const F = spec.features.length;
    if (spec.mean.length !== F || spec.std.length !== F) throw new RangeError('window spec: mean and std need one value per feature');
    if (!(Number.isInteger(spec.frames) && spec.frames >= 1)) throw new RangeError('window spec: frames must be a positive integer');
    if (!(spec.strideMs > 0) || !(spec.clip > 0)) throw new RangeError('window spec: strideMs and clip must be positive');
    const index = new Map(gatewayFeatures.map((n, i) => [n, i]));
    const unknown = spec.features.filter((f) => !index.has(f));
    if (unknown.length) {
      throw new AfgError('AFG_E_MODEL_MISMATCH', `the model needs feature(s) this gateway does not compute: ${unknown.join(', ')} (known: ${gatewayFeatures.join(', ')})`);
    }
    this.spec = spec;
    this.nFeatures = F;
    this.channels = 2 * F + 1;
    this.sourceIndex = Int32Array.from(spec.features, (f) => index.get(f)!);
    this.mean = Float64Array.from(spec.mean);
    this.invStd = Float64Array.from(spec.std, (s) => 1 / s);
  }

  /** Same window geometry (frames and stride): a history kept for one layout serves the other. */
  sameWindow(o: FeatureLayout): boolean {
    return o.spec.frames === this.spec.frames && o.spec.strideMs === this.spec.strideMs;
  }

  /**
   * Writes one step into out[at .. at+C) from gateway frame values (all FEATURE_NAMES) starting
   * at v[from]; `v` null writes an all-missing step.
   */
  writeStep(v: Float32Array | null, from: number, roleDriver: number, out: Float32Array, at: number): void {
    const F = this.nFeatures;
    const clip = this.spec.clip;
    for (let j = 0; j < F; j++) {
      const x = v === null ? NaN : v[from + this.sourceIndex[j]!]!;
      if (x === x) {
        let z = (x - this.mean[j]!) * this.invStd[j]!;
        z = z > clip ? clip : z < -clip ? -clip : z;
        out[at + j] = z;
        out[at + F + j] = 1;
      } else {
        out[at + j] = 0;
        out[at + F + j] = 0;
      }
    }
    out[at + 2 * F] = roleDriver;
  }
}

/**
 * One wearer's recent frames for a model window: `frames` slots, the newest always the frame of
 * the current tick and the older ones spaced `strideMs` apart (a slot is committed when the
 * stride has passed, and the head slot is overwritten by each tick in between). The training
 * code feeds the same class every tick, so the model sees exactly what it was trained on.
 *
 * Cost: one copy of a frame's values per tick; `write` normalises only the slots that changed
 * since the last write (normally the head) and copies the rest from its cache, so a tick costs
 * O(features) arithmetic plus a copy of frames x channels floats. Memory: frames x
 * (FEATURE_NAMES + channels) floats per wearer.
 *
 * @example
 *   const h = new FeatureHistory(layout, FEATURE_NAMES.length);
 *   h.push(frame, gazeOk);        // every tick
 *   if (h.basisSlots() * 2 >= layout.spec.frames) h.write(layout, 'driver', input, row * T * C);
 */
export class FeatureHistory {
  readonly frames: number;
  readonly strideMs: number;
  private readonly width: number;
  private readonly values: Float32Array;
  private readonly filled: Uint8Array;
  private readonly gazeOk: Uint8Array;
  /** normalised steps per slot for the layout and role of the last write; dirty slots are redone */
  private norm: Float32Array | null = null;
  private normLayout: FeatureLayout | null = null;
  private normDriver = -1;
  private readonly dirty: Uint8Array;
  private head = -1;
  private lastCommitT = -Infinity;
  private lastT = -Infinity;

  constructor(layout: FeatureLayout, width: number = FEATURE_NAMES.length) {
    this.frames = layout.spec.frames;
    this.strideMs = layout.spec.strideMs;
    this.width = width;
    this.values = new Float32Array(this.frames * width);
    this.filled = new Uint8Array(this.frames);
    this.gazeOk = new Uint8Array(this.frames);
    this.dirty = new Uint8Array(this.frames).fill(1);
  }

  /** Adds the frame of a tick (times must increase; a repeated time is ignored). */
  push(frame: FeatureFrame, gazeOk: boolean): void {
    if (!(frame.t > this.lastT)) return;
    this.lastT = frame.t;
    // tolerance of 1 ms: tick times are multiples of tickMs, strides multiples of it
    if (this.head < 0 || frame.t - this.lastCommitT >= this.strideMs - 1) {
      this.head = (this.head + 1) % this.frames;
      this.lastCommitT = frame.t;
    }
    const n = Math.min(this.width, frame.values.length);
    const at = this.head * this.width;
    this.values.set(n === frame.values.length ? frame.values : frame.values.subarray(0, n), at);
    if (n < this.width) this.values.fill(NaN, at + n, at + this.width);
    this.filled[this.head] = 1;
    this.gazeOk[this.head] = gazeOk ? 1 : 0;
    this.dirty[this.head] = 1;
  }

  /** Slots holding a frame whose gaze was valid enough for an estimate. */
  basisSlots(): number {
    let n = 0;
    for (let i = 0; i < this.frames; i++) n += this.filled[i]! & this.gazeOk[i]!;
    return n;
  }

  /**
   * Copies the raw window, oldest step first, as [frames, width] gateway values at out[at ..];
   * empty slots are NaN. (Training keeps raw windows, normalises them later with writeStep:
   * an all-NaN step becomes exactly what `write` makes of an empty slot.)
   */
  copyRaw(out: Float32Array, at: number): void {
    for (let s = 0; s < this.frames; s++) {
      const slot = (this.head + 1 + s) % this.frames;
      const to = at + s * this.width;
      if (this.head >= 0 && this.filled[slot]) out.set(this.values.subarray(slot * this.width, (slot + 1) * this.width), to);
      else out.fill(NaN, to, to + this.width);
    }
  }

  /** Writes the window, oldest step first, as [frames, C] at out[at ..]. Empty slots are all-missing. */
  write(layout: FeatureLayout, role: Role, out: Float32Array, at: number): void {
    if (layout.spec.frames !== this.frames) throw new RangeError(`a ${layout.spec.frames}-step layout cannot write a ${this.frames}-step window`);
    const C = layout.channels;
    const driver = role === 'driver' ? 1 : 0;
    if (this.norm === null || layout !== this.normLayout || driver !== this.normDriver) {
      this.norm = new Float32Array(this.frames * C);
      this.normLayout = layout;
      this.normDriver = driver;
      this.dirty.fill(1);
    }
    const norm = this.norm;
    for (let slot = 0; slot < this.frames; slot++) {
      if (!this.dirty[slot]) continue;
      layout.writeStep(this.head >= 0 && this.filled[slot] ? this.values : null, slot * this.width, driver, norm, slot * C);
      this.dirty[slot] = 0;
    }
    // oldest first: the slots after the head, then those up to it
    const first = this.head + 1;
    const tail = this.frames - first;
    for (let i = 0; i < tail * C; i++) out[at + i] = norm[first * C + i]!;
    for (let i = 0; i < first * C; i++) out[at + tail * C + i] = norm[i]!;
  }
}
