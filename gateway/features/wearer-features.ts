import type { AccBatch, AoiFrame, EcgBatch, FeatureFrame, GazeBatch, HrBatch, RrBatch } from '../core/types.ts';
import { FeatureQuality } from '../core/types.ts';
import type { ErrorCounter } from '../core/errors.ts';
import { AoiTracker, type AoiDefinition } from '../detectors/aoi.ts';
import { ClosureSource, EyeClosure } from '../detectors/eye-closure.ts';
import { IvtFixationSaccade } from '../detectors/ivt-fixation-saccade.ts';
import { Motion } from '../detectors/motion.ts';
import { Perclos, type PerclosReading } from '../detectors/perclos.ts';
import { PupilBaseline } from '../detectors/pupil-baseline.ts';
import { RPeakDetector } from '../detectors/r-peak-detector.ts';
import { emptyHrv } from '../hrv/hrv-metrics.ts';
import { BeatSource, RollingHrv } from '../hrv/rolling-hrv.ts';
import type { RrArtefactFilter } from '../hrv/rr-artefacts.ts';
import { AOI_FEATURE_NAMES } from './aoi-feature-names.ts';
import type { EventWindow } from './event-ring.ts';
import { FEATURE_NAMES, featureIndex, type FeatureName } from './feature-names.ts';
import { FrameSlab } from './frame-slab.ts';
import { resolveFeatureSettings, type FeatureSettings } from './feature-settings.ts';
import { TimeBuckets, type WindowSum } from './time-buckets.ts';

/** @deprecated name kept for callers: an AOI polygon from config */
export type AoiPolygon = AoiDefinition;

// gaze bucket channels (valid time and dispersion sums)
const VALID = 0;
const SX = 1;
const SY = 2;
const SXX = 3;
const SYY = 4;
const SN = 5;

/** a valid sample stands for the time since the previous sample, at most this (a silence is not observed time) */
const GAP_CAP_MS = 50;
const HR_STALE_MS = 5_000;
/** blink spread (SD, 90th percentile) needs this many closures in the window */
const MIN_BLINKS_FOR_SPREAD = 5;
/** the dispersion window needs this many valid samples besides minValidShare of its time */
const MIN_DISPERSION_SAMPLES = 10;
/** ECG-derived beats fill in when the strap's own RR intervals have been absent this long (ms) */
const ECG_FILL_IN_MS = 5_000;

const I = Object.fromEntries(FEATURE_NAMES.map((n) => [n, featureIndex(n)])) as Record<FeatureName, number>;
const NF = FEATURE_NAMES.length;
const NA = AOI_FEATURE_NAMES.length;
const A_IN = 0, A_SHARE = 1, A_GLANCE = 2, A_AWAY = 3, A_GLANCES = 4, A_GMEAN = 5, A_GMAX = 6, A_AMAX = 7, A_LONG = 8;
const GOOD = FeatureQuality.Good;
/** windowed features are recomputed when tick time enters a new step of this (ms): the gaze bucket size */
const REFRESH_MS = 250;
/** one slab allocator for all wearers' frames (single-threaded: no contention) */
const slab = new FrameSlab();
const PROXY = FeatureQuality.Proxy;

export interface WearerFeaturesOptions {
  wearer: string;
  aois?: readonly AoiDefinition[];
  /** windows and limits (the config's `features` section); defaults: FEATURE_DEFAULTS */
  settings?: Partial<FeatureSettings>;
  /** @deprecated use settings.perclosWindowMs */
  perclosWindowMs?: number;
  /** @deprecated use settings.hrvWindowMs */
  hrvWindowMs?: number;
  /** @deprecated use settings.aoiWindowMs */
  aoiWindowMs?: number;
  /** tick period (default 100 ms): "current" eye/AOI values older than max(1 s, 3 ticks) are unknown */
  tickWindowMs?: number;
  /** where dropped samples are counted (AFG_E_SAMPLE_ORDER) */
  errors?: ErrorCounter;
}

