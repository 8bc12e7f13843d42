import { HrvSpectrum, SPECTRUM_SETTINGS } from './welch-spectrum.ts';

/**
 * Heart rate variability from NN intervals (ms), conventions stated (Task Force of ESC/NASPE
 * 1996, Circulation 93(5); Shaffer & Ginsberg 2017 for the definitions). docs/hrv.md compares
 * them with hrv-analysis, pyHRV and NeuroKit2 and lists the reference values we test against.
 * - mean_nni: mean NN (ms). sdnn: sample standard deviation, divisor N-1 (ms).
 * - rmssd: root mean square of the N-1 successive differences (ms).
 * - sdsd: sample standard deviation of the successive differences, divisor (N-1)-1 (ms).
 * - nni_50 / nni_20: count of |successive difference| > 50 / 20 ms (strictly greater).
 * - pnni_50 / pnni_20: those counts divided by the number of differences (N-1), in percent
 *   (pyHRV's convention; hrv-analysis divides by N).
 * - sd1, sd2: Poincaré plot axes (Brennan, Palaniswami & Kamen 2001, IEEE TBME 48(11)): sample
 *   standard deviations (divisor M-1 over the M = N-1 points (NN_i, NN_i+1)) of the points
 *   projected on the axes perpendicular to and along the identity line:
 *   sd1 = SD((NN_i+1 - NN_i) / sqrt 2) (= sdsd / sqrt 2), sd2 = SD((NN_i+1 + NN_i) / sqrt 2) (ms),
 *   as NeuroKit2 computes them. Computed directly rather than as sqrt(2 sdnn^2 - sd1^2), which
 *   is the same for long series but can go negative (NaN) on short ones.
 * - lf, hf (ms^2), lf_hf: see welch-spectrum.ts (4 Hz cubic-spline resampling, linear detrend,
 *   Welch with 256-sample Hann segments, 50% overlap). Frequency measures need >= 2 min of data.
 * When intervals are missing between two NN (an artefact was removed), the two are not
 * successive: differences and Poincaré points are taken over adjacent pairs only, and the
 * "N-1" above is the number of adjacent pairs.
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

export const HRV_KEYS = ['mean_nni', 'sdnn', 'rmssd', 'sdsd', 'nni_50', 'pnni_50', 'nni_20', 'pnni_20', 'sd1', 'sd2', 'lf', 'hf', 'lf_hf'] as const satisfies readonly (keyof HrvMetrics)[];

export const HRV_SETTINGS = SPECTRUM_SETTINGS;

export function emptyHrv(): HrvMetrics {
  return { mean_nni: NaN, sdnn: NaN, rmssd: NaN, sdsd: NaN, nni_50: NaN, pnni_50: NaN, nni_20: NaN, pnni_20: NaN, sd1: NaN, sd2: NaN, lf: NaN, hf: NaN, lf_hf: NaN };
}

/**
 * Time-domain and Poincaré metrics of nn[0..n) into out (the frequency fields are left alone).
 * adjacent[i] = 1 when nn[i] directly follows nn[i-1] (no interval removed between them);
 * null: all adjacent. Cost: O(n), no allocation.
 */
export function timeDomainInto(nn: ArrayLike<number>, n: number, adjacent: ArrayLike<number> | null, out: HrvMetrics): HrvMetrics {
  out.mean_nni = out.sdnn = out.rmssd = out.sdsd = out.nni_50 = out.pnni_50 = out.nni_20 = out.pnni_20 = out.sd1 = out.sd2 = NaN;
  if (n < 1) return out;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += nn[i]!;
  const mean = sum / n;
  out.mean_nni = mean;
  if (n < 2) return out;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (nn[i]! - mean) ** 2;
  out.sdnn = Math.sqrt(ss / (n - 1));
  let m = 0;
  let dsum = 0;
  let dsq = 0;
  let psum = 0;
  let n50 = 0;
  let n20 = 0;
  for (let i = 1; i < n; i++) {
    if (adjacent !== null && adjacent[i] !== 1) continue;
    const d = nn[i]! - nn[i - 1]!;
    m++;
    dsum += d;
    dsq += d * d;
    psum += nn[i]! + nn[i - 1]!;
    if (Math.abs(d) > 50) n50++;
    if (Math.abs(d) > 20) n20++;
  }
  if (m < 1) return out;
  out.rmssd = Math.sqrt(dsq / m);
  out.nni_50 = n50;
  out.pnni_50 = (100 * n50) / m;
  out.nni_20 = n20;
  out.pnni_20 = (100 * n20) / m;
  if (m < 2) return out;
  const dmean = dsum / m;
  const pmean = psum / m;
  let dss = 0;
  let pss = 0;
  for (let i = 1; i < n; i++) {
    if (adjacent !== null && adjacent[i] !== 1) continue;
    dss += (nn[i]! - nn[i - 1]! - dmean) ** 2;
    pss += (nn[i]! + nn[i - 1]! - pmean) ** 2;
  }
  out.sdsd = Math.sqrt(dss / (m - 1));
  out.sd1 = out.sdsd / Math.SQRT2;
  out.sd2 = Math.sqrt(pss / (m - 1)) / Math.SQRT2;
  return out;
}

/**
 * All metrics of one NN series (ms, artefacts already removed: see rr-artefacts.ts), beats
 * taken as back to back (beat times are the cumulative sums).
 * Cost: O(N) for the time domain; the spectrum O(len/4Hz × 27 bins × 256 / 128) for >= 2 min.
 *
 * @example
 *   computeHrv([800, 810, 790, 820, 800]).rmssd; // 21.2132
 */
export function computeHrv(nnMs: Float64Array | readonly number[] | ArrayLike<number>): HrvMetrics {
  const n = nnMs.length;
  const out = emptyHrv();
  if (n < 2) return out;
  timeDomainInto(nnMs, n, null, out);
  const times = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += nnMs[i]!;
    times[i] = acc;
  }
  if (acc / 1000 >= HRV_SETTINGS.minSpectralS) {
    const spec = new HrvSpectrum({ maxBeats: n, maxDurationS: acc / 1000 + 1 });
    const { lf, hf } = spec.bandPowers(times, nnMs, n);
    out.lf = lf;
    out.hf = hf;
    out.lf_hf = hf > HRV_SETTINGS.minHfMs2 ? lf / hf : NaN;
  }
  return out;
}

/** LF and HF power (ms^2) by Welch's method on the 4 Hz resampled tachogram (beats back to back). */
export function bandPowers(nnMs: ArrayLike<number>): { lf: number; hf: number } {
  const n = nnMs.length;
  const times = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) times[i] = acc += nnMs[i]!;
  return new HrvSpectrum({ maxBeats: n, maxDurationS: acc / 1000 + 1 }).bandPowers(times, nnMs, n);
}
