/**
 * Data-driven velocity thresholds from the recent speed distribution, after Nyström & Holmqvist
 * (2010, Behav Res 42:188-204): the peak threshold is found by iteration over the samples below
 * it, starting high, until it settles; the onset threshold is a smaller multiple of the same
 * noise. As in REMoDNaV (Dar, Wagner & Hanke 2021, Behav Res 53:399-414) the noise is measured
 * robustly, with the median and the median absolute deviation (MAD) instead of mean and SD:
 * onset = median + k * MAD, peak = median + 2k * MAD (k = 5, REMoDNaV's noise_factor), so blink
 * artefacts and pursuit do not inflate the thresholds the way they inflate an SD.
 *
 * Streaming: speeds go into a histogram (0.25 deg/s bins up to 512 deg/s, faster in the last
 * bin) whose counts decay with time constant `memoryMs`; the thresholds are recomputed each
 * `updateMs` of stream time (the update instants are multiples of updateMs, so they do not depend
 * on batch boundaries). Until `minSamples` speeds have been seen the starting values hold.
 *
 * Cost: O(1) per speed; O(bins in use) per update (at most 2048 bins, 10 updates per second).
 *
 * @example
 *   const noise = new VelocityNoise();
 *   noise.add(speed, t);       // deg/s, ms
 *   if (speed > noise.peak) ...
 */
const BINS = 2048;
const BIN = 0.25; // deg/s

export interface VelocityNoiseOptions {
  /** onset threshold = median + k MAD, peak = median + 2k MAD */
  k?: number;
  /** deg/s: where the peak threshold iteration starts (REMoDNaV: 300) */
  startDegS?: number;
  memoryMs?: number;
  updateMs?: number;
  minSamples?: number;
  /** thresholds before there is data (deg/s): Olsen's (2012) 30 deg/s I-VT threshold as onset */
  initialOnset?: number;
  initialPeak?: number;
  /** ms of data the starting values are worth: the estimate from T ms of data gets weight T / (T + priorMs) */
  priorMs?: number;
  /** deg/s: the thresholds never fall below these, however quiet the tracker (default 0: no floor) */
  minOnset?: number;
  minPeak?: number;
}

export class VelocityNoise {
  /** deg/s */
  onset: number;
  /** deg/s */
  peak: number;
  /** deg/s: median and MAD of the sub-threshold speeds (NaN until known) */
  median = NaN;
  mad = NaN;
  private readonly h = new Float64Array(BINS);
  private readonly cum = new Float64Array(BINS + 1);
  /** cum[0..cumTo] are summed for this solve (only as far as the thresholds look) */
  private cumTo = 0;
  /** highest bin with counts since the reset: the bins above hold zeros, never touched */
  private topBin = -1;
  private total = 0;
  private seen = 0;
  private nextUpdate = -Infinity;
  private readonly k: number;
  private readonly start: number;
  private readonly decay: number;
  private readonly updateMs: number;
  private readonly minSamples: number;
  private readonly init: [number, number];
  private readonly priorMs: number;
  private readonly minOnset: number;
  private readonly minPeak: number;
  private firstT = NaN;
  private lastT = NaN;

  constructor(o: VelocityNoiseOptions = {}) {
    this.k = o.k ?? 5;
    this.start = o.startDegS ?? 300;
    this.updateMs = o.updateMs ?? 100;
    const memory = o.memoryMs ?? 10_000;
    this.minSamples = o.minSamples ?? 25;
    this.init = [o.initialOnset ?? 30, o.initialPeak ?? 60];
    this.priorMs = o.priorMs ?? 500;
    this.minOnset = o.minOnset ?? 0;
    this.minPeak = o.minPeak ?? 0;
    if (!(this.minOnset >= 0 && this.minPeak >= 0 && Number.isFinite(this.minOnset) && Number.isFinite(this.minPeak))) throw new RangeError('VelocityNoise minOnset and minPeak must be finite and >= 0');
    for (const [name, v] of [['k', this.k], ['startDegS', this.start], ['updateMs', this.updateMs], ['memoryMs', memory]] as const) if (!(v > 0)) throw new RangeError(`VelocityNoise ${name} must be positive`);
    this.decay = Math.exp(-this.updateMs / memory);
    this.onset = this.init[0];
    this.peak = this.init[1];
  }

