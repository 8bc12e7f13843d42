/** Frequency-domain HRV conventions (Task Force of ESC/NASPE 1996 bands). */
export const SPECTRUM_SETTINGS = {
  resampleHz: 4,
  welchSegment: 256,
  lfBand: [0.04, 0.15],
  hfBand: [0.15, 0.4],
  /** below this much data (s) the frequency domain is unknown: the LF band needs several 25 s cycles */
  minSpectralS: 120,
  /** HF below this (ms^2) is numerical noise (RR quantisation alone gives ~0.1 ms^2): LF/HF unknown */
  minHfMs2: 1e-6,
} as const;

const SEG = SPECTRUM_SETTINGS.welchSegment;
const FS = SPECTRUM_SETTINGS.resampleHz;
const DF = FS / SEG;
/** highest DFT bin needed: the top of the HF band */
const K_MAX = Math.ceil(SPECTRUM_SETTINGS.hfBand[1] / DF) + 1;

/**
 * LF and HF power of an NN series by Welch's method, with every buffer and table allocated
 * once (the rolling HRV recomputes it every few seconds per wearer):
 * 1. the NN values, placed at their beat times (the beat that ends each interval), are
 *    resampled at 4 Hz with a natural cubic spline (linear interpolation would attenuate HF:
 *    at ~1.2 beats/s a 0.25 Hz wave loses ~25% of its power; Kubios HRV also uses cubic
 *    interpolation). Beats removed as artefacts leave a gap that the spline bridges.
 * 2. the least-squares line is removed (detrending: slow drifts would leak into LF);
 * 3. Welch (1967): periodic Hann segments of 256 samples (64 s, 0.0156 Hz resolution), 50%
 *    overlap, one-sided density 2|X_k|^2 / (fs Σw^2) averaged over segments;
 * 4. power = Σ density × df over the bins with 0.04 <= f < 0.15 Hz (LF) and 0.15 <= f < 0.40 Hz
 *    (HF), in ms^2. Periodograms come from a radix-2 FFT that takes two real segments at once.
 *
 * Cost: O(beats) for the spline, O(duration × 4 Hz) for resampling, one 256-point complex FFT
 * per two segments (4 for 5 min). No allocation after construction unless a series is larger.
 *
 * @example
 *   const spec = new HrvSpectrum({ maxBeats: 1024, maxDurationS: 300 });
 *   const { lf, hf } = spec.bandPowers(beatTimesMs, nnMs, n);
 */
export class HrvSpectrum {
  private tS = new Float64Array(0);
  private m = new Float64Array(0);
  private c = new Float64Array(0);
  private d = new Float64Array(0);
  private x = new Float64Array(0);
  private readonly re = new Float64Array(SEG);
  private readonly im = new Float64Array(SEG);
  private readonly win = new Float64Array(SEG);
  private readonly cos = new Float64Array(SEG >> 1);
  private readonly sin = new Float64Array(SEG >> 1);
  private readonly rev = new Uint16Array(SEG);
  private readonly psd = new Float64Array(K_MAX + 1);
  private readonly winSq: number;

