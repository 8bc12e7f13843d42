/**
 * Heart rate variability from NN intervals (ms), conventions stated (Task Force of ESC/NASPE
 * 1996, Circulation 93(5); Shaffer & Ginsberg 2017 for the definitions):
 * - mean_nni: mean NN (ms). sdnn: sample standard deviation, divisor N-1 (ms).
 * - rmssd: root mean square of the N-1 successive differences (ms).
 * - sdsd: sample standard deviation of the successive differences, divisor (N-1)-1 (ms).
 * - nni_50 / nni_20: count of |successive difference| > 50 / 20 ms (strictly greater).
 * - pnni_50 / pnni_20: those counts divided by the number of differences (N-1), in percent
 *   (the convention of pyHRV and hrv-analysis; some tools divide by N).
 * - sd1, sd2: Poincaré plot axes (Brennan, Palaniswami & Kamen 2001, IEEE TBME 48(11)): sample
 *   standard deviations (divisor M-1 over the M = N-1 points (NN_i, NN_i+1)) of the points
 *   projected on the axes perpendicular to and along the identity line:
 *   sd1 = SD((NN_i+1 - NN_i) / sqrt 2) (= sdsd / sqrt 2), sd2 = SD((NN_i+1 + NN_i) / sqrt 2) (ms).
 *   Computed directly rather than as sqrt(2 sdnn^2 - sd1^2), which is the same for long series
 *   but can go negative (NaN) on short ones.
 * - lf, hf (ms^2), lf_hf: Welch PSD of the NN series resampled at 4 Hz (natural cubic spline on
 *   the cumulative beat times), linear trend removed, Hann windows of 256 samples (64 s) with
 *   50% overlap (one shorter window when the series is shorter), one-sided density integrated
 *   over LF 0.04-0.15 Hz and HF 0.15-0.40 Hz. Frequency measures need >= 2 min of data.
 * Too few intervals give NaN (unknown), never a made-up number.
 */
export interface HrvMetrics {
  mean_nni: number;
  sdnn: number;
  rmssd: number;
  sdsd: number;
  nni_50: number;
  pnni_50: number;
  nni_20: number;
  pnni_20: number;
  sd1: number;
  sd2: number;
  lf: number;
  hf: number;
  lf_hf: number;
}

export const HRV_SETTINGS = {
  resampleHz: 4,
  welchSegment: 256,
  lfBand: [0.04, 0.15],
  hfBand: [0.15, 0.4],
  /** below this much data (s) the frequency domain is unknown: the LF band needs several 25 s cycles */
  minSpectralS: 120,
} as const;

/**
 * All metrics of one NN series (ms, artefacts already removed: see rr-artefacts.ts).
 * Cost: O(N) for the time domain; the spectrum O(len/4Hz × 27 bins × 256) for >= 2 min of data.
 *
 * @example
 *   computeHrv([800, 810, 790, 820, 800]).rmssd; // 21.2132
 */
