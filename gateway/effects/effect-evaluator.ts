import type { EffectRecord, WindowMetrics } from './effect-record.ts';

export interface EffectSettings {
  /** window before the intervention (s) */
  beforeS: number;
  /** window after it (s), starting `delayS` after it (a break's length; 0 for an ack) */
  afterS: number;
  /** a window whose known score covers less than this share gives null metrics (ratio) */
  minCoverage: number;
  /** feedback: shrinkage prior (samples), the score gain that counts as a full effect, and the largest factor */
  priorN: number;
  scale: number;
  maxFactor: number;
}

export const EFFECT_SETTINGS: EffectSettings = {
  // 10 min before vs 10 min after (issue 7 §4's example for breaks)
  beforeS: 600,
  afterS: 600,
  minCoverage: 0.5,
  priorN: 5,
  scale: 0.1,
  maxFactor: 1.5,
};

/** One line of the summary: an intervention kind at a station (station null: all stations). */
export interface EffectSummaryRow {
  kind: string;
  station: string | null;
  /** interventions measured (both windows known) */
  n: number;
  /** interventions recorded, measured or not */
  recorded: number;
  meanScoreBefore: number | null;
  meanScoreAfter: number | null;
  meanDeltaScore: number | null;
  meanDeltaPerclos: number | null;
}

export interface EffectStart {
  /** decision id or alert id */
  id: string;
  kind: string;
  wearer: string;
  station: string | null;
  /** gateway ms when it took effect */
  tMs: number;
  /** the after window starts this long after tMs (s) */
  delayS: number;
}

interface Pending extends EffectStart {
  before: WindowMetrics;
  dueMs: number;
}

interface Agg {
  recorded: number;
  n: number;
  before: number;
  after: number;
  dScore: number;
  nPerclos: number;
  dPerclos: number;
}

/**
 * Closes the loop (issue 7 §4): for every intervention (an accepted decision, an acknowledged
 * alert) it measures the wearer's mean attention score and PERCLOS in a window before and a
 * window after, records the difference, and aggregates per intervention kind and station.
 * `summary()` is what the dashboard serves; `factor(kind, station)` is what the scheduler
 * uses to prefer interventions that work.
 *
 * Metrics are kept per wearer in 1-s bins in a ring long enough for either window, so the
 * before window can be read at the moment of the intervention and the after window when it
 * has passed. An unknown tick (sensor lost) adds nothing: a window that is mostly unknown
 * gives null, never a made-up value.
 *
 * Feedback: the mean score gain of a (kind, station) pair, shrunk toward 0 by priorN prior
 * samples (mean x n / (n + priorN)), becomes the factor 1 + gain / scale, clipped to
 * [1 / maxFactor, maxFactor]; with no data at the station the kind's fleet-wide figure is used,
 * with none at all 1.
 *
 * Cost: O(1) per observation; O(window s) per intervention; memory 4 x (window s) numbers per wearer.
 *
 * @example
 *   const fx = new EffectEvaluator({ wearers, toEpochMs, onRecord: (r) => store.recordEffect(r) });
 *   fx.observeScore('op-7f3a', tMs, 0.82);
 *   fx.begin({ id: 'dc-1', kind: 'break', wearer: 'op-7f3a', station: 'st-01', tMs, delayS: 300 });
 *   fx.step(laterMs); // records when the after window has passed
 *   fx.summary();
 */
export class EffectEvaluator {
  readonly settings: EffectSettings;
  private readonly index = new Map<string, number>();
  private readonly ring: number;
  private readonly stamp: Int32Array[];
  private readonly sScore: Float64Array[];
  private readonly nScore: Uint16Array[];
  private readonly sPerclos: Float64Array[];
  private readonly nPerclos: Uint16Array[];
  private readonly pending: Pending[] = [];
  private readonly agg = new Map<string, Agg>();
  private readonly toEpochMs: (t: number) => number;
  private readonly onRecord: ((r: EffectRecord) => void) | undefined;
  private readonly maxDelayS: number;

