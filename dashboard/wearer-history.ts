import type { EventBus } from '../gateway/core/event-bus.ts';
import { featureIndex } from '../gateway/features/feature-names.ts';

/** The derived series the wearer detail plots, in column order. Units in the names. */
export const HISTORY_SERIES = ['score', 'perclos', 'blink_rate_per_min', 'hr_bpm', 'rmssd_ms'] as const;
export type HistorySeries = (typeof HISTORY_SERIES)[number];

/** Columns of one wearer's history: epoch ms, then one array per series, null where unknown. */
export interface WearerHistoryColumns {
  wearer: string;
  periodMs: number;
  t: number[];
  series: Record<HistorySeries, (number | null)[]>;
}

export interface FloorHistoryOptions {
  bus: EventBus;
  wearers: readonly string[];
  /** one row per wearer per this period, ms (sample-and-hold of the latest values) */
  periodMs?: number;
  /** how far back rows are kept, ms */
  windowMs?: number;
  /** gateway monotonic ms -> epoch ms, for the time axis */
  toEpochMs?: (t: number) => number;
}

const FEATURE_COLUMNS: readonly [number, string][] = (['perclos', 'blink_rate_per_min', 'hr_bpm', 'rmssd_ms'] as const).map((n, i) => [i + 1, n]);

/**
 * A bounded per-wearer history of derived values (attention score, PERCLOS, blink rate, heart
 * rate, RMSSD) for the dashboard's 15-minute charts, kept from the bus's `estimate` and
 * `features` events. Values arrive every tick (20 Hz); one row per `periodMs` is committed with
 * the latest value of each series (sample and hold), into columnar typed-array rings: no
 * per-sample object, and memory is fixed at start — rows × (8 + 4 · series) bytes per wearer
 * (900 rows: 25 KB per wearer, 5 MB for 200). Unknown is NaN inside and null outside, never 0.
 * Only configured wearers are kept: an unknown id on the bus does not grow memory.
 * Cost: O(1) per event (a few float copies); O(rows) per read.
 *
 * @example
 *   const history = new FloorHistory({ bus, wearers: ['op-7f3a'], toEpochMs });
 *   history.columns('op-7f3a'); // { t: [...], series: { score: [...], ... } }
 */
export class FloorHistory {
  readonly periodMs: number;
  readonly rows: number;
  private readonly rings = new Map<string, Ring>();
  private readonly toEpochMs: (t: number) => number;
  private readonly unsubscribe: (() => void)[];
  private readonly featureIdx: readonly [number, number][];

  constructor(opts: FloorHistoryOptions) {
    this.periodMs = opts.periodMs ?? 1000;
    const windowMs = opts.windowMs ?? 15 * 60_000;
    if (!(this.periodMs >= 10) || !(windowMs >= this.periodMs)) throw new RangeError('FloorHistory: periodMs must be >= 10 and windowMs >= periodMs');
    this.rows = Math.ceil(windowMs / this.periodMs);
    this.toEpochMs = opts.toEpochMs ?? ((t) => t);
    for (const w of opts.wearers) this.rings.set(w, new Ring(this.rows, HISTORY_SERIES.length));
    this.featureIdx = FEATURE_COLUMNS.map(([col, name]) => [col, featureIndex(name)]);
    this.unsubscribe = [
      opts.bus.on('estimate', (e) => {
        const r = this.rings.get(e.wearer);
        if (!r) return;
        r.latest[0] = e.score ?? Number.NaN;
        this.maybeCommit(r, e.t);
      }),
      opts.bus.on('features', (f) => {
        const r = this.rings.get(f.wearer);
        if (!r) return;
        for (const [col, idx] of this.featureIdx) r.latest[col] = f.values[idx] ?? Number.NaN; // NaN = unknown, kept as such
        // the pipeline emits features, then the estimate of the same tick: the estimate commits the
        // row, so both are current; features commit only when estimates stopped for a whole period
        if (r.nextAt === Number.NEGATIVE_INFINITY) r.nextAt = f.t;
        else if (f.t >= r.nextAt + this.periodMs) this.maybeCommit(r, f.t);
      }),
    ];
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  has(wearer: string): boolean {
    return this.rings.has(wearer);
  }

  /** The wearer's rows, oldest first, or null for a wearer that is not configured. */
  columns(wearer: string): WearerHistoryColumns | null {
    const r = this.rings.get(wearer);
    if (!r) return null;
    const n = r.count;
    const t: number[] = new Array(n);
    const series = Object.fromEntries(HISTORY_SERIES.map((s) => [s, new Array<number | null>(n)])) as Record<HistorySeries, (number | null)[]>;
    const start = (r.head - n + r.cap) % r.cap;
    for (let i = 0; i < n; i++) {
      const row = (start + i) % r.cap;
      t[i] = Math.round(this.toEpochMs(r.t[row]!));
      HISTORY_SERIES.forEach((s, c) => {
        const v = r.values[row * r.width + c]!;
        series[s][i] = Number.isNaN(v) ? null : Math.round(v * 1000) / 1000;
      });
    }
    return { wearer, periodMs: this.periodMs, t, series };
  }

  private maybeCommit(r: Ring, t: number): void {
    if (t < r.nextAt) return;
    r.push(t);
    r.nextAt = (Math.floor(t / this.periodMs) + 1) * this.periodMs;
  }
}

/** Fixed-size columnar ring: one time column and `width` float columns per row. */
class Ring {
  readonly cap: number;
  readonly width: number;
  readonly t: Float64Array;
  readonly values: Float32Array;
  readonly latest: Float32Array;
  head = 0;
  count = 0;
  nextAt = Number.NEGATIVE_INFINITY;

  constructor(cap: number, width: number) {
    this.cap = cap;
    this.width = width;
    this.t = new Float64Array(cap);
    this.values = new Float32Array(cap * width);
    this.latest = new Float32Array(width).fill(Number.NaN);
  }

  push(t: number): void {
    this.t[this.head] = t;
    this.values.set(this.latest, this.head * this.width);
    this.head = (this.head + 1) % this.cap;
    if (this.count < this.cap) this.count++;
  }
}
