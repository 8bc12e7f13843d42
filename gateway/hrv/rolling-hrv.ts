import { FeatureQuality } from '../core/types.ts';
import { EventRing, type EventWindow } from '../features/event-ring.ts';
import { emptyHrv, HRV_SETTINGS, timeDomainInto, type HrvMetrics } from './hrv-metrics.ts';
import { RrArtefactFilter } from './rr-artefacts.ts';
import { HrvSpectrum } from './welch-spectrum.ts';

/** Where a beat came from. */
export const BeatSource = { Strap: 0, Ecg: 1 } as const;
export type BeatSource = (typeof BeatSource)[keyof typeof BeatSource];

/**
 * Grading of a window (our policy, not a standard). Removing even a few percent of beats
 * biases HRV (Peltola 2012, Front. Physiol. 3:148), so:
 * - Good: at most 5% of the window's intervals were rejected as artefacts, beats from the strap;
 * - Proxy: 5-20% rejected, or beats from our own ECG R-peak detector (130 Hz ECG quantises each
 *   beat to 7.7 ms), or (frequency domain) a gap of more than 3 s between accepted beats that the
 *   resampling spline had to bridge;
 * - Unknown: more than 20% rejected, fewer than `minIntervals`, or accepted NN covering less than
 *   minValidShare of the window.
 */
export const HRV_QUALITY = {
  goodMaxArtefactShare: 0.05,
  proxyMaxArtefactShare: 0.2,
  minIntervals: 10,
  maxBridgedGapMs: 3_000,
} as const;

export interface RollingHrvOptions {
  /** time-domain window (ms), default 60 s */
  windowMs?: number;
  /** LF/HF window (ms), default 5 min */
  spectralWindowMs?: number;
  /** LF/HF recomputed when tick time crosses phaseMs + k × this (ms), default 10 s */
  spectralEveryMs?: number;
  /** offset of the recomputation grid (ms), so that wearers do not all recompute on one tick */
  phaseMs?: number;
  /** share of a window the accepted NN must cover (default 0.5) */
  minValidShare?: number;
  filter?: RrArtefactFilter;
}

/**
 * HRV over rolling windows of a live beat stream: each RR interval goes through the artefact
 * filter (rr-artefacts.ts); accepted ones are kept with their beat time, whether they follow the
 * previous accepted one directly (no interval removed or missing between), and their source.
 * - time domain (hrv-metrics.ts conventions) over (now - windowMs, now], recomputed only when a
 *   beat enters or leaves the window;
 * - LF, HF, LF/HF over the spectral window ending at the latest point of a fixed grid
 *   (phaseMs + k × spectralEveryMs), recomputed once per grid step: deterministic, and a 5-min
 *   spectrum does not move in a few seconds. Beats are placed at their own times, so removed
 *   beats leave gaps the spline bridges instead of shifting the rest of the series.
 *
 * Cost: O(1) per beat; O(beats in window) per time-domain change; ~45 µs per spectral step
 * (5 min window: spline, 1200-point resampling, four 256-point FFTs). Memory: 2048 beats × 26 B
 * + the spectrum's buffers.
 *
 * @example
 *   const h = new RollingHrv({ windowMs: 60_000 });
 *   h.push(tBeatMs, rrMs, BeatSource.Strap);
 *   const q = h.timeDomain(nowMs, metrics); // metrics.rmssd ..., q: FeatureQuality
 */
export class RollingHrv {
  readonly windowMs: number;
  readonly spectralWindowMs: number;
  readonly spectralEveryMs: number;
  readonly phaseMs: number;
  readonly minValidShare: number;
  readonly filter: RrArtefactFilter;
  /** intervals dropped because their time was not after the previous one (counted, not silent) */
  outOfOrder = 0;
  private readonly t: Float64Array;
  private readonly nn: Float64Array;
  private readonly adj: Uint8Array;
  private readonly src: Uint8Array;
  private readonly mask: number;
  private total = 0;
  private brokeSinceAccepted = true;
  private lastT = -Infinity;
  private readonly rejected: EventRing;
  private readonly rejTime: EventWindow;
  private readonly rejSpectral: EventWindow;
  private readonly spectrum: HrvSpectrum;
  // scratch copies of a window (linear, oldest first)
  private readonly sT: Float64Array;
  private readonly sNn: Float64Array;
  private readonly sAdj: Uint8Array;
  private copiedEcg = false;
  // time-domain cache: window [tdTail, tdHead) of absolute beat indices
  /** window pointers: tail, head, time of the last bounds() call */
  private readonly tdPtr = Float64Array.of(0, 0, -Infinity);
  private readonly spPtr = Float64Array.of(0, 0, -Infinity);
  private tdTail = -1;
  private tdHead = -1;
  private tdRej = -1;
  private tdQuality: FeatureQuality = FeatureQuality.Unknown;
  private readonly td: HrvMetrics = emptyHrv();
  // spectral cache: grid step of the last computation
  private spStep = NaN;
  private spQuality: FeatureQuality = FeatureQuality.Unknown;
  private spLf = NaN;
  private spHf = NaN;

