import type { AccBatch, EcgBatch, FeatureFrame, GazeBatch, HrBatch, RrBatch } from '../core/types.ts';
import { FeatureQuality } from '../core/types.ts';
import { AoiTracker, type AoiDefinition } from '../detectors/aoi.ts';
import { ClosureSource, EyeClosure } from '../detectors/eye-closure.ts';
import { IvtFixationSaccade } from '../detectors/ivt-fixation-saccade.ts';
import { Motion } from '../detectors/motion.ts';
import { Perclos, type PerclosReading } from '../detectors/perclos.ts';
import { PupilBaseline } from '../detectors/pupil-baseline.ts';
import { RPeakDetector } from '../detectors/r-peak-detector.ts';
import { RrArtefactFilter } from '../hrv/rr-artefacts.ts';
import { EventRing, type EventStats } from './event-ring.ts';
import { FEATURE_NAMES, featureIndex, type FeatureName } from './feature-names.ts';
import { TimeBuckets } from './time-buckets.ts';

/** @deprecated name kept for callers: an AOI polygon from config */
export type AoiPolygon = AoiDefinition;

// gaze bucket channels (valid time and dispersion sums)
const VALID = 0;
const SX = 1;
const SY = 2;
const SXX = 3;
const SYY = 4;
const SN = 5;

const DISPERSION_MS = 10_000;
const VALID_RATIO_MS = 1_000;
/** a valid sample stands for the time since the previous sample, at most this (a silence is not observed time) */
const GAP_CAP_MS = 50;
const HR_STALE_MS = 5_000;
const MIN_BEATS = 30;

const I = Object.fromEntries(FEATURE_NAMES.map((n) => [n, featureIndex(n)])) as Record<FeatureName, number>;

export interface WearerFeaturesOptions {
  wearer: string;
  aois?: readonly AoiDefinition[];
  /** PERCLOS, blink, fixation and saccade window (default 60 s) */
  perclosWindowMs?: number;
  /** RMSSD / SDNN window (default 60 s) */
  hrvWindowMs?: number;
  /** tick period (default 100 ms): "current" eye/AOI values older than max(1 s, 3 ticks) are unknown */
  tickWindowMs?: number;
  /** AOI dwell-share window (default 30 s) */
  aoiWindowMs?: number;
}

/**
 * Per-wearer features, fed by gateway-time batches in time order and read once per tick.
 * Composes the streaming detectors (eye closure, PERCLOS, I-VT, AOI, pupil baseline, motion) and
 * the RR artefact filter; every sample goes through all gaze detectors in one loop, windowed sums
 * live in 250 ms buckets, events in small rings: no per-sample objects, no wall-clock reads, and
 * the same frame whatever the batch boundaries. A window with too little valid data yields NaN
 * with quality Unknown, never a made-up number; an HR strap without skin contact gives unknown HR.
 *
 * Cost: O(1 + AOIs × vertices) per gaze sample; O(windows / 250 ms + events in window) per frame.
 *
 * @example
 *   const f = new WearerFeatures({ wearer: 'dr-19c2', aois: [{ name: 'road_ahead', polygon }] });
 *   f.pushGaze(batch);
 *   const frame = f.frame(tMs); // frame.values[featureIndex('perclos')], frame.quality[...]
 */
export class WearerFeatures {
  readonly wearer: string;
  readonly perclosWindowMs: number;
  readonly hrvWindowMs: number;
  readonly tickWindowMs: number;
  private readonly staleMs: number;
  private readonly gaze: TimeBuckets;
  private readonly eye = new EyeClosure();
  private readonly perclos: Perclos;
  private readonly ivt = new IvtFixationSaccade();
  private readonly aoi: AoiTracker;
  private readonly road: number;
  private readonly pupil = new PupilBaseline();
  private readonly motion = new Motion();
  /** RR artefact filter (counts accepted / rejected beats) */
  readonly rrFilter = new RrArtefactFilter();
  private readonly nn = new EventRing(1024);
  private readonly nnScratch = new Float64Array(1024);
  private readonly disp = new Float64Array(6);
  private readonly stats: EventStats = { n: 0, sum: 0, max: 0, over: 0 };
  private readonly reading: PerclosReading = { value: NaN, quality: FeatureQuality.Unknown, seenMs: NaN };
  /** valid gaze time in coarse buckets (window / 60) for the per-minute rates */
  private readonly validCoarse: TimeBuckets;
  private lastGazeT = NaN;
  private hrBpm = NaN;
  private hrT = NaN;
  private hrContact = 0;
  private lastRrT = NaN;
  private ecgPeaks: RPeakDetector | null = null;
  private lastEcgPeakT = NaN;