  constructor(o: { wearers: readonly string[]; toEpochMs: (t: number) => number; settings?: Partial<EffectSettings>; onRecord?: (r: EffectRecord) => void; history?: readonly EffectRecord[]; maxDelayS?: number }) {
    this.settings = { ...EFFECT_SETTINGS, ...o.settings };
    const S = this.settings;
    if (!(S.beforeS > 0 && S.afterS > 0) || !(S.minCoverage >= 0 && S.minCoverage <= 1) || !(S.scale > 0) || !(S.maxFactor >= 1) || !(S.priorN >= 0)) {
      throw new RangeError('effects: beforeS, afterS, scale > 0; minCoverage in 0..1; maxFactor >= 1; priorN >= 0');
    }
    this.maxDelayS = o.maxDelayS ?? 3600;
    // one bin per second for the longer window, plus slack for a step that comes late
    this.ring = Math.ceil(Math.max(S.beforeS, S.afterS)) + 120;
    o.wearers.forEach((w, i) => this.index.set(w, i));
    const n = o.wearers.length;
    this.stamp = Array.from({ length: n }, () => new Int32Array(this.ring).fill(-1));
    this.sScore = Array.from({ length: n }, () => new Float64Array(this.ring));
    this.nScore = Array.from({ length: n }, () => new Uint16Array(this.ring));
    this.sPerclos = Array.from({ length: n }, () => new Float64Array(this.ring));
    this.nPerclos = Array.from({ length: n }, () => new Uint16Array(this.ring));
    this.toEpochMs = o.toEpochMs;
    this.onRecord = o.onRecord;
    for (const r of o.history ?? []) this.aggregate(r);
  }

  observeScore(wearer: string, tMs: number, score: number | null): void {
    if (score === null || !Number.isFinite(score)) return;
    const i = this.index.get(wearer);
    if (i === undefined) return;
    const k = this.slot(i, tMs);
    this.sScore[i]![k] += score;
    this.nScore[i]![k]++;
  }

  observePerclos(wearer: string, tMs: number, perclos: number | null): void {
    if (perclos === null || !Number.isFinite(perclos)) return;
    const i = this.index.get(wearer);
    if (i === undefined) return;
    const k = this.slot(i, tMs);
    this.sPerclos[i]![k] += perclos;
    this.nPerclos[i]![k]++;
  }

  /** An intervention took effect at s.tMs: the before window is measured now. Unknown wearers are ignored. */
  begin(s: EffectStart): void {
    if (!this.index.has(s.wearer)) return;
    const delayS = Math.min(Math.max(0, s.delayS), this.maxDelayS);
    const before = this.window(s.wearer, s.tMs - this.settings.beforeS * 1000, s.tMs);
    this.pending.push({ ...s, delayS, before, dueMs: s.tMs + (delayS + this.settings.afterS) * 1000 });
  }

  /** Interventions waiting for their after window. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Completes every intervention whose after window has passed at tMs; returns the records. */
  step(tMs: number): EffectRecord[] {
    const out: EffectRecord[] = [];
    for (let k = 0; k < this.pending.length; ) {
      const p = this.pending[k]!;
      if (tMs < p.dueMs) {
        k++;
        continue;
      }
      this.pending.splice(k, 1);
      const from = p.tMs + p.delayS * 1000;
      const after = this.window(p.wearer, from, from + this.settings.afterS * 1000);
      const rec: EffectRecord = {
        id: p.id,
        kind: p.kind,
        wearer: p.wearer,
        station: p.station,
        at: Math.round(this.toEpochMs(p.tMs)),
        before: p.before,
        after,
        deltaScore: p.before.score !== null && after.score !== null ? round(after.score - p.before.score) : null,
        deltaPerclos: p.before.perclos !== null && after.perclos !== null ? round(after.perclos - p.before.perclos) : null,
        beforeS: this.settings.beforeS,
        delayS: p.delayS,
        afterS: this.settings.afterS,
      };
      this.aggregate(rec);
      this.onRecord?.(rec);
      out.push(rec);
    }
    return out;
  }

