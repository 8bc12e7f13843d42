import type { AccBatch, FeatureFrame, GazeBatch, HrBatch, RrBatch } from '../core/types.ts';
import { FeatureQuality } from '../core/types.ts';
import { EyeClosure } from '../detectors/eye-closure.ts';
import { pointInPolygon } from '../detectors/point-in-polygon.ts';
import { VelocityEvents } from '../detectors/velocity-events.ts';
import { RrArtefactFilter } from '../hrv/rr-artefacts.ts';
import { EventRing } from './event-ring.ts';
import { FEATURE_NAMES, featureIndex } from './feature-names.ts';
import { TimeBuckets } from './time-buckets.ts';

export interface AoiPolygon {
  name: string;
  polygon: readonly (readonly [number, number])[];
}

// gaze bucket channels
const VALID = 0;
const CLOSED = 1;
const ROAD = 2;
const PUPIL_SUM = 3;
const PUPIL_N = 4;
const X = 5;
const Y = 6;
const XX = 7;
const YY = 8;
const XY_N = 9;
const GAZE_CHANNELS = 10;
// acc bucket channels
const ACT_SUM = 0;
const ACC_N = 1;
const GX = 2;
const GY = 3;
const GZ = 4;

const I = Object.fromEntries(FEATURE_NAMES.map((n) => [n, featureIndex(n)])) as Record<(typeof FEATURE_NAMES)[number], number>;

/**
 * Per-wearer features over configurable windows, fed by gateway-time batches in time order and
 * read once per tick. Detectors run sample by sample with state across batches; windowed sums
 * live in time buckets, events in small rings: no per-sample objects, no wall-clock reads.
 * A window with too little valid data yields NaN with quality Unknown, never a made-up number.
 *
 * Cost: O(1) per sample; O(window / 250 ms + events in window) per frame.
 *
 * @example
 *   const f = new WearerFeatures({ wearer: 'dr-19c2', aois: [{ name: 'road_ahead', polygon }] });
 *   f.pushGaze(batch);
 *   const frame = f.frame(tMs);
 */
export class WearerFeatures {
  readonly wearer: string;
  private readonly perclosWindowMs: number;
  private readonly hrvWindowMs: number;
  private readonly validWindowMs: number;
  private readonly road: Float64Array | null;
  private readonly gaze: TimeBuckets;
  private readonly acc = new TimeBuckets({ channels: 5, bucketMs: 250, spanMs: 10_000 });
  private readonly eye = new EyeClosure();
  private readonly ivt = new VelocityEvents();
  private readonly rrFilter = new RrArtefactFilter();
  private readonly nn = new EventRing(1024);
  private readonly nnScratch = new Float64Array(1024);
  private readonly stats = { n: 0, sum: 0, max: 0, over: 0 };
  private lastGazeT = NaN;
  private firstGazeT = NaN;
  private lastValid = false;
  private inRoad = NaN;
  private lastInRoadT = NaN;
  private pupilBaseline = NaN;
  private pupilBaselineT = NaN;
  private hrBpm = NaN;
  private hrT = NaN;
  private hrContact = 0;

  constructor(opts: { wearer: string; aois?: readonly AoiPolygon[]; perclosWindowMs?: number; hrvWindowMs?: number; validWindowMs?: number; tickWindowMs?: number }) {
    if (!opts.wearer) throw new TypeError('WearerFeatures needs a wearer id');
    this.wearer = opts.wearer;
    this.perclosWindowMs = opts.perclosWindowMs ?? 60_000;
    this.hrvWindowMs = opts.hrvWindowMs ?? 60_000;
    this.validWindowMs = opts.validWindowMs ?? 1000;
    if (!(this.perclosWindowMs >= 10_000 && this.hrvWindowMs >= 10_000)) throw new RangeError('feature windows must be >= 10 s');
    const road = opts.aois?.find((a) => a.name === 'road_ahead');
    this.road = road ? Float64Array.from(road.polygon.flat()) : null;
    this.gaze = new TimeBuckets({ channels: GAZE_CHANNELS, bucketMs: 250, spanMs: Math.max(this.perclosWindowMs, 30_000) });
  }