/**
 * Per-wearer features, fed by gateway-time batches in time order and read once per tick.
 * Composes the streaming detectors (eye closure, PERCLOS, I-VT, AOI, pupil baseline, motion),
 * the rolling HRV (artefact filter, time and frequency domain) and the ECG R-peak detector;
 * every gaze sample goes through all gaze detectors in one loop, windowed sums live in time
 * buckets read through caches, events in rings with running windows: no per-sample objects, no
 * wall-clock reads, and the same frame whatever the batch boundaries. A window with too little
 * valid data yields NaN with quality Unknown, never a made-up number; an HR strap without skin
 * contact gives unknown HR. Quality: Good (measured), Proxy (PERCLOS and blinks from track-loss
 * gaps instead of openness; HR from mean NN; HRV from ECG-derived beats or with 5-20% artefacts).
 * Samples older than the newest already seen on their stream are dropped and counted
 * (`droppedOutOfOrder`, AFG_E_SAMPLE_ORDER), never silently.
 *
 * Cost: O(1 + AOIs × vertices) per gaze sample; per frame O(features + AOIs) on most ticks, plus
 * O(window / bucket) when a window moves to a new bucket and an LF/HF spectrum (~45 µs) every 10 s.
 *
 * @example
 *   const f = new WearerFeatures({ wearer: 'dr-19c2', aois: [{ name: 'road_ahead', polygon }] });
 *   f.pushGaze(batch);
 *   const frame = f.frame(tMs); // frame.values[featureIndex('perclos')], frame.quality[...]
 */
export class WearerFeatures {
  readonly wearer: string;
  readonly settings: Readonly<FeatureSettings>;
  readonly perclosWindowMs: number;
  readonly hrvWindowMs: number;
  readonly tickWindowMs: number;
  /** samples dropped because they were not newer than the previous one of their stream */
  droppedOutOfOrder = 0;
  private readonly errors: ErrorCounter | undefined;
  private readonly staleMs: number;
  private readonly gaze: TimeBuckets;
  private readonly validRatioWin: WindowSum;
  private readonly dispersionWin: WindowSum;
  private readonly eyeMoveWin: WindowSum;
  private readonly eye: EyeClosure;
  private readonly blinks: EventWindow;
  private readonly perclos: Perclos;
  private readonly ivt = new IvtFixationSaccade();
  private readonly fixations: EventWindow;
  private readonly saccades: EventWindow;
  private readonly aoi: AoiTracker;
  private readonly aoiNames: readonly string[];
  private readonly road: number;
  private readonly pupil: PupilBaseline;
  private readonly motion: Motion;
  private readonly hrv: RollingHrv;
  private readonly hrvOut = emptyHrv();
  /** the windowed features of the latest refresh step, copied into every frame */
  private readonly slowV = new Float32Array(NF);
  private readonly slowQ = new Uint8Array(NF);
  private slowAoiV = new Float32Array(0);
  private slowAoiQ = new Uint8Array(0);
  private slowStep = NaN;
  private slowT = NaN;
  private readonly reading: PerclosReading = { value: NaN, quality: FeatureQuality.Unknown, seenMs: NaN };
  private readonly blinkScratch = new Float64Array(1024);
  private blinkP90 = NaN;
  private blinkP90Head = -1;
  private blinkP90Tail = -1;
  private lastGazeT = NaN;
  /** per-batch scratch: validity (1 valid, 0 invalid, 2 dropped) and the time each sample stands for */
  private validS = new Uint8Array(64);
  private dtS = new Float64Array(64);
  private hrBpm = NaN;
  private hrT = NaN;
  private hrContact = 0;
  private lastRrT = NaN;
  private ecgPeaks: RPeakDetector | null = null;
  private lastEcgPeakT = NaN;