  constructor(opts: RollingHrvOptions = {}) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.spectralWindowMs = opts.spectralWindowMs ?? 300_000;
    this.spectralEveryMs = opts.spectralEveryMs ?? 10_000;
    this.phaseMs = opts.phaseMs ?? 0;
    this.minValidShare = opts.minValidShare ?? 0.5;
    if (!(this.windowMs >= 1_000) || !(this.spectralWindowMs >= HRV_SETTINGS.minSpectralS * 1000)) throw new RangeError('HRV windows: time domain >= 1 s, spectral >= 120 s');
    if (!(this.spectralEveryMs > 0) || !(this.phaseMs >= 0)) throw new RangeError('spectralEveryMs must be positive, phaseMs >= 0');
    if (!(this.minValidShare > 0 && this.minValidShare <= 1)) throw new RangeError('minValidShare must be in (0, 1]');
    this.filter = opts.filter ?? new RrArtefactFilter();
    // 250 bpm over the longer window, rounded up to a power of two
    const need = Math.ceil((Math.max(this.windowMs, this.spectralWindowMs) / 60_000) * 250) + 1;
    let cap = 1;
    while (cap < need) cap <<= 1;
    this.t = new Float64Array(cap);
    this.nn = new Float64Array(cap);
    this.adj = new Uint8Array(cap);
    this.src = new Uint8Array(cap);
    this.mask = cap - 1;
    this.sT = new Float64Array(cap);
    this.sNn = new Float64Array(cap);
    this.sAdj = new Uint8Array(cap);
    this.rejected = new EventRing(cap);
    this.rejTime = this.rejected.window(this.windowMs);
    this.rejSpectral = this.rejected.window(this.spectralWindowMs);
    this.spectrum = new HrvSpectrum({ maxBeats: cap, maxDurationS: this.spectralWindowMs / 1000 + 1 });
  }

  /** After timeDomain(): share of the intervals in its window rejected as artefacts (0..1; NaN when none came). */
  get artefactShare(): number {
    const n = this.tdHead - this.tdTail;
    return this.tdRej + n > 0 ? this.tdRej / (this.tdRej + n) : NaN;
  }

  /** Time of the newest accepted beat (NaN before the first). */
  get newestBeatT(): number {
    return this.total > 0 ? this.t[(this.total - 1) & this.mask]! : NaN;
  }

  /**
   * One RR interval ending at beat time tMs. Returns true when it was accepted as NN.
   * Non-increasing times are dropped and counted in `outOfOrder`.
   */
  push(tMs: number, rrMs: number, source: BeatSource = BeatSource.Strap): boolean {
    if (!(tMs > this.lastT)) {
      this.outOfOrder++;
      return false;
    }
    const prevT = this.lastT;
    this.lastT = tMs;
    if (!this.filter.accept(rrMs)) {
      this.rejected.push(tMs, 1);
      this.brokeSinceAccepted = true;
      return false;
    }
    const i = this.total & this.mask;
    // adjacent: nothing rejected since the previous accepted beat, and no beat missing in time
    // (the gap since the previous beat is not much longer than this interval; HRS notification
    // timing jitters by tens of ms, a missed beat adds a whole interval)
    this.adj[i] = !this.brokeSinceAccepted && tMs - prevT <= 1.5 * rrMs ? 1 : 0;
    this.t[i] = tMs;
    this.nn[i] = rrMs;
    this.src[i] = source;
    this.total++;
    this.brokeSinceAccepted = false;
    return true;
  }

  /** Time-domain metrics over (now - windowMs, now] into out (its lf/hf/lf_hf untouched); returns the quality. */
  timeDomain(nowMs: number, out: HrvMetrics): FeatureQuality {
    this.bounds(nowMs, this.windowMs, this.tdPtr);
    const tail = this.tdPtr[0]!;
    const head = this.tdPtr[1]!;
    const rej = this.rejTime.update(nowMs).n;
    if (tail !== this.tdTail || head !== this.tdHead || rej !== this.tdRej) {
      this.tdTail = tail;
      this.tdHead = head;
      this.tdRej = rej;
      const n = this.copy(tail, head);
      this.tdQuality = this.grade(n, rej, this.windowMs, false);
      if (this.tdQuality === FeatureQuality.Unknown) {
        timeDomainInto(this.sNn, 0, null, this.td);
      } else {
        timeDomainInto(this.sNn, n, this.sAdj, this.td);
        if (!(this.td.sdsd === this.td.sdsd)) this.tdQuality = FeatureQuality.Unknown; // no two adjacent pairs
      }
    }
    const q = this.tdQuality;
    const src = this.td;
    out.mean_nni = src.mean_nni;
    out.sdnn = src.sdnn;
    out.rmssd = src.rmssd;
    out.sdsd = src.sdsd;
    out.nni_50 = src.nni_50;
    out.pnni_50 = src.pnni_50;
    out.nni_20 = src.nni_20;
    out.pnni_20 = src.pnni_20;
    out.sd1 = src.sd1;
    out.sd2 = src.sd2;
    if (q === FeatureQuality.Unknown) out.mean_nni = out.sdnn = out.rmssd = out.sdsd = out.nni_50 = out.pnni_50 = out.nni_20 = out.pnni_20 = out.sd1 = out.sd2 = NaN;
    return q;
  }

  /** LF, HF, LF/HF of the spectral window at the latest grid point <= now into out; returns the quality. */
  spectral(nowMs: number, out: HrvMetrics): FeatureQuality {
    const step = Math.floor((nowMs - this.phaseMs) / this.spectralEveryMs);
    if (step !== this.spStep) {
      this.spStep = step;
      const at = this.phaseMs + step * this.spectralEveryMs;
      this.bounds(at, this.spectralWindowMs, this.spPtr);
      const tail = this.spPtr[0]!;
      const head = this.spPtr[1]!;
      const rej = this.rejSpectral.update(at).n;
      const n = this.copy(tail, head);
      let q = this.grade(n, rej, this.spectralWindowMs, true);
      this.spLf = this.spHf = NaN;
      if (q !== FeatureQuality.Unknown && (this.sT[n - 1]! - this.sT[0]!) / 1000 < HRV_SETTINGS.minSpectralS) q = FeatureQuality.Unknown;
      if (q !== FeatureQuality.Unknown) {
        const { lf, hf } = this.spectrum.bandPowers(this.sT, this.sNn, n);
        this.spLf = lf;
        this.spHf = hf;
        if (!(lf === lf && hf === hf)) q = FeatureQuality.Unknown;
      }
      this.spQuality = q;
    }
    const q = this.spQuality;
    if (q === FeatureQuality.Unknown) {
      out.lf = out.hf = out.lf_hf = NaN;
    } else {
      out.lf = this.spLf;
      out.hf = this.spHf;
      out.lf_hf = this.spHf > HRV_SETTINGS.minHfMs2 ? this.spLf / this.spHf : NaN;
    }
    return q;
  }

  /**
   * Absolute indices [tail, head) of the beats with time in (now - windowMs, now], found by
   * moving the window's two pointers forward from where they were (O(1) amortised for
   * non-decreasing times; an earlier time restarts from the oldest beat held).
   */
  private bounds(nowMs: number, windowMs: number, p: Float64Array): void {
    const oldest = Math.max(0, this.total - this.t.length);
    if (nowMs < p[2]! || p[0]! < oldest) {
      p[0] = oldest;
      p[1] = oldest;
    }
    p[2] = nowMs;
    let head = p[1]!;
    while (head < this.total && this.t[head & this.mask]! <= nowMs) head++;
    let tail = Math.max(p[0]!, oldest);
    const since = nowMs - windowMs;
    while (tail < head && this.t[tail & this.mask]! <= since) tail++;
    p[0] = tail;
    p[1] = head;
  }

  /** Copies beats [tail, head) into the linear scratch arrays; returns their number. */
  private copy(tail: number, head: number): number {
    const n = head - tail;
    let ecg = false;
    for (let k = 0; k < n; k++) {
      const i = (tail + k) & this.mask;
      this.sT[k] = this.t[i]!;
      this.sNn[k] = this.nn[i]!;
      this.sAdj[k] = k === 0 ? 0 : this.adj[i]!;
      if (this.src[i] === BeatSource.Ecg) ecg = true;
    }
    this.copiedEcg = ecg;
    return n;
  }

  /** Quality of the n beats in the scratch arrays, with `rej` rejected intervals in the window. */
  private grade(n: number, rej: number, windowMs: number, spectral: boolean): FeatureQuality {
    if (n < HRV_QUALITY.minIntervals) return FeatureQuality.Unknown;
    let covered = 0;
    let maxGap = 0;
    for (let k = 0; k < n; k++) {
      covered += this.sNn[k]!;
      if (k > 0) maxGap = Math.max(maxGap, this.sT[k]! - this.sT[k - 1]!);
    }
    if (covered < this.minValidShare * windowMs) return FeatureQuality.Unknown;
    const share = rej / (rej + n);
    if (share > HRV_QUALITY.proxyMaxArtefactShare) return FeatureQuality.Unknown;
    if (share > HRV_QUALITY.goodMaxArtefactShare || this.copiedEcg || (spectral && maxGap > HRV_QUALITY.maxBridgedGapMs)) return FeatureQuality.Proxy;
    return FeatureQuality.Good;
  }
}