  /** Per kind and station, and per kind over all stations (station null); sorted by kind, station. */
  summary(): EffectSummaryRow[] {
    const rows: EffectSummaryRow[] = [];
    for (const [key, a] of this.agg) {
      const [kind, station] = JSON.parse(key) as [string, string | null];
      rows.push({
        kind,
        station,
        n: a.n,
        recorded: a.recorded,
        meanScoreBefore: a.n ? round(a.before / a.n) : null,
        meanScoreAfter: a.n ? round(a.after / a.n) : null,
        meanDeltaScore: a.n ? round(a.dScore / a.n) : null,
        meanDeltaPerclos: a.nPerclos ? round(a.dPerclos / a.nPerclos) : null,
      });
    }
    return rows.sort((x, y) => (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : (x.station ?? '') < (y.station ?? '') ? -1 : 1));
  }

  /** Priority factor for a kind of intervention at a station, from what was measured (1 = no evidence). */
  factor(kind: string, station: string | null): number {
    const S = this.settings;
    const at = station === null ? undefined : this.agg.get(key(kind, station));
    const a = at && at.n > 0 ? at : this.agg.get(key(kind, null));
    if (!a || a.n === 0) return 1;
    const gain = a.dScore / (a.n + S.priorN); // mean x n / (n + priorN)
    return Math.min(S.maxFactor, Math.max(1 / S.maxFactor, 1 + gain / S.scale));
  }

  private aggregate(r: EffectRecord): void {
    const keys = r.station === null ? [key(r.kind, null)] : [key(r.kind, r.station), key(r.kind, null)];
    for (const k of keys) {
      const a = this.agg.get(k) ?? { recorded: 0, n: 0, before: 0, after: 0, dScore: 0, nPerclos: 0, dPerclos: 0 };
      a.recorded++;
      if (r.deltaScore !== null && r.before.score !== null && r.after.score !== null) {
        a.n++;
        a.before += r.before.score;
        a.after += r.after.score;
        a.dScore += r.deltaScore;
      }
      if (r.deltaPerclos !== null) {
        a.nPerclos++;
        a.dPerclos += r.deltaPerclos;
      }
      this.agg.set(k, a);
    }
  }

  private slot(i: number, tMs: number): number {
    const bin = Math.floor(tMs / 1000);
    const k = ((bin % this.ring) + this.ring) % this.ring;
    if (this.stamp[i]![k] !== bin) {
      this.stamp[i]![k] = bin;
      this.sScore[i]![k] = 0;
      this.nScore[i]![k] = 0;
      this.sPerclos[i]![k] = 0;
      this.nPerclos[i]![k] = 0;
    }
    return k;
  }

  /** Means over the 1-s bins in [fromMs, toMs); coverage in seconds of bins with a score. */
  private window(wearer: string, fromMs: number, toMs: number): WindowMetrics {
    const i = this.index.get(wearer)!;
    let s = 0;
    let n = 0;
    let p = 0;
    let np = 0;
    let covered = 0;
    const b0 = Math.floor(fromMs / 1000);
    const b1 = Math.ceil(toMs / 1000);
    for (let bin = b0; bin < b1; bin++) {
      const k = ((bin % this.ring) + this.ring) % this.ring;
      if (this.stamp[i]![k] !== bin) continue;
      const c = this.nScore[i]![k]!;
      if (c > 0) {
        s += this.sScore[i]![k]!;
        n += c;
        covered++;
      }
      const cp = this.nPerclos[i]![k]!;
      if (cp > 0) {
        p += this.sPerclos[i]![k]!;
        np += cp;
      }
    }
    const enough = covered >= this.settings.minCoverage * (b1 - b0);
    return { score: enough && n ? round(s / n) : null, perclos: enough && np ? round(p / np) : null, coveredS: covered };
  }
}

function key(kind: string, station: string | null): string {
  return JSON.stringify([kind, station]);
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
