/**
 * The inputs of the learned event detector (`eye-events`): gaze resampled onto a fixed 2 ms time
 * grid and turned into rate-independent features in degrees, one vector per grid step. Training
 * (models/train/eye-events) and the detector run this same code, so the model sees in the field
 * what it saw in training.
 *
 * Why a grid: the network's filters then span the same physical time whatever the tracker's rate
 * (60-2000 Hz); a 500 Hz tracker (the Lund 2013 recordings) lands on it sample for sample, slower
 * ones are interpolated, faster ones decimated. The `interval` feature tells the network how far
 * apart the real samples were, so it can tell interpolated from measured motion.
 *
 * Grid point tau_k = t0 + k * 2 ms (t0: the stream's first sample). For tau in (t_a, t_b] of two
 * consecutive input samples: both tracked and no more than `maxBracketMs` apart -> linear
 * interpolation; otherwise the position of a tracked one within half a grid step; otherwise lost.
 *
 * Features (all causal: step k reads steps <= k only; the network adds the bounded future):
 *   lost            1 = no position at this step
 *   vx, vy          step velocity (deg/s) / 100, signed, clipped to +-10
 *   vx8, vy8        velocity over the last 8 ms (deg/s) / 100
 *   speed_<L>ms     ln(1 + v / 5 deg/s) / 3 of the mean speed over the last L ms (L = 2..256),
 *                   0 when either end is lost: short lags see saccades, long ones pursuit drift
 *   gap_so_far      g(ms since the last tracked step) while lost, else 0
 *   since_gap       g(ms since the last lost step or the stream start) while tracked, else 0
 *   last_gap        g(length of the last gap that has ended), 0 before the first
 *   interval        spacing of the input samples around the step / 20 ms, clipped to 3
 *   noise           ln(1 + v / 5) / 3 of a running mean (200 ms) of the step speed clipped to
 *                   50 deg/s: the recording's noise floor, against which saccades stand out
 * with g(ms) = ln(1 + ms / 10) / ln(101) (1 at 1 s), saturating at 1.
 *
 * Steps outside the stream (before its start, after its end) are EYE_EVENTS_PAD: lost, all else 0.
 *
 * Cost: O(1) per grid step (8 lags), no allocation after construction.
 *
 * @example
 *   const f = new EyeEventsFeatureStream((k, v) => store(k, v));
 *   f.push(t, x, y, ok, n);   // columnar, degrees; ok[i] = 0 for lost samples
 *   f.end();                  // emits the steps up to the last sample
 */
export const EYE_EVENTS_GRID_MS = 2;

const SPEED_LAGS = [1, 2, 4, 8, 16, 32, 64, 128] as const;

export const EYE_EVENTS_FEATURES = [
  'lost',
  'vx',
  'vy',
  'vx8',
  'vy8',
  ...SPEED_LAGS.map((l) => `speed_${l * EYE_EVENTS_GRID_MS}ms`),
  'gap_so_far',
  'since_gap',
  'last_gap',
  'interval',
  'noise',
] as const;

export const EYE_EVENTS_CHANNELS = EYE_EVENTS_FEATURES.length;

/** The feature vector of a step outside the stream. */
export const EYE_EVENTS_PAD: Float32Array = (() => {
  const p = new Float32Array(EYE_EVENTS_CHANNELS);
  p[0] = 1;
  return p;
})();

export interface FeatureStreamOptions {
  /** ms, the longest spacing of two tracked samples that is interpolated (longer: lost between) */
  maxBracketMs?: number;
}

const HISTORY = 256; // grid steps of positions kept (>= the longest lag)
const HMASK = HISTORY - 1;
const NOISE_TAU_MS = 200;
const NOISE_CLIP_DEG_S = 50;
const G_SCALE = Math.log(101);

const speedCode = (v: number): number => Math.log1p(v / 5) / 3;
const msCode = (ms: number): number => Math.min(1, Math.log1p(Math.max(0, ms) / 10) / G_SCALE);
const clip = (v: number, a: number): number => (v > a ? a : v < -a ? -a : v);

export class EyeEventsFeatureStream {
  readonly maxBracketMs: number;
  private readonly onStep: (k: number, features: Float32Array) => void;
  private readonly out = new Float32Array(EYE_EVENTS_CHANNELS);
  // grid position history
  private readonly hx = new Float64Array(HISTORY);
  private readonly hy = new Float64Array(HISTORY);
  private readonly hok = new Uint8Array(HISTORY);
  /** next grid step to emit */
  private k = 0;
  private t0 = NaN;
  // the previous input sample
  private pt = NaN;
  private px = NaN;
  private py = NaN;
  private pok = 0;
  private started = false;
  // gap bookkeeping (grid steps)
  private lastOkStep = -1;
  private lastLostStep = -1;
  private gapStartStep = -1;
  private lastGapMs = -1;
  private noise = 0;
  private noiseInit = false;

  constructor(onStep: (k: number, features: Float32Array) => void, o: FeatureStreamOptions = {}) {
    const m = o.maxBracketMs ?? 50;
    if (!(m >= EYE_EVENTS_GRID_MS && m <= 1000)) throw new RangeError(`maxBracketMs must be within ${EYE_EVENTS_GRID_MS}..1000 ms (got ${m})`);
    this.maxBracketMs = m;
    this.onStep = onStep;
  }

  /** Grid steps emitted so far. */
  get steps(): number {
    return this.k;
  }