  reset(): void {
    this.h.fill(0);
    this.topBin = -1;
    this.total = 0;
    this.seen = 0;
    this.nextUpdate = -Infinity;
    this.onset = this.init[0];
    this.peak = this.init[1];
    this.median = this.mad = NaN;
    this.firstT = this.lastT = NaN;
  }

  /** One speed (deg/s) at stream time t (ms); NaN is ignored. */
  add(speed: number, t: number): void {
    if (speed !== speed) return;
    if (t >= this.nextUpdate) {
      if (this.nextUpdate !== -Infinity) this.update();
      this.nextUpdate = (Math.floor(t / this.updateMs) + 1) * this.updateMs;
    }
    let b = (speed / BIN) | 0;
    if (b >= BINS) b = BINS - 1;
    if (b > this.topBin) this.topBin = b;
    this.h[b]!++;
    this.total++;
    this.seen++;
    if (this.firstT !== this.firstT) this.firstT = t;
    this.lastT = t;
  }

  private update(): void {
    if (this.seen >= this.minSamples) this.solve();
    const d = this.decay;
    const h = this.h;
    for (let i = 0; i <= this.topBin; i++) h[i]! *= d;
    this.total *= d;
  }

  /** speed below which a share q of the counts in bins [0, lim) lie (linear within a bin) */
  private quantile(q: number, lim: number): number {
    const c = this.cum;
    const target = q * c[lim]!;
    let lo = 0;
    let hi = lim;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid + 1]! < target) lo = mid + 1;
      else hi = mid;
    }
    const inBin = this.h[lo]!;
    const frac = inBin > 0 ? (target - c[lo]!) / inBin : 0;
    return (lo + frac) * BIN;
  }

  /** counts with speed in [a, b] (deg/s), linear within bins */
  private between(a: number, b: number, lim: number): number {
    return this.cdf(b, lim) - this.cdf(a, lim);
  }

  private cdf(v: number, lim: number): number {
    if (v <= 0) return 0;
    const x = v / BIN;
    const i = Math.floor(x);
    if (i >= lim) return this.cum[lim]!;
    return this.cum[i]! + (x - i) * this.h[i]!;
  }

  /** sums the cumulative counts up to bin lim, in the same order as a full pass would */
  private sumTo(lim: number): void {
    const c = this.cum;
    const h = this.h;
    for (let i = this.cumTo; i < lim; i++) c[i + 1] = c[i]! + h[i]!;
    if (lim > this.cumTo) this.cumTo = lim;
  }

  private solve(): void {
    const c = this.cum;
    c[0] = 0;
    this.cumTo = 0;
    let pt = this.start;
    let med = NaN;
    let mad = NaN;
    for (let it = 0; it < 50; it++) {
      const lim = Math.min(BINS, Math.max(1, Math.ceil(pt / BIN)));
      this.sumTo(lim);
      if (!(c[lim]! > 0)) break;
      med = this.quantile(0.5, lim);
      // MAD: the half-width d around the median holding half the sub-threshold counts (bisection)
      const half = 0.5 * c[lim]!;
      let lo = 0;
      let hi = lim * BIN;
      for (let j = 0; j < 40; j++) {
        const d = 0.5 * (lo + hi);
        if (this.between(med - d, med + d, lim) < half) lo = d;
        else hi = d;
      }
      mad = hi;
      const next = med + 2 * this.k * mad;
      const done = Math.abs(next - pt) < 0.5;
      pt = next;
      if (done) break;
    }
    if (Number.isFinite(med) && Number.isFinite(mad)) {
      this.median = med;
      this.mad = mad;
      const span = this.lastT - this.firstT;
      const w = this.priorMs > 0 ? span / (span + this.priorMs) : 1;
      this.onset = Math.max(this.minOnset, w * (med + this.k * mad) + (1 - w) * this.init[0]);
      this.peak = Math.max(this.minPeak, w * (med + 2 * this.k * mad) + (1 - w) * this.init[1]);
    }
  }
}
