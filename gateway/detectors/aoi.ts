import type { GazeBatch } from '../core/types.ts';
import { EventRing, type EventWindow } from '../features/event-ring.ts';
import { TimeBuckets, type WindowSum } from '../features/time-buckets.ts';
import { pointInPolygon } from './point-in-polygon.ts';

/** An area of interest from config: a polygon in the device's gaze coordinates. */
export interface AoiDefinition {
  name: string;
  polygon: readonly (readonly [number, number])[];
}

const VALID = 0; // channel 0: valid gaze time; channel 1 + k: time in AOI k

/**
 * Areas of interest: per sample, which polygons the gaze point is in (even-odd rule); per AOI,
 * the dwell share over a window, the glance in progress and the history of completed glances
 * on it and away from it (for "road_ahead": the off-road glances of NHTSA 2013 / ISO 15007).
 *
 * A glance (ISO 15007:2020 terms: the gaze resting in one area, transitions included) starts with
 * the first valid sample in the AOI and ends with the first valid sample outside it. Short
 * invalid runs (<= bridgeMs, default 500 ms: blinks, see eye-closure.ts) do not end a glance,
 * matching the standard's practice of not splitting glances at blinks; a longer run is track
 * loss and makes every AOI state unknown until the gaze is seen again. "In AOI now" is unknown
 * (NaN) whenever the newest sample is invalid: missing data never reads as eyes on road.
 *
 * Window reads (`readWindow`, once per tick) are cached: O(AOIs) per tick, O(60 buckets × AOIs)
 * once per bucket step, O(glances) when a glance enters or leaves the window.
 *
 * Cost: O(AOIs × vertices) per valid sample (a bounding-box test first).
 *
 * @example
 *   const aoi = new AoiTracker([{ name: 'road_ahead', polygon: [[-20,-10],[20,-10],[20,10],[-20,10]] }]);
 *   aoi.push(batch);
 *   aoi.inside(0);          // 1, 0 or NaN (unknown)
 *   aoi.awayMs(0);          // current glance away from road_ahead (ms), 0 when on it
 *   aoi.dwellShare(0, now); // share of valid time on road_ahead over the window
 */
export class AoiTracker {
  readonly names: readonly string[];
  readonly windowMs: number;
  readonly bridgeMs: number;
  /** glances away from an AOI longer than this are long (ms) */
  readonly longAwayMs: number;
  /** completed glances per AOI: end time, duration (ms) */
  readonly glances: readonly EventRing[];
  /** completed glances away from each AOI (left it, came back): end time, duration (ms) */
  readonly aways: readonly EventRing[];
  private readonly glanceWin: readonly EventWindow[];
  private readonly awayWin: readonly EventWindow[];
  private readonly dwell: WindowSum;
  /** dwell sums of the bucket being filled, not yet in the ring: [pendLo, pendHi) */
  private readonly pend: Float64Array;
  private pendLo = Infinity;
  private pendHi = -Infinity;
  private readonly polys: Float64Array[];
  private readonly boxes: Float64Array; // minX, minY, maxX, maxY per AOI: a cheap reject
  /** per AOI: 1 when the polygon is its own bounding box (an axis-aligned rectangle): no crossing test */
  private readonly rect: Uint8Array;
  private readonly buckets: TimeBuckets;
  /** per AOI: 1 in, 0 out, NaN unknown (held through short gaps) */
  private readonly state: Float64Array;
  /** per AOI: time of the first sample of the current in/out run */
  private readonly since: Float64Array;
  private lastT = NaN;
  private lastValidT = NaN;
  private lastValid = false;