export function computeHrv(nnMs: Float64Array | readonly number[] | ArrayLike<number>): HrvMetrics {
  const n = nnMs.length;
  const out: HrvMetrics = { mean_nni: NaN, sdnn: NaN, rmssd: NaN, sdsd: NaN, nni_50: NaN, pnni_50: NaN, nni_20: NaN, pnni_20: NaN, sd1: NaN, sd2: NaN, lf: NaN, hf: NaN, lf_hf: NaN };
  if (n < 2) return out;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += nnMs[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (nnMs[i]! - mean) ** 2;
  const sdnn = Math.sqrt(ss / (n - 1));
  const m = n - 1;
  let dsum = 0;
  let dsq = 0;
  let n50 = 0;
  let n20 = 0;
  for (let i = 1; i < n; i++) {
    const d = nnMs[i]! - nnMs[i - 1]!;
    dsum += d;
    dsq += d * d;
    if (Math.abs(d) > 50) n50++;
    if (Math.abs(d) > 20) n20++;
  }
  const dmean = dsum / m;
  let dss = 0;
  for (let i = 1; i < n; i++) dss += (nnMs[i]! - nnMs[i - 1]! - dmean) ** 2;
  const sdsd = m > 1 ? Math.sqrt(dss / (m - 1)) : NaN;
  // Poincaré: SD of the pair sums (x_i + x_i+1) / sqrt 2, divisor M-1; the pair differences give sdsd
  let psum = 0;
  for (let i = 1; i < n; i++) psum += nnMs[i]! + nnMs[i - 1]!;
  const pmean = psum / m;
  let pss = 0;
  for (let i = 1; i < n; i++) pss += (nnMs[i]! + nnMs[i - 1]! - pmean) ** 2;
  Object.assign(out, {
    mean_nni: mean,
    sdnn,
    rmssd: Math.sqrt(dsq / m),
    sdsd,
    nni_50: n50,
    pnni_50: (100 * n50) / m,
    nni_20: n20,
    pnni_20: (100 * n20) / m,
    sd1: sdsd / Math.SQRT2,
    sd2: m > 1 ? Math.sqrt(pss / (m - 1)) / Math.SQRT2 : NaN,
  });
  if (sum / 1000 >= HRV_SETTINGS.minSpectralS) {
    const { lf, hf } = bandPowers(nnMs);
    out.lf = lf;
    out.hf = hf;
    // below 1e-6 ms^2 HF is numerical noise (RR quantisation alone gives ~0.1 ms^2): ratio unknown
    out.lf_hf = hf > 1e-6 ? lf / hf : NaN;
  }
  return out;
}

/** LF and HF power (ms^2) by Welch's method on the 4 Hz resampled tachogram. */
export function bandPowers(nnMs: ArrayLike<number>): { lf: number; hf: number } {
  const fs = HRV_SETTINGS.resampleHz;
  const x = resample(nnMs, fs);
  detrend(x);
  const seg = Math.min(HRV_SETTINGS.welchSegment, x.length);
  const step = Math.max(1, seg >> 1);
  const w = new Float64Array(seg);
  let wss = 0;
  for (let i = 0; i < seg; i++) {
    w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (seg - 1));
    wss += w[i]! * w[i]!;
  }
  const df = fs / seg;
  const kMax = Math.ceil(HRV_SETTINGS.hfBand[1] / df) + 1;
  const psd = new Float64Array(kMax + 1);
  let segments = 0;
  for (let start = 0; start + seg <= x.length; start += step) {
    segments++;
    for (let k = 1; k <= kMax; k++) {
      let re = 0;
      let im = 0;
      const omega = (-2 * Math.PI * k) / seg;
      for (let i = 0; i < seg; i++) {
        const v = x[start + i]! * w[i]!;
        re += v * Math.cos(omega * i);
        im += v * Math.sin(omega * i);
      }
      // one-sided density: doubled, normalised by fs * sum(w^2) (Welch 1967; Heinzel et al. 2002)
      psd[k]! += (2 * (re * re + im * im)) / (fs * wss);
    }
  }
  let lf = 0;
  let hf = 0;
  for (let k = 1; k <= kMax; k++) {
    const f = k * df;
    const p = (psd[k]! / segments) * df;
    if (f >= HRV_SETTINGS.lfBand[0] && f < HRV_SETTINGS.lfBand[1]) lf += p;
    else if (f >= HRV_SETTINGS.hfBand[0] && f < HRV_SETTINGS.hfBand[1]) hf += p;
  }
  return { lf, hf };
}

/**
 * Natural cubic spline through (beat time, NN) sampled at fs. Linear interpolation would
 * attenuate HF: at ~1.2 beats/s a 0.25 Hz wave loses ~25% of its power (its response is
 * sinc^2); the spline keeps it within a few percent (Kubios HRV uses cubic interpolation too).
 */
function resample(nnMs: ArrayLike<number>, fs: number): Float64Array {
  const n = nnMs.length;
  const t = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += nnMs[i]! / 1000;
    t[i] = acc;
  }
  const m = splineSecondDerivatives(t, nnMs);
  const len = Math.floor((t[n - 1]! - t[0]!) * fs) + 1;
  const out = new Float64Array(len);
  let j = 0;
  for (let i = 0; i < len; i++) {
    const ti = t[0]! + i / fs;
    while (j < n - 2 && t[j + 1]! < ti) j++;
    const h = t[j + 1]! - t[j]!;
    if (h <= 0) {
      out[i] = nnMs[j]!;
      continue;
    }
    const a = (t[j + 1]! - ti) / h;
    const b = 1 - a;
    out[i] = a * nnMs[j]! + b * nnMs[j + 1]! + (((a * a * a - a) * m[j]! + (b * b * b - b) * m[j + 1]!) * h * h) / 6;
  }
  return out;
}

/** Second derivatives of the natural cubic spline (tridiagonal system, Thomas algorithm). */
function splineSecondDerivatives(x: Float64Array, y: ArrayLike<number>): Float64Array {
  const n = x.length;
  const m = new Float64Array(n);
  if (n < 3) return m;
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    const h0 = x[i]! - x[i - 1]!;
    const h1 = x[i + 1]! - x[i]!;
    const a = h0 / 6;
    const b = (h0 + h1) / 3;
    const cc = h1 / 6;
    const r = (y[i + 1]! - y[i]!) / h1 - (y[i]! - y[i - 1]!) / h0;
    const den = b - a * c[i - 1]!;
    c[i] = cc / den;
    d[i] = (r - a * d[i - 1]!) / den;
  }
  for (let i = n - 2; i >= 1; i--) m[i] = d[i]! - c[i]! * m[i + 1]!;
  return m;
}

function detrend(x: Float64Array): void {
  const n = x.length;
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
