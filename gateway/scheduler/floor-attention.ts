import type { AttentionEstimate } from '../core/types.ts';
import type { WearerView } from './floor-scheduler.ts';

/**
 * What the scheduler needs per operator, smoothed from the per-tick stream: the attention score,
 * a fatigue index and PERCLOS, each an exponential average with time constant `smoothingS`.
 * Fatigue index of one tick = max(P(drowsy), PERCLOS / perclosFull), clipped to 0..1.
 * A tick without a basis (sensor lost, unknown) updates nothing; after `staleS` without one the
 * view says null (unknown): missing data is neither tired nor fresh.
 * The calibration period counts from the wearer's first tick, as the operator policy does.
 *
 * Cost: O(1) per estimate, typed arrays, no allocation on the stream.
 *
 * @example
 *   const fa = new FloorAttention({ wearers: ['op-7f3a'], smoothingS: 30, perclosFull: 0.15, calibrationS: 180 });
 *   bus.on('estimate', (e) => fa.observeEstimate(e));
 *   const views = fa.view(tMs);
 */
export class FloorAttention {
  private readonly index = new Map<string, number>();
  private readonly ids: string[];
  private readonly tauMs: number;
  private readonly perclosFull: number;
  private readonly calibrationMs: number;
  private readonly staleMs: number;
  private readonly firstT: Float64Array;
  private readonly lastT: Float64Array;
  private readonly lastKnownT: Float64Array;
  private readonly score: Float64Array;
  private readonly fatigue: Float64Array;
  private readonly perclos: Float64Array;
  private readonly lastPerclos: Float64Array;

  constructor(o: { wearers: readonly string[]; smoothingS: number; perclosFull: number; calibrationS: number; staleS?: number }) {
    if (!(o.smoothingS > 0) || !(o.perclosFull > 0) || !(o.calibrationS >= 0)) throw new RangeError('smoothingS and perclosFull must be > 0, calibrationS >= 0');
    this.ids = [...o.wearers];
    this.ids.forEach((w, i) => this.index.set(w, i));
    const n = this.ids.length;
    this.tauMs = o.smoothingS * 1000;
    this.perclosFull = o.perclosFull;
    this.calibrationMs = o.calibrationS * 1000;
    this.staleMs = (o.staleS ?? 10) * 1000;
    this.firstT = new Float64Array(n).fill(NaN);
    this.lastT = new Float64Array(n).fill(NaN);
    this.lastKnownT = new Float64Array(n).fill(NaN);
    this.score = new Float64Array(n).fill(NaN);
    this.fatigue = new Float64Array(n).fill(NaN);
    this.perclos = new Float64Array(n).fill(NaN);
    this.lastPerclos = new Float64Array(n).fill(NaN);
  }

  /** PERCLOS from the tick's observation (the bus sends it after the estimate, so an estimate
   *  combines with the previous tick's value: 50 ms, well inside the smoothing); null = unknown. */
  observePerclos(wearer: string, perclos: number | null): void {
    const i = this.index.get(wearer);
    if (i === undefined) return;
    this.lastPerclos[i] = perclos === null ? NaN : perclos;
  }

  observeEstimate(e: AttentionEstimate): void {
    const i = this.index.get(e.wearer);
    if (i === undefined) return;
    if (Number.isNaN(this.firstT[i]!)) this.firstT[i] = e.t;
    const prev = this.lastT[i]!;
    this.lastT[i] = e.t;
    if (e.probs === null || e.score === null) return; // no basis: hold, go stale
    const pc = this.lastPerclos[i]!;
    const f = Math.min(1, Math.max(e.probs.drowsy, Number.isNaN(pc) ? 0 : pc / this.perclosFull));
    const fresh = Number.isNaN(this.lastKnownT[i]!) || e.t - this.lastKnownT[i]! > this.staleMs;
    const a = fresh || Number.isNaN(prev) ? 1 : 1 - Math.exp(-(e.t - prev) / this.tauMs);
    this.score[i] = fresh ? e.score : this.score[i]! + a * (e.score - this.score[i]!);
    this.fatigue[i] = fresh ? f : this.fatigue[i]! + a * (f - this.fatigue[i]!);
    if (!Number.isNaN(pc)) this.perclos[i] = fresh || Number.isNaN(this.perclos[i]!) ? pc : this.perclos[i]! + a * (pc - this.perclos[i]!);
    this.lastKnownT[i] = e.t;
  }

  view(tMs: number): Map<string, WearerView> {
    const out = new Map<string, WearerView>();
    this.ids.forEach((w, i) => {
      const known = !Number.isNaN(this.lastKnownT[i]!) && tMs - this.lastKnownT[i]! <= this.staleMs;
      out.set(w, {
        score: known ? this.score[i]! : null,
        fatigue: known ? this.fatigue[i]! : null,
        perclos: known && !Number.isNaN(this.perclos[i]!) ? this.perclos[i]! : null,
        calibrating: Number.isNaN(this.firstT[i]!) || tMs - this.firstT[i]! < this.calibrationMs,
      });
    });
    return out;
  }
}