  constructor(opts: WearerFeaturesOptions) {
    if (!opts || typeof opts.wearer !== 'string' || !opts.wearer) throw new TypeError('WearerFeatures needs a wearer id');
    this.wearer = opts.wearer;
    const legacy: Partial<FeatureSettings> = {};
    if (opts.perclosWindowMs !== undefined) legacy.perclosWindowMs = legacy.eyeMovementWindowMs = opts.perclosWindowMs;
    if (opts.hrvWindowMs !== undefined) legacy.hrvWindowMs = opts.hrvWindowMs;
    if (opts.aoiWindowMs !== undefined) legacy.aoiWindowMs = opts.aoiWindowMs;
    const s = resolveFeatureSettings({ ...legacy, ...opts.settings });
    this.settings = Object.freeze(s);
    this.perclosWindowMs = s.perclosWindowMs;
    this.hrvWindowMs = s.hrvWindowMs;
    this.tickWindowMs = opts.tickWindowMs ?? 100;
    if (!(this.tickWindowMs > 0)) throw new RangeError('tickWindowMs must be positive');
    this.errors = opts.errors;
    this.staleMs = Math.max(1_000, 3 * this.tickWindowMs);
    this.eye = new EyeClosure({ longBlinkMs: s.longBlinkMs });
    this.blinks = this.eye.episodes.window(s.perclosWindowMs, { over: s.longBlinkMs });
    this.perclos = new Perclos({ windowMs: s.perclosWindowMs, minValidShare: s.minValidShare });
    this.fixations = this.ivt.fixations.window(s.eyeMovementWindowMs);
    this.saccades = this.ivt.saccadePeaks.window(s.eyeMovementWindowMs);
    this.aoi = new AoiTracker(opts.aois ?? [], { windowMs: s.aoiWindowMs, longAwayMs: s.longGlanceAwayMs });
    this.aoiNames = Object.freeze([...this.aoi.names]);
    this.road = this.aoi.indexOf('road_ahead');
    this.slowAoiV = new Float32Array(this.aoiNames.length * NA);
    this.slowAoiQ = new Uint8Array(this.aoiNames.length * NA);
    this.gaze = new TimeBuckets({ channels: 6, bucketMs: 250, spanMs: Math.max(s.dispersionWindowMs, s.validRatioWindowMs, s.eyeMovementWindowMs) });
    this.validRatioWin = this.gaze.reader(s.validRatioWindowMs, { from: VALID, to: VALID + 1 });
    this.dispersionWin = this.gaze.reader(s.dispersionWindowMs);
    this.eyeMoveWin = this.gaze.reader(s.eyeMovementWindowMs, { from: VALID, to: VALID + 1 });
    this.pupil = new PupilBaseline({ initialMs: s.pupilBaselineMs });
    this.motion = new Motion({ activityWindowMs: s.activityWindowMs, postureWindowMs: s.postureWindowMs });
    this.hrv = new RollingHrv({ windowMs: s.hrvWindowMs, spectralWindowMs: s.spectralWindowMs, spectralEveryMs: s.spectralEveryMs, phaseMs: phaseOf(this.wearer, s.spectralEveryMs), minValidShare: s.minValidShare });
  }

  /** RR artefact filter (counts accepted / rejected beats). */
  get rrFilter(): RrArtefactFilter {
    return this.hrv.filter;
  }

  /** RR intervals rejected as artefacts so far (ectopic, missed, out of range). */
  get rrRejected(): number {
    return this.hrv.filter.rejected;
  }

  /** Names of the AOIs in FeatureFrame.aoi, in order. */
  get aoiNamesInOrder(): readonly string[] {
    return this.aoiNames;
  }

  /** Completed glances on (or, with away = true, away from) an AOI: end times and durations (ms) after sinceMs, oldest first. */
  glanceHistory(aoi: string, sinceMs: number, out: { t: Float64Array; ms: Float64Array }, away = false): number {
    const k = this.aoi.indexOf(aoi);
    if (k < 0) return 0;
    const ring = (away ? this.aoi.aways : this.aoi.glances)[k]!;
    const n = ring.valuesSince(sinceMs, out.ms);
    for (let i = 0; i < n; i++) out.t[i] = ring.newestTime(n - 1 - i);
    return n;
  }