  pushGaze(b: GazeBatch): void {
    const g = this.gaze;
    for (let i = 0; i < b.n; i++) {
      const t = b.t[i]!;
      if (t <= this.lastGazeT) continue; // out-of-order samples would corrupt every detector
      // a sample stands for the time since the previous one, up to 50 ms (beyond that it is a gap)
      const dt = Number.isNaN(this.lastGazeT) ? 0 : Math.min(50, t - this.lastGazeT);
      if (Number.isNaN(this.firstGazeT)) this.firstGazeT = t;
      this.lastGazeT = t;
      const valid = b.valid[i] === 1;
      const x = b.x[i]!;
      const y = b.y[i]!;
      const closed = this.eye.sample(t, valid, b.openness[i]!);
      if (!Number.isNaN(this.eye.proxyStart)) g.add(t, CLOSED, this.eye.proxyEnd - this.eye.proxyStart);
      this.ivt.sample(t, x, y, valid);
      this.lastValid = valid && !Number.isNaN(x);
      if (!this.lastValid) continue;
      g.add(t, VALID, dt);
      if (closed) g.add(t, CLOSED, dt);
      const p = b.pupil[i]!;
      if (!Number.isNaN(p)) {
        g.add(t, PUPIL_SUM, p);
        g.add(t, PUPIL_N, 1);
      }
      g.add(t, X, x);
      g.add(t, Y, y);
      g.add(t, XX, x * x);
      g.add(t, YY, y * y);
      g.add(t, XY_N, 1);
      if (this.road) {
        const inside = pointInPolygon(x, y, this.road);
        this.inRoad = inside ? 1 : 0;
        if (inside) {
          this.lastInRoadT = t;
          g.add(t, ROAD, dt);
        } else if (Number.isNaN(this.lastInRoadT)) {
          this.lastInRoadT = t; // away since the first sample seen
        }
      }
    }
  }

  pushHr(b: HrBatch): void {
    for (let i = 0; i < b.n; i++) {
      this.hrT = b.t[i]!;
      this.hrContact = b.contact[i]!;
      // no skin contact: the strap's number is not a heart rate (never report 0 bpm as real)
      this.hrBpm = b.contact[i] === 1 || !(b.bpm[i]! > 0) ? NaN : b.bpm[i]!;
    }
  }

  pushRr(b: RrBatch): void {
    for (let i = 0; i < b.n; i++) if (this.rrFilter.accept(b.rrMs[i]!)) this.nn.push(b.t[i]!, b.rrMs[i]!);
  }

  pushAcc(b: AccBatch): void {
    const a = this.acc;
    for (let i = 0; i < b.n; i++) {
      const t = b.t[i]!;
      const x = b.x[i]!;
      const y = b.y[i]!;
      const z = b.z[i]!;
      if (Number.isNaN(x + y + z)) continue;
      a.add(t, ACT_SUM, Math.abs(Math.sqrt(x * x + y * y + z * z) - 1000));
      a.add(t, ACC_N, 1);
      a.add(t, GX, x);
      a.add(t, GY, y);
      a.add(t, GZ, z);
    }
  }