  constructor(aois: readonly AoiDefinition[], opts: { windowMs?: number; bridgeMs?: number; glanceCapacity?: number; bucketMs?: number; longAwayMs?: number } = {}) {
    this.windowMs = opts.windowMs ?? 30_000;
    this.bridgeMs = opts.bridgeMs ?? 500;
    this.longAwayMs = opts.longAwayMs ?? 2_000;
    if (!(this.longAwayMs > 0)) throw new RangeError('AOI longAwayMs must be positive');
    if (!(this.windowMs >= 1000)) throw new RangeError('AOI windowMs must be >= 1 s');
    if (!(this.bridgeMs >= 0)) throw new RangeError('AOI bridgeMs must be >= 0');
    const seen = new Set<string>();
    this.polys = aois.map((a) => {
      if (!a.name || seen.has(a.name)) throw new RangeError(`AOI name '${a.name}' is empty or repeated`);
      seen.add(a.name);
      if (!Array.isArray(a.polygon) || a.polygon.length < 3) throw new RangeError(`AOI '${a.name}' needs a polygon of at least 3 points`);
      const xy = new Float64Array(a.polygon.length * 2);
      a.polygon.forEach((p, i) => {
        if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) throw new RangeError(`AOI '${a.name}' point ${i} is not finite`);
        xy[2 * i] = p[0];
        xy[2 * i + 1] = p[1];
      });
      return xy;
    });
    this.names = aois.map((a) => a.name);
    const n = this.polys.length;
    this.boxes = new Float64Array(4 * n);
    this.polys.forEach((xy, k) => {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (let i = 0; i < xy.length; i += 2) {
        x0 = Math.min(x0, xy[i]!);
        x1 = Math.max(x1, xy[i]!);
        y0 = Math.min(y0, xy[i + 1]!);
        y1 = Math.max(y1, xy[i + 1]!);
      }
      this.boxes.set([x0, y0, x1, y1], 4 * k);
    });
    this.rect = Uint8Array.from(this.polys, (xy, k) => (isBoxItself(xy, this.boxes, 4 * k) ? 1 : 0));
    this.glances = this.polys.map(() => new EventRing(opts.glanceCapacity ?? 512));
    this.aways = this.polys.map(() => new EventRing(opts.glanceCapacity ?? 512));
    this.glanceWin = this.glances.map((r) => r.window(this.windowMs));
    this.awayWin = this.aways.map((r) => r.window(this.windowMs, { over: this.longAwayMs }));
    // window / 60 buckets (500 ms for 30 s): edge resolution under 2% of the window, cheap reads
    this.buckets = new TimeBuckets({ channels: 1 + n, bucketMs: opts.bucketMs ?? this.windowMs / 60, spanMs: this.windowMs });
    this.dwell = this.buckets.reader(this.windowMs);
    this.pend = new Float64Array(1 + n);
    this.state = new Float64Array(n).fill(NaN);
    this.since = new Float64Array(n).fill(NaN);
  }

  /** Index of an AOI by name, -1 when not configured. */
  indexOf(name: string): number {
    return this.names.indexOf(name);
  }

  get count(): number {
    return this.polys.length;
  }

  /** Feeds one sample standing for dtMs of time (time order; non-increasing times ignored). */
  sample(t: number, dtMs: number, x: number, y: number, valid: boolean): void {
    if (t <= this.lastT) return;
    this.lastT = t;
    const n = this.polys.length;
    if (!valid || x !== x || y !== y) {
      this.lastValid = false;
      if (!(t - this.lastValidT <= this.bridgeMs)) {
        // track loss: a glance whose end was not seen is not recorded
        for (let k = 0; k < n; k++) {
          this.state[k] = NaN;
          this.since[k] = NaN;
        }
      }
      return;
    }
    this.lastValid = true;
    this.lastValidT = t;
    // dwell sums build up locally while the bucket stays the same (one ring write per bucket)
    if (!(t >= this.pendLo && t < this.pendHi)) this.startBucket(t);
    const pend = this.pend;
    pend[VALID]! += dtMs;
    const box = this.boxes;
    for (let k = 0; k < n; k++) {
      const q = 4 * k;
      const inside = x >= box[q]! && x <= box[q + 2]! && y >= box[q + 1]! && y <= box[q + 3]! && (this.rect[k] === 1 ? x < box[q + 2]! && y < box[q + 3]! : pointInPolygon(x, y, this.polys[k]!)) ? 1 : 0;
      if (inside === 1) pend[1 + k]! += dtMs;
      const prev = this.state[k]!;
      if (prev === inside) continue;
      if (prev === 1) this.glances[k]!.push(t, t - this.since[k]!);
      else if (prev === 0) this.aways[k]!.push(t, t - this.since[k]!);
      this.state[k] = inside;
      this.since[k] = t;
    }
  }

  /**
   * Feeds samples [from, to) of columns whose validity and time weights are already worked out
   * (valid[i] = 1 valid, 0 invalid, 2 skip; dt[i] the time a valid sample stands for): the
   * shape WearerFeatures uses, one tight loop per detector.
   */
  pushColumns(T: Float64Array, dt: Float64Array, X: Float32Array, Y: Float32Array, valid: Uint8Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const v = valid[i]!;
      if (v !== 2) this.sample(T[i]!, dt[i]!, X[i]!, Y[i]!, v === 1);
    }
  }

  /** Feeds a columnar batch; each valid sample stands for the time since the previous sample, capped at capMs. */
  push(b: GazeBatch, capMs = 50): void {
    for (let i = 0; i < b.n; i++) {
      const t = b.t[i]!;
      const dt = t > this.lastT ? Math.min(capMs, t - this.lastT) : 0;
      this.sample(t, dt, b.x[i]!, b.y[i]!, b.valid[i] === 1);
    }
  }

  /** 1 when the newest sample is in AOI k, 0 when not, NaN when the newest sample is invalid. */
  inside(k: number): number {
    return this.lastValid ? this.state[k]! : NaN;
  }

  /** Duration of the glance in progress on AOI k (ms, to the newest sample); 0 when outside; NaN unknown. */
  glanceMs(k: number): number {
    const s = this.state[k]!;
    if (s !== s) return NaN;
    return s === 1 ? this.lastT - this.since[k]! : 0;
  }

  /** How long the gaze has been away from AOI k (ms, to the newest sample); 0 when in it; NaN unknown. */
  awayMs(k: number): number {
    const s = this.state[k]!;
    if (s !== s) return NaN;
    return s === 0 ? this.lastT - this.since[k]! : 0;
  }

  /** Share of valid gaze time in AOI k over the window; NaN when less than minValidShare was valid. */
  dwellShare(k: number, nowMs: number, minValidShare = 0.2): number {
    this.readWindow(nowMs);
    return this.windowDwellShare(k, minValidShare);
  }

  /** Valid gaze time in the window (ms). */
  validMs(nowMs: number): number {
    this.flush();
    return this.dwell.read(nowMs)[VALID]!;
  }

  private startBucket(t: number): void {
    this.flush();
    const bucketMs = this.buckets.bucketMs;
    this.pendLo = Math.floor(t / bucketMs) * bucketMs;
    this.pendHi = this.pendLo + bucketMs;
  }

  /** Writes the pending dwell sums into their bucket (before every read). */
  private flush(): void {
    const p = this.pend;
    if (p[VALID] === 0) return; // in-AOI time is part of valid time: nothing pending
    const b = this.buckets;
    const slot = b.slot(this.pendLo);
    for (let c = 0; c < p.length; c++) b.addAt(slot, c, p[c]!);
    p.fill(0);
  }

  /**
   * Brings the window statistics up to `nowMs` (call once per tick, then use the window*
   * accessors): dwell sums and the glances on / away from each AOI that ended in (now - window, now].
   */
  readWindow(nowMs: number): void {
    this.flush();
    this.dwell.read(nowMs);
    for (let k = 0; k < this.polys.length; k++) {
      this.glanceWin[k]!.update(nowMs);
      this.awayWin[k]!.update(nowMs);
    }
  }

  /** After readWindow: valid gaze time in the window (ms). */
  windowValidMs(): number {
    return this.dwell.out[VALID]!;
  }

  /** After readWindow: dwell share of AOI k; NaN when less than minValidShare of the window was valid. */
  windowDwellShare(k: number, minValidShare: number): number {
    const v = this.dwell.out[VALID]!;
    if (!(v >= minValidShare * this.windowMs) || v <= 0) return NaN;
    return Math.min(1, this.dwell.out[1 + k]! / v);
  }

  /** After readWindow: completed glances on AOI k in the window (count, mean and max duration in ms). */
  windowGlances(k: number): EventWindow {
    return this.glanceWin[k]!;
  }

  /** After readWindow: completed glances away from AOI k in the window (`over`: longer than longAwayMs). */
  windowAways(k: number): EventWindow {
    return this.awayWin[k]!;
  }
}

/**
 * True when a 4-vertex polygon is an axis-aligned rectangle equal to its bounding box. Then
 * [minX, maxX) × [minY, maxY) decides, which is exactly what the crossing test gives for such a
 * rectangle (left and bottom edges in, right and top edges out), without its loop.
 */
function isBoxItself(xy: Float64Array, box: Float64Array, q: number): boolean {
  if (xy.length !== 8) return false;
  for (let i = 0; i < 8; i += 2) {
    const onX = xy[i] === box[q] || xy[i] === box[q + 2];
    const onY = xy[i + 1] === box[q + 1] || xy[i + 1] === box[q + 3];
    if (!onX || !onY) return false;
  }
  // four corners, all distinct
  const seen = new Set<string>();
  for (let i = 0; i < 8; i += 2) seen.add(`${xy[i]},${xy[i + 1]}`);
  return seen.size === 4 && box[q]! < box[q + 2]! && box[q + 1]! < box[q + 3]!;
}