  constructor(opts: WearerFeaturesOptions) {
    if (!opts || typeof opts.wearer !== 'string' || !opts.wearer) throw new TypeError('WearerFeatures needs a wearer id');
    this.wearer = opts.wearer;
    this.perclosWindowMs = opts.perclosWindowMs ?? 60_000;
    this.hrvWindowMs = opts.hrvWindowMs ?? 60_000;
    this.tickWindowMs = opts.tickWindowMs ?? 100;
    if (!(this.perclosWindowMs >= 10_000 && this.hrvWindowMs >= 10_000)) throw new RangeError('feature windows must be >= 10 s');
    if (!(this.tickWindowMs > 0)) throw new RangeError('tickWindowMs must be positive');
    this.staleMs = Math.max(1_000, 3 * this.tickWindowMs);
    this.perclos = new Perclos({ windowMs: this.perclosWindowMs });
    this.aoi = new AoiTracker(opts.aois ?? [], { windowMs: opts.aoiWindowMs ?? 30_000 });
    this.road = this.aoi.indexOf('road_ahead');
    this.gaze = new TimeBuckets({ channels: 6, bucketMs: 250, spanMs: DISPERSION_MS });
    this.validCoarse = new TimeBuckets({ channels: 1, bucketMs: this.perclosWindowMs / 60, spanMs: this.perclosWindowMs });
  }

  /** RR intervals rejected as artefacts so far (ectopic, missed, out of range). */
  get rrRejected(): number {
    return this.rrFilter.rejected;
  }

  pushGaze(b: GazeBatch): void {
    const g = this.gaze;
    const eye = this.eye;
    const aoi = this.aoi;
    const T = b.t;
    const X = b.x;
    const Y = b.y;
    const V = b.valid;
    const O = b.openness;
    const P = b.pupil;
    for (let i = 0; i < b.n; i++) {
      const t = T[i]!;
      if (t <= this.lastGazeT) continue; // out-of-order samples would corrupt every detector
      const x = X[i]!;
      const y = Y[i]!;
      const valid = V[i] === 1 && x === x && y === y;
      // a valid sample stands for the interval since the previous sample (valid or not), capped
      const dt = valid && this.lastGazeT === this.lastGazeT ? Math.min(GAP_CAP_MS, t - this.lastGazeT) : 0;
      this.lastGazeT = t;
      const closed = eye.sample(t, valid, O[i]!);
      this.perclos.observe(t, dt, eye, closed);
      this.ivt.sample(t, x, y, valid);
      aoi.sample(t, dt, x, y, valid);
      this.pupil.sample(t, P[i]!, valid);
      if (!valid) continue;
      const s = g.slot(t);
      g.addAt(s, VALID, dt);
      g.addAt(s, SX, x);
      g.addAt(s, SY, y);
      g.addAt(s, SXX, x * x);
      g.addAt(s, SYY, y * y);
      g.addAt(s, SN, 1);
      this.validCoarse.add(t, 0, dt);
    }
  }

  pushHr(b: HrBatch): void {
    for (let i = 0; i < b.n; i++) {
      const t = b.t[i]!;
      if (t < this.hrT) continue;
      this.hrT = t;
      this.hrContact = b.contact[i]!;
      const bpm = b.bpm[i]!;
      // no skin contact: the strap's number is not a heart rate (never report 0 bpm as real);
      // 20-250 bpm bounds what a strap can report for a living wearer
      this.hrBpm = this.hrContact === 1 || !(bpm >= 20 && bpm <= 250) ? NaN : bpm;
    }
  }

  pushRr(b: RrBatch): void {
    for (let i = 0; i < b.n; i++) {
      const t = b.t[i]!;
      if (t <= this.lastRrT) continue;
      this.lastRrT = t;
      if (t <= this.nn.newestTime()) continue; // already covered by ECG-derived beats
      if (this.rrFilter.accept(b.rrMs[i]!)) this.nn.push(t, b.rrMs[i]!);
    }
  }

  /**
   * ECG (e.g. Polar H10 at 130 Hz): R peaks (Pan & Tompkins) give RR intervals. The strap's own
   * RR intervals are preferred; ECG-derived ones fill in when those have been absent for 5 s.
   */
  pushEcg(b: EcgBatch): void {
    if (b.n < 2) return;
    if (!this.ecgPeaks) {
      const rate = Math.round(((b.n - 1) * 1000) / (b.t[b.n - 1]! - b.t[0]!));
      if (!(rate >= 100 && rate <= 2000)) return;
      this.ecgPeaks = new RPeakDetector({ rateHz: rate, onPeak: (t) => this.onEcgPeak(t) });
    }
    this.ecgPeaks.push(b);
  }

  private onEcgPeak(t: number): void {
    const prev = this.lastEcgPeakT;
    this.lastEcgPeakT = t;
    if (Number.isNaN(prev)) return;
    if (!Number.isNaN(this.lastRrT) && t - this.lastRrT < 5000) return;
    if (t <= this.nn.newestTime()) return;
    const rr = t - prev;
    if (this.rrFilter.accept(rr)) this.nn.push(t, rr);
  }