  frame(tMs: number): FeatureFrame {
    const values = new Float32Array(FEATURE_NAMES.length).fill(NaN);
    const quality = new Uint8Array(FEATURE_NAMES.length);
    const set = (i: number, v: number, q: FeatureQuality = FeatureQuality.Good) => {
      if (Number.isNaN(v) || !Number.isFinite(v)) return;
      values[i] = v;
      quality[i] = q;
    };
    const g = this.gaze;
    const W = this.perclosWindowMs;
    const validRecent = g.sum(tMs, this.validWindowMs, VALID);
    set(I.gaze_valid_ratio, Math.min(1, validRecent / this.validWindowMs));

    const validW = g.sum(tMs, W, VALID);
    const enough = validW >= 0.5 * W;
    const eyeQ = this.eye.usesOpenness ? FeatureQuality.Good : FeatureQuality.Proxy;
    if (enough) {
      set(I.perclos, Math.min(1, g.sum(tMs, W, CLOSED) / validW), eyeQ);
      const perMin = 60_000 / validW;
      this.eye.episodes.stats(tMs - W, this.stats, EyeClosure.LONG_BLINK_MS);
      set(I.blink_rate_per_min, this.stats.n * perMin, eyeQ);
      if (this.stats.n > 0) set(I.blink_mean_ms, this.stats.sum / this.stats.n, eyeQ);
      set(I.long_blinks_per_min, this.stats.over * perMin, eyeQ);
      this.ivt.fixations.stats(tMs - W, this.stats);
      set(I.fixation_rate_per_min, this.stats.n * perMin);
      if (this.stats.n > 0) set(I.fixation_mean_ms, this.stats.sum / this.stats.n);
      this.ivt.saccades.stats(tMs - W, this.stats);
      set(I.saccade_rate_per_min, this.stats.n * perMin);
      if (this.stats.n > 0) set(I.saccade_peak_vel_deg_s, this.stats.sum / this.stats.n);
    }
    const closure = this.eye.currentClosureMs();
    set(I.eye_closed_s, closure / 1000, eyeQ);

    const n10 = g.sum(tMs, 10_000, XY_N);
    if (n10 >= 10) {
      const mx = g.sum(tMs, 10_000, X) / n10;
      const my = g.sum(tMs, 10_000, Y) / n10;
      const v = g.sum(tMs, 10_000, XX) / n10 - mx * mx + g.sum(tMs, 10_000, YY) / n10 - my * my;
      set(I.gaze_dispersion_deg, Math.sqrt(Math.max(0, v)));
    }
    set(I.pupil_rel, this.pupilRelative(tMs));

    if (this.road) {
      const valid30 = g.sum(tMs, 30_000, VALID);
      if (valid30 >= 5_000) set(I.aoi_road_ahead_share, g.sum(tMs, 30_000, ROAD) / valid30);
      if (this.lastValid && !Number.isNaN(this.inRoad)) {
        set(I.aoi_road_ahead_in, this.inRoad);
        set(I.off_road_glance_s, this.inRoad === 1 ? 0 : (this.lastGazeT - this.lastInRoadT) / 1000);
      }
    }

    if (tMs - this.hrT <= 5_000) set(I.hr_bpm, this.hrBpm);
    const nBeats = this.nn.valuesSince(tMs - this.hrvWindowMs, this.nnScratch);
    if (nBeats >= 30) {
      let s = 0;
      for (let i = 0; i < nBeats; i++) s += this.nnScratch[i]!;
      const mean = s / nBeats;
      let ss = 0;
      let ds = 0;
      for (let i = 0; i < nBeats; i++) {
        ss += (this.nnScratch[i]! - mean) ** 2;
        if (i > 0) ds += (this.nnScratch[i]! - this.nnScratch[i - 1]!) ** 2;
      }
      set(I.sdnn_ms, Math.sqrt(ss / (nBeats - 1)));
      set(I.rmssd_ms, Math.sqrt(ds / (nBeats - 1)));
      if (Number.isNaN(values[I.hr_bpm]!) && this.hrContact !== 1) set(I.hr_bpm, 60_000 / mean, FeatureQuality.Proxy);
    }

    const a = this.acc;
    const nAcc = a.sum(tMs, 5_000, ACC_N);
    if (nAcc >= 10) set(I.activity_mg, a.sum(tMs, 5_000, ACT_SUM) / nAcc);
    const n1 = a.sum(tMs, 2_000, ACC_N);
    const n0 = a.sum(tMs - 2_000, 2_000, ACC_N);
    if (n1 >= 5 && n0 >= 5) {
      const ax = a.sum(tMs, 2_000, GX) / n1;
      const ay = a.sum(tMs, 2_000, GY) / n1;
      const az = a.sum(tMs, 2_000, GZ) / n1;
      const bx = a.sum(tMs - 2_000, 2_000, GX) / n0;
      const by = a.sum(tMs - 2_000, 2_000, GY) / n0;
      const bz = a.sum(tMs - 2_000, 2_000, GZ) / n0;
      const cos = (ax * bx + ay * by + az * bz) / (Math.hypot(ax, ay, az) * Math.hypot(bx, by, bz));
      set(I.posture_change_deg, (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI);
    }
    return { wearer: this.wearer, t: tMs, values, quality };
  }

  /**
   * Pupil relative to the wearer's own baseline: the baseline starts as the mean of the first
   * 5 s of valid pupil data and then follows slowly (time constant 5 min), so sustained load
   * shows as a ratio above 1 for minutes (task-evoked responses are seconds long, Beatty 1982).
   */
  private pupilRelative(tMs: number): number {
    const g = this.gaze;
    const n5 = g.sum(tMs, 5_000, PUPIL_N);
    if (n5 < 10) return NaN;
    const recent = g.sum(tMs, 5_000, PUPIL_SUM) / n5;
    if (Number.isNaN(this.pupilBaseline)) {
      if (tMs - this.firstGazeT < 5_000) return NaN;
      this.pupilBaseline = recent;
      this.pupilBaselineT = tMs;
      return 1;
    }
    const dt = Math.max(0, tMs - this.pupilBaselineT);
    this.pupilBaselineT = tMs;
    this.pupilBaseline += (recent - this.pupilBaseline) * (1 - Math.exp(-dt / 300_000));
    return recent / this.pupilBaseline;
  }
}