  constructor(opts: { maxBeats: number; maxDurationS: number }) {
    this.ensure(opts.maxBeats, opts.maxDurationS);
    let wss = 0;
    for (let i = 0; i < SEG; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / SEG);
      this.win[i] = w;
      wss += w * w;
      if (i < SEG >> 1) {
        this.cos[i] = Math.cos((2 * Math.PI * i) / SEG);
        this.sin[i] = Math.sin((2 * Math.PI * i) / SEG);
      }
      let r = 0;
      for (let bit = 1, v = i; bit < SEG; bit <<= 1, v >>= 1) r = (r << 1) | (v & 1);
      this.rev[i] = r;
    }
    this.winSq = wss;
  }

  /**
   * LF and HF (ms^2) of nn[0..n) at beat times timesMs[0..n) (increasing). NaN when the series
   * spans less than one Welch segment (64 s).
   */
  bandPowers(timesMs: ArrayLike<number>, nn: ArrayLike<number>, n: number): { lf: number; hf: number } {
    if (n < 4) return { lf: NaN, hf: NaN };
    const t0 = timesMs[0]!;
    const durS = (timesMs[n - 1]! - t0) / 1000;
    this.ensure(n, durS);
    const tS = this.tS;
    for (let i = 0; i < n; i++) tS[i] = (timesMs[i]! - t0) / 1000;
    this.spline(tS, nn, n);
    const len = Math.floor(durS * FS) + 1;
    if (len < SEG) return { lf: NaN, hf: NaN };
    const x = this.x;
    const m = this.m;
    let j = 0;
    for (let i = 0; i < len; i++) {
      const ti = i / FS;
      while (j < n - 2 && tS[j + 1]! < ti) j++;
      const h = tS[j + 1]! - tS[j]!;
      if (!(h > 0)) {
        x[i] = nn[j]!;
        continue;
      }
      const a = (tS[j + 1]! - ti) / h;
      const b = 1 - a;
      x[i] = a * nn[j]! + b * nn[j + 1]! + (((a * a * a - a) * m[j]! + (b * b * b - b) * m[j + 1]!) * h * h) / 6;
    }
    detrend(x, len);
    const psd = this.psd.fill(0);
    // segments start every SEG / 2 samples; two real segments go through one complex FFT
    const starts = Math.floor((len - SEG) / (SEG >> 1)) + 1;
    for (let sg = 0; sg < starts; sg += 2) {
      const a = sg * (SEG >> 1);
      const b = sg + 1 < starts ? a + (SEG >> 1) : -1;
      this.pairPeriodograms(x, a, b, psd);
    }
    const norm = 2 / (FS * this.winSq * starts);
    let lf = 0;
    let hf = 0;
    for (let k = 1; k <= K_MAX; k++) {
      const f = k * DF;
      const p = psd[k]! * norm * DF;
      if (f >= SPECTRUM_SETTINGS.lfBand[0] && f < SPECTRUM_SETTINGS.lfBand[1]) lf += p;
      else if (f >= SPECTRUM_SETTINGS.hfBand[0] && f < SPECTRUM_SETTINGS.hfBand[1]) hf += p;
    }
    return { lf, hf };
  }

  /**
   * Adds |X_k|^2 (k = 1..K_MAX) of the Hann-windowed segments starting at a and b (b < 0: none)
   * to psd: z = x_a + i x_b through one radix-2 FFT, then X_a[k] = (Z_k + conj Z_N-k) / 2 and
   * X_b[k] = (Z_k - conj Z_N-k) / 2i.
   */
  private pairPeriodograms(x: Float64Array, a: number, b: number, psd: Float64Array): void {
    const re = this.re;
    const im = this.im;
    const win = this.win;
    const rev = this.rev;
    for (let i = 0; i < SEG; i++) {
      const j = rev[i]!;
      re[j] = x[a + i]! * win[i]!;
      im[j] = b >= 0 ? x[b + i]! * win[i]! : 0;
    }
    const cos = this.cos;
    const sin = this.sin;
    for (let size = 2; size <= SEG; size <<= 1) {
      const half = size >> 1;
      const step = SEG / size;
      for (let i = 0; i < SEG; i += size) {
        for (let j = 0, k = 0; j < half; j++, k += step) {
          const p = i + j;
          const q = p + half;
          // (re_q + i im_q) · e^(-2πik/N)
          const c = cos[k]!;
          const s = sin[k]!;
          const tr = re[q]! * c + im[q]! * s;
          const ti = im[q]! * c - re[q]! * s;
          re[q] = re[p]! - tr;
          im[q] = im[p]! - ti;
          re[p]! += tr;
          im[p]! += ti;
        }
      }
    }
    for (let k = 1; k <= K_MAX; k++) {
      const zr = re[k]!;
      const zi = im[k]!;
      const wr = re[SEG - k]!;
      const wi = im[SEG - k]!;
      psd[k]! += ((zr + wr) * (zr + wr) + (zi - wi) * (zi - wi)) / 4;
      if (b >= 0) psd[k]! += ((zr - wr) * (zr - wr) + (zi + wi) * (zi + wi)) / 4;
    }
  }

  private ensure(beats: number, durS: number): void {
    if (this.m.length < beats) {
      this.tS = new Float64Array(beats);
      this.m = new Float64Array(beats);
      this.c = new Float64Array(beats);
      this.d = new Float64Array(beats);
    }
    const len = Math.floor(Math.max(0, durS) * FS) + 2;
    if (this.x.length < len) this.x = new Float64Array(len);
  }

  /** Second derivatives of the natural cubic spline through (x, y) (tridiagonal, Thomas algorithm). */
  private spline(x: Float64Array, y: ArrayLike<number>, n: number): void {
    const m = this.m;
    const c = this.c;
    const d = this.d;
    m.fill(0, 0, n);
    if (n < 3) return;
    c[0] = 0;
    d[0] = 0;
    for (let i = 1; i < n - 1; i++) {
      const h0 = x[i]! - x[i - 1]!;
      const h1 = x[i + 1]! - x[i]!;
      const a = h0 / 6;
      const b = (h0 + h1) / 3;
      const r = (y[i + 1]! - y[i]!) / h1 - (y[i]! - y[i - 1]!) / h0;
      const den = b - a * c[i - 1]!;
      c[i] = h1 / 6 / den;
      d[i] = (r - a * d[i - 1]!) / den;
    }
    for (let i = n - 2; i >= 1; i--) m[i] = d[i]! - c[i]! * m[i + 1]!;
  }
}

/** Removes the least-squares line from x[0..n). */
function detrend(x: Float64Array, n: number): void {
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += i;
    sy += x[i]!;
    sxx += i * i;
    sxy += i * x[i]!;
  }
  const den = n * sxx - sx * sx;
  const b = den !== 0 ? (n * sxy - sx * sy) / den : 0;
  const a = (sy - b * sx) / n;
  for (let i = 0; i < n; i++) x[i] = x[i]! - (a + b * i);
}