  pushAcc(b: AccBatch): void {
    this.motion.push(b);
  }

  frame(tMs: number): FeatureFrame {
    const values = new Float32Array(FEATURE_NAMES.length).fill(NaN);
    const quality = new Uint8Array(FEATURE_NAMES.length);
    const set = (i: number, v: number, q: FeatureQuality = FeatureQuality.Good): void => {
      if (!Number.isFinite(v)) return;
      values[i] = v;
      quality[i] = q;
    };
    const g = this.gaze;
    const W = this.perclosWindowMs;
    set(I.gaze_valid_ratio, Math.min(1, g.sum(tMs, VALID_RATIO_MS, VALID) / VALID_RATIO_MS));

    // eye closure: PERCLOS and blink statistics per minute of time the eye was seen
    const p = this.perclos.read(tMs, this.reading);
    set(I.perclos, p.value, p.quality);
    if (p.quality !== FeatureQuality.Unknown) {
      const perMin = 60_000 / p.seenMs;
      this.eye.blinkStats(tMs - W, this.stats, tMs);
      set(I.blink_rate_per_min, this.stats.n * perMin, p.quality);
      if (this.stats.n > 0) set(I.blink_mean_ms, this.stats.sum / this.stats.n, p.quality);
      set(I.long_blinks_per_min, this.stats.over * perMin, p.quality);
    }
    const fresh = tMs - this.lastGazeT <= this.staleMs;
    if (fresh) set(I.eye_closed_s, this.eye.currentClosureMs() / 1000, this.eye.source === ClosureSource.Openness ? FeatureQuality.Good : FeatureQuality.Proxy);

    // eye movements per minute of valid gaze
    const validW = this.validCoarse.sum(tMs, W, 0);
    if (validW >= 0.5 * W) {
      const perMin = 60_000 / validW;
      this.ivt.fixations.stats(tMs - W, this.stats, Infinity, tMs);
      set(I.fixation_rate_per_min, this.stats.n * perMin);
      if (this.stats.n > 0) set(I.fixation_mean_ms, this.stats.sum / this.stats.n);
      this.ivt.saccadePeaks.stats(tMs - W, this.stats, Infinity, tMs);
      set(I.saccade_rate_per_min, this.stats.n * perMin);
      if (this.stats.n > 0) set(I.saccade_peak_vel_deg_s, this.stats.sum / this.stats.n);
    }
    const d = g.sumAll(tMs, DISPERSION_MS, this.disp);
    const n10 = d[SN]!;
    if (d[VALID]! >= 0.5 * DISPERSION_MS && n10 >= 10) {
      const mx = d[SX]! / n10;
      const my = d[SY]! / n10;
      const v = d[SXX]! / n10 - mx * mx + d[SYY]! / n10 - my * my;
      set(I.gaze_dispersion_deg, Math.sqrt(Math.max(0, v)));
    }
    set(I.pupil_rel, this.pupil.ratio(tMs));

    if (this.road >= 0) {
      set(I.aoi_road_ahead_share, this.aoi.dwellShare(this.road, tMs, 0.5));
      if (fresh) {
        set(I.aoi_road_ahead_in, this.aoi.inside(this.road));
        set(I.off_road_glance_s, this.aoi.awayMs(this.road) / 1000);
      }
    }

    // heart
    if (tMs - this.hrT <= HR_STALE_MS) set(I.hr_bpm, this.hrBpm);
    const nBeats = this.nn.valuesSince(tMs - this.hrvWindowMs, this.nnScratch);
    if (nBeats >= MIN_BEATS) {
      let s = 0;
      for (let i = 0; i < nBeats; i++) s += this.nnScratch[i]!;
      // the beats must cover half the window: gaps of rejected beats are not variability
      if (s >= 0.5 * this.hrvWindowMs) {
        const mean = s / nBeats;
        let ss = 0;
        let ds = 0;
        for (let i = 0; i < nBeats; i++) {
          ss += (this.nnScratch[i]! - mean) ** 2;
          if (i > 0) ds += (this.nnScratch[i]! - this.nnScratch[i - 1]!) ** 2;
        }
        set(I.sdnn_ms, Math.sqrt(ss / (nBeats - 1)));
        set(I.rmssd_ms, Math.sqrt(ds / (nBeats - 1)));
        const hrFresh = tMs - this.nn.newestTime() <= HR_STALE_MS;
        if (Number.isNaN(values[I.hr_bpm]!) && this.hrContact !== 1 && hrFresh) set(I.hr_bpm, 60_000 / mean, FeatureQuality.Proxy);
      }
    }

    set(I.activity_mg, this.motion.activityMg(tMs));
    set(I.posture_change_deg, this.motion.postureChangeDeg(tMs));
    return { wearer: this.wearer, t: tMs, values, quality };
  }
}