  /** The stream's first sample time (NaN before the first). */
  get startMs(): number {
    return this.t0;
  }

  /** The grid step a sample at time t (ms) takes its label from. */
  stepOf(t: number): number {
    return Math.max(0, Math.round((t - this.t0) / EYE_EVENTS_GRID_MS));
  }

  /**
   * Adds input samples (increasing times: the caller refuses the others). `ok[i]` = 0 marks a
   * lost sample; a NaN position is lost too.
   */
  push(t: ArrayLike<number>, x: ArrayLike<number>, y: ArrayLike<number>, ok: ArrayLike<number>, n: number, from = 0): void {
    for (let i = from; i < from + n; i++) this.pushOne(t[i]!, x[i]!, y[i]!, ok[i]!);
  }

  pushOne(t: number, x: number, y: number, ok: number): void {
    const good = ok !== 0 && x === x && y === y ? 1 : 0;
    if (!this.started) {
      this.started = true;
      this.t0 = t;
      this.pt = t;
      this.px = x;
      this.py = y;
      this.pok = good;
      // step 0 sits on the first sample
      this.emit(good, x, y, 0);
      return;
    }
    const half = EYE_EVENTS_GRID_MS / 2;
    const span = t - this.pt;
    for (;;) {
      const tau = this.t0 + this.k * EYE_EVENTS_GRID_MS;
      if (tau > t) break;
      let sOk = 0;
      let sx = NaN;
      let sy = NaN;
      if (good && this.pok && span <= this.maxBracketMs) {
        const w = (tau - this.pt) / span;
        sx = this.px + w * (x - this.px);
        sy = this.py + w * (y - this.py);
        sOk = 1;
      } else if (good && t - tau <= half) {
        sx = x;
        sy = y;
        sOk = 1;
      } else if (this.pok && tau - this.pt <= half) {
        sx = this.px;
        sy = this.py;
        sOk = 1;
      }
      this.emit(sOk, sx, sy, span);
    }
    this.pt = t;
    this.px = x;
    this.py = y;
    this.pok = good;
  }

  /** Nothing more comes: the steps up to the last sample are all out already (tau <= t_last). */
  end(): void {
    // every step with tau <= the last sample's time has been emitted by pushOne
  }

  /** Starts a new stream (the next push is its first sample). */
  reset(): void {
    this.k = 0;
    this.t0 = NaN;
    this.pt = NaN;
    this.started = false;
    this.hok.fill(0);
    this.lastOkStep = -1;
    this.lastLostStep = -1;
    this.gapStartStep = -1;
    this.lastGapMs = -1;
    this.noise = 0;
    this.noiseInit = false;
  }

  private emit(ok: number, x: number, y: number, spacingMs: number): void {
    const k = this.k;
    const f = this.out;
    const slot = k & HMASK;
    this.hx[slot] = x;
    this.hy[slot] = y;
    this.hok[slot] = ok;
    const dt = EYE_EVENTS_GRID_MS / 1000; // s per step
    f.fill(0);
    f[0] = ok ? 0 : 1;
    if (ok) {
      const at = (lag: number): number => (k - lag) & HMASK;
      if (k >= 1 && this.hok[at(1)]) {
        const vx = (x - this.hx[at(1)]!) / dt;
        const vy = (y - this.hy[at(1)]!) / dt;
        f[1] = clip(vx / 100, 10);
        f[2] = clip(vy / 100, 10);
        const v = Math.min(NOISE_CLIP_DEG_S, Math.hypot(vx, vy));
        if (!this.noiseInit) {
          this.noise = v;
          this.noiseInit = true;
        } else this.noise += (v - this.noise) * (EYE_EVENTS_GRID_MS / NOISE_TAU_MS);
      }
      if (k >= 4 && this.hok[at(4)]) {
        f[3] = clip((x - this.hx[at(4)]!) / (4 * dt) / 100, 10);
        f[4] = clip((y - this.hy[at(4)]!) / (4 * dt) / 100, 10);
      }
      for (let j = 0; j < SPEED_LAGS.length; j++) {
        const lag = SPEED_LAGS[j]!;
        if (k >= lag && this.hok[at(lag)]) f[5 + j] = speedCode(Math.hypot(x - this.hx[at(lag)]!, y - this.hy[at(lag)]!) / (lag * dt));
      }
      if (this.gapStartStep >= 0 && this.lastLostStep === k - 1) {
        // a gap has just ended
        this.lastGapMs = (k - this.gapStartStep) * EYE_EVENTS_GRID_MS;
        this.gapStartStep = -1;
      }
      f[14] = msCode((k - (this.lastLostStep >= 0 ? this.lastLostStep : -1)) * EYE_EVENTS_GRID_MS);
      this.lastOkStep = k;
    } else {
      if (this.lastLostStep !== k - 1 || this.gapStartStep < 0) this.gapStartStep = k;
      f[13] = msCode((k - (this.lastOkStep >= 0 ? this.lastOkStep : -1)) * EYE_EVENTS_GRID_MS);
      this.lastLostStep = k;
    }
    f[15] = this.lastGapMs >= 0 ? msCode(this.lastGapMs) : 0;
    f[16] = Math.min(3, spacingMs / 20);
    f[17] = this.noiseInit ? speedCode(this.noise) : 0;
    this.k = k + 1;
    this.onStep(k, f);
  }
}
