import type { EcgBatch } from '../core/types.ts';

/**
 * Streaming R-peak detection on single-lead ECG, after Pan & Tompkins (1985), "A real-time QRS
 * detection algorithm", IEEE TBME 32(3): baseline removal, derivative, squaring, moving-window
 * integration over 150 ms, an adaptive threshold between running signal and noise peak levels
 * (threshold = noise + 0.25 (signal - noise)), and a 250 ms refractory period (a QRS cannot
 * follow another within 200 ms; Pan & Tompkins). The R peak is the largest baseline-removed
 * sample within the 150 ms after the integrated signal crosses the threshold.
 * State carries across batches; peaks are reported once their search window has closed.
 *
 * Cost: O(1) per sample (running sums over small typed rings), no allocation per sample.
 *
 * @example
 *   const r = new RPeakDetector({ rateHz: 130, onPeak: (tMs) => beats.push(tMs) });
 *   r.push(ecgBatch);
 */
export class RPeakDetector {
  readonly rateHz: number;
  private readonly onPeak: (tMs: number) => void;
  private readonly base: Ring;
  private readonly integ: Ring;
  private readonly searchN: number;
  private readonly refractoryMs: number;
  private prevY = NaN;
  private spk = 0;
  private npk = 0;
  private warm = 0;
  private searching = 0;
  private bestY = -Infinity;
  private bestT = NaN;
  private lastPeakT = -Infinity;
  private lastT = -Infinity;

  constructor(opts: { rateHz: number; onPeak: (tMs: number) => void }) {
    if (!(opts.rateHz >= 100 && opts.rateHz <= 2000)) throw new RangeError('ECG rate must be 100..2000 Hz for QRS detection');
    this.rateHz = opts.rateHz;
    this.onPeak = opts.onPeak;
    this.base = new Ring(Math.round(0.3 * opts.rateHz)); // 300 ms baseline estimate
    this.integ = new Ring(Math.max(2, Math.round(0.15 * opts.rateHz))); // 150 ms integration window
    this.searchN = Math.max(2, Math.round(0.15 * opts.rateHz));
    this.refractoryMs = 250;
  }

  push(b: EcgBatch): void {
    for (let i = 0; i < b.n; i++) this.sample(b.t[i]!, b.uV[i]!);
  }

  sample(tMs: number, uV: number): void {
    if (!(tMs > this.lastT) || Number.isNaN(uV)) return;
    this.lastT = tMs;
    this.base.push(uV);
    const y = uV - this.base.mean();
    const d = Number.isNaN(this.prevY) ? 0 : y - this.prevY;
    this.prevY = y;
    this.integ.push(d * d);
    const m = this.integ.mean();
    // learn the levels over the first 2 s before deciding anything
    if (this.warm < 2 * this.rateHz) {
      this.warm++;
      this.spk = Math.max(this.spk, m) ;
      this.npk = 0.875 * this.npk + 0.125 * m;
      return;
    }
    if (this.searching > 0) {
      if (y > this.bestY) {
        this.bestY = y;
        this.bestT = tMs;
      }
      if (--this.searching === 0) {
        this.lastPeakT = this.bestT;
        this.onPeak(this.bestT);
      }
      this.spk = 0.875 * this.spk + 0.125 * Math.max(m, this.spk * 0.5);
      return;
    }
    const threshold = this.npk + 0.25 * (this.spk - this.npk);
    if (m > threshold && tMs - this.lastPeakT >= this.refractoryMs) {
      this.searching = this.searchN;
      this.bestY = y;
      this.bestT = tMs;
      this.spk = 0.875 * this.spk + 0.125 * m;
    } else {
      this.npk = 0.875 * this.npk + 0.125 * m;
    }
  }
}

/** Fixed-size ring with a running sum, for moving averages. */
class Ring {
  private readonly v: Float64Array;
  private i = 0;
  private n = 0;
  private sum = 0;
  constructor(size: number) {
    this.v = new Float64Array(size);
  }
  push(x: number): void {
    if (this.n === this.v.length) this.sum -= this.v[this.i]!;
    else this.n++;
    this.v[this.i] = x;
    this.sum += x;
    this.i = (this.i + 1) % this.v.length;
  }
  mean(): number {
    return this.n ? this.sum / this.n : 0;
  }
}