  /**
   * Gaze in columnar passes: one pass works out validity and the time each sample stands for
   * (and drops out-of-order samples), then each detector runs its own tight loop over the batch
   * (small, fully optimised loops instead of one loop calling five detectors per sample).
   */
  pushGaze(b: GazeBatch): void {
    const n = b.n;
    if (n === 0) return;
    if (this.validS.length < n) {
      let cap = this.validS.length;
      while (cap < n) cap <<= 1;
      this.validS = new Uint8Array(cap);
      this.dtS = new Float64Array(cap);
    }
    const valid = this.validS;
    const dts = this.dtS;
    const T = b.t;
    const X = b.x;
    const Y = b.y;
    const V = b.valid;
    let last = this.lastGazeT;
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      const t = T[i]!;
      if (t <= last) {
        valid[i] = 2; // out-of-order samples would corrupt every detector
        dropped++;
        continue;
      }
      const x = X[i]!;
      const y = Y[i]!;
      const ok = V[i] === 1 && x === x && y === y;
      valid[i] = ok ? 1 : 0;
      // a valid sample stands for the interval since the previous sample (valid or not), capped
      const gap = t - last; // NaN for the very first sample
      dts[i] = ok && gap === gap ? (gap < GAP_CAP_MS ? gap : GAP_CAP_MS) : 0;
      last = t;
    }
    this.lastGazeT = last;
    const eye = this.eye;
    const perclos = this.perclos;
    const O = b.openness;
    for (let i = 0; i < n; i++) {
      const v = valid[i]!;
      if (v === 2) continue;
      const t = T[i]!;
      perclos.observe(t, dts[i]!, eye, eye.sample(t, v === 1, O[i]!));
    }
    this.ivt.pushColumns(T, X, Y, valid, 0, n);
    this.aoi.pushColumns(T, dts, X, Y, valid, 0, n);
    this.pupil.pushColumns(T, b.pupil, valid, 0, n);
    this.accumulateGaze(T, X, Y, dts, valid, n);
    if (dropped > 0) this.drop(dropped);
  }

  /** Validity and dispersion sums per 250 ms bucket, accumulated locally while the bucket stays the same. */
  private accumulateGaze(T: Float64Array, X: Float32Array, Y: Float32Array, dts: Float64Array, valid: Uint8Array, n: number): void {
    const g = this.gaze;
    let i = 0;
    while (i < n && valid[i] !== 1) i++;
    while (i < n) {
      const s = g.slot(T[i]!);
      // end of this sample's bucket (slot -1: older than the ring holds; the sums are dropped)
      const hi = s >= 0 ? g.slotEnd : (Math.floor(T[i]! / g.bucketMs) + 1) * g.bucketMs;
      if (!(T[i]! < hi)) {
        // a time with no bucket end (Infinity, 1e113: beyond float precision) would never be
        // consumed by the loop below and hang the pipeline; it holds no bucket
        i++;
        continue;
      }
      let sv = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sn = 0;
      for (; i < n; i++) {
        if (valid[i] !== 1) continue;
        const t = T[i]!;
        if (t >= hi) break;
        const x = X[i]!;
        const y = Y[i]!;
        sv += dts[i]!;
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sn++;
      }
      g.addAt(s, VALID, sv);
      g.addAt(s, SX, sx);
      g.addAt(s, SY, sy);
      g.addAt(s, SXX, sxx);
      g.addAt(s, SYY, syy);
      g.addAt(s, SN, sn);
    }
  }

  pushHr(b: HrBatch): void {
    for (let i = 0; i < b.n; i++) {
      const t = b.t[i]!;
      if (t < this.hrT) {
        this.drop(1);
        continue;
      }
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
      if (t <= this.lastRrT) {
        this.drop(1);
        continue;
      }
      this.lastRrT = t;
      if (t <= this.hrv.newestBeatT) continue; // already covered by ECG-derived beats (not a drop: the beat is there)
      this.hrv.push(t, b.rrMs[i]!, BeatSource.Strap);
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
    if (!Number.isNaN(this.lastRrT) && t - this.lastRrT < ECG_FILL_IN_MS) return;
    if (t <= this.hrv.newestBeatT) return;
    this.hrv.push(t, t - prev, BeatSource.Ecg);
  }

  pushAcc(b: AccBatch): void {
    this.motion.push(b);
  }

  /** The frame at tMs in arrays of its own (views into a shared slab; they go onto the event bus and may be kept). */
  frame(tMs: number): FeatureFrame {
    const values = slab.f32(NF);
    const quality = slab.u8(NF);
    const f: FeatureFrame = { wearer: this.wearer, t: tMs, values, quality };
    let aoi: AoiFrame | undefined;
    if (this.aoiNames.length > 0) {
      const n = this.aoiNames.length * NA;
      aoi = { names: this.aoiNames, fields: AOI_FEATURE_NAMES, values: slab.f32(n), quality: slab.u8(n) };
      f.aoi = aoi;
    }
    this.frameInto(tMs, values, quality, 0, aoi?.values, aoi?.quality);
    return f;
  }

  /**
   * Writes the frame at tMs into values/quality at `offset` (e.g. a row of a batch tensor for
   * all wearers), and the per-AOI block into aoiValues/aoiQuality when given. Every entry is
   * written: unknown is NaN with quality Unknown.
   *
   * Windowed features (PERCLOS, rates, dispersion, dwell shares, glance history, HRV, motion)
   * change at the resolution of their buckets, so they are computed when tick time enters a new
   * 250 ms step (REFRESH_MS) and copied on the ticks between; what describes the newest sample
   * (eye closed now, in AOI now, current glance, valid share, pupil, strap HR) is computed on
   * every tick. Both depend only on the data and the tick times, never on batch boundaries.
   */
  frameInto(tMs: number, values: Float32Array, quality: Uint8Array, offset = 0, aoiValues?: Float32Array, aoiQuality?: Uint8Array): void {
    const v = offset === 0 && values.length === NF ? values : values.subarray(offset, offset + NF);
    const q = offset === 0 && quality.length === NF ? quality : quality.subarray(offset, offset + NF);
    const step = Math.floor(tMs / REFRESH_MS);
    if (step !== this.slowStep || !(tMs >= this.slowT)) {
      this.slowStep = step;
      this.slowT = tMs;
      this.windowed(tMs);
    }
    v.set(this.slowV);
    q.set(this.slowQ);
    const s = this.settings;

    const vr = this.validRatioWin.read(tMs)[0]! / s.validRatioWindowMs;
    put(v, q, I.gaze_valid_ratio, vr < 1 ? vr : 1, GOOD);
    const fresh = tMs - this.lastGazeT <= this.staleMs;
    if (fresh) put(v, q, I.eye_closed_s, this.eye.currentClosureMs() / 1000, this.eye.source === ClosureSource.Openness ? GOOD : PROXY);
    put(v, q, I.pupil_rel, this.pupil.ratio(tMs), GOOD);

    const nAoi = this.aoiNames.length;
    if (nAoi > 0) {
      const a = this.aoi;
      if (aoiValues && aoiQuality) {
        aoiValues.set(this.slowAoiV);
        aoiQuality.set(this.slowAoiQ);
        if (fresh) {
          for (let k = 0; k < nAoi; k++) {
            const o = k * NA;
            put(aoiValues, aoiQuality, o + A_IN, a.inside(k), GOOD);
            put(aoiValues, aoiQuality, o + A_GLANCE, a.glanceMs(k) / 1000, GOOD);
            put(aoiValues, aoiQuality, o + A_AWAY, a.awayMs(k) / 1000, GOOD);
          }
        }
      }
      const r = this.road;
      if (r >= 0 && fresh) {
        put(v, q, I.aoi_road_ahead_in, a.inside(r), GOOD);
        put(v, q, I.off_road_glance_s, a.awayMs(r) / 1000, GOOD);
        put(v, q, I.aoi_road_ahead_glance_s, a.glanceMs(r) / 1000, GOOD);
      }
    }

    // heart: strap HR, else 60000 / mean NN while beats keep coming (Proxy)
    if (tMs - this.hrT <= HR_STALE_MS) put(v, q, I.hr_bpm, this.hrBpm, GOOD);
    const meanNn = this.slowV[I.mean_nn_ms]!;
    if (!(v[I.hr_bpm]! === v[I.hr_bpm]!) && meanNn === meanNn && this.hrContact !== 1 && tMs - this.hrv.newestBeatT <= HR_STALE_MS) put(v, q, I.hr_bpm, 60_000 / meanNn, PROXY);
  }

  /** The windowed features at tMs into slowV/slowQ (and the windowed AOI fields into slowAoiV/Q). */
  private windowed(tMs: number): void {
    const v = this.slowV.fill(NaN);
    const q = this.slowQ.fill(FeatureQuality.Unknown);
    const s = this.settings;
    const need = s.minValidShare;

    // eye closure: PERCLOS and blink statistics per minute of time the eye was seen
    const p = this.perclos.read(tMs, this.reading);
    put(v, q, I.perclos, p.value, p.quality);
    if (p.quality !== FeatureQuality.Unknown) {
      const bw = this.blinks.update(tMs);
      const perMin = 60_000 / p.seenMs;
      put(v, q, I.blink_rate_per_min, bw.n * perMin, p.quality);
      put(v, q, I.blink_mean_ms, bw.mean, p.quality);
      put(v, q, I.long_blinks_per_min, bw.over * perMin, p.quality);
      if (bw.n >= MIN_BLINKS_FOR_SPREAD) {
        put(v, q, I.blink_sd_ms, bw.sd, p.quality);
        put(v, q, I.blink_p90_ms, this.blinkPercentile90(bw), p.quality);
      }
    }

    // eye movements per minute of valid gaze
    const W = s.eyeMovementWindowMs;
    const validW = this.eyeMoveWin.read(tMs)[0]!;
    if (validW >= need * W) {
      const perMin = 60_000 / validW;
      const fx = this.fixations.update(tMs);
      put(v, q, I.fixation_rate_per_min, fx.n * perMin, GOOD);
      put(v, q, I.fixation_mean_ms, fx.mean, GOOD);
      const sc = this.saccades.update(tMs);
      put(v, q, I.saccade_rate_per_min, sc.n * perMin, GOOD);
      put(v, q, I.saccade_peak_vel_deg_s, sc.mean, GOOD);
    }
    const d = this.dispersionWin.read(tMs);
    const n10 = d[SN]!;
    if (d[VALID]! >= need * s.dispersionWindowMs && n10 >= MIN_DISPERSION_SAMPLES) {
      const mx = d[SX]! / n10;
      const my = d[SY]! / n10;
      const varXY = d[SXX]! / n10 - mx * mx + d[SYY]! / n10 - my * my;
      put(v, q, I.gaze_dispersion_deg, Math.sqrt(varXY > 0 ? varXY : 0), GOOD);
    }

    // areas of interest: dwell share and the glances that ended in the window
    const nAoi = this.aoiNames.length;
    if (nAoi > 0) {
      const a = this.aoi;
      a.readWindow(tMs);
      const enough = a.windowValidMs() >= need * a.windowMs;
      const av = this.slowAoiV.fill(NaN);
      const aq = this.slowAoiQ.fill(FeatureQuality.Unknown);
      for (let k = 0; k < nAoi; k++) {
        const o = k * NA;
        put(av, aq, o + A_SHARE, a.windowDwellShare(k, need), GOOD);
        if (!enough) continue;
        const gw = a.windowGlances(k);
        put(av, aq, o + A_GLANCES, gw.n, GOOD);
        if (gw.n > 0) {
          put(av, aq, o + A_GMEAN, gw.mean / 1000, GOOD);
          put(av, aq, o + A_GMAX, gw.max() / 1000, GOOD);
        }
        const aw = a.windowAways(k);
        put(av, aq, o + A_AMAX, aw.n > 0 ? aw.max() / 1000 : 0, GOOD);
        put(av, aq, o + A_LONG, aw.over, GOOD);
      }
      const r = this.road;
      if (r >= 0) {
        put(v, q, I.aoi_road_ahead_share, av[r * NA + A_SHARE]!, aq[r * NA + A_SHARE] as FeatureQuality);
        put(v, q, I.off_road_glance_max_s, av[r * NA + A_AMAX]!, aq[r * NA + A_AMAX] as FeatureQuality);
        put(v, q, I.off_road_long_glances, av[r * NA + A_LONG]!, aq[r * NA + A_LONG] as FeatureQuality);
      }
    }

    // heart rate variability
    const h = this.hrvOut;
    const tq = this.hrv.timeDomain(tMs, h);
    if (tq !== FeatureQuality.Unknown) {
      put(v, q, I.mean_nn_ms, h.mean_nni, tq);
      put(v, q, I.sdnn_ms, h.sdnn, tq);
      put(v, q, I.rmssd_ms, h.rmssd, tq);
      put(v, q, I.sdsd_ms, h.sdsd, tq);
      put(v, q, I.nn50, h.nni_50, tq);
      put(v, q, I.pnn50_pct, h.pnni_50, tq);
      put(v, q, I.nn20, h.nni_20, tq);
      put(v, q, I.pnn20_pct, h.pnni_20, tq);
      put(v, q, I.sd1_ms, h.sd1, tq);
      put(v, q, I.sd2_ms, h.sd2, tq);
      put(v, q, I.rr_artefact_share, this.hrv.artefactShare, GOOD);
    }
    const sq = this.hrv.spectral(tMs, h);
    if (sq !== FeatureQuality.Unknown) {
      put(v, q, I.lf_ms2, h.lf, sq);
      put(v, q, I.hf_ms2, h.hf, sq);
      put(v, q, I.lf_hf, h.lf_hf, sq);
    }

    put(v, q, I.activity_mg, this.motion.activityMg(tMs), GOOD);
    put(v, q, I.posture_change_deg, this.motion.postureChangeDeg(tMs), GOOD);
  }

  /** 90th percentile of the window's closure durations (linear interpolation, Hyndman & Fan type 7); cached per window content. */
  private blinkPercentile90(bw: EventWindow): number {
    if (bw.head !== this.blinkP90Head || bw.tail !== this.blinkP90Tail) {
      this.blinkP90Head = bw.head;
      this.blinkP90Tail = bw.tail;
      const n = bw.values(this.blinkScratch);
      const sorted = this.blinkScratch.subarray(0, n).sort();
      const h = (n - 1) * 0.9;
      const lo = Math.floor(h);
      this.blinkP90 = lo + 1 < n ? sorted[lo]! + (h - lo) * (sorted[lo + 1]! - sorted[lo]!) : sorted[lo]!;
    }
    return this.blinkP90;
  }

  private drop(n: number): void {
    this.droppedOutOfOrder += n;
    this.errors?.count('AFG_E_SAMPLE_ORDER', n);
  }
}

/** Writes a value with its quality; a non-finite value stays unknown (NaN, Unknown). */
function put(v: Float32Array, q: Uint8Array, i: number, x: number, quality: FeatureQuality): void {
  // finite as a double but beyond float32 (a device sending 3e38) would be stored as Infinity
  if (Math.fround(x) - Math.fround(x) !== 0) return;
  v[i] = x;
  q[i] = quality;
}

/** A stable offset in [0, period) per wearer (FNV-1a of the id), so that spectra are spread over ticks. */
function phaseOf(id: string, period: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h % Math.floor(period);
}
