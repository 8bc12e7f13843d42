import type { AttentionEstimate, WearerId } from '../core/types.ts';
import type { AttentionSummaryPayload } from './payload-schemas.ts';

const STATES = ['attentive', 'distracted', 'drowsy', 'overloaded', 'sensor_lost', 'unknown'] as const;
type SummaryState = (typeof STATES)[number];

interface Acc {
  start: number;
  n: number;
  byState: Record<SummaryState, number>;
  scoreSum: number;
  scored: number;
  scoreMin: number;
  qualitySum: number;
}

/**
 * Aggregate telemetry per wearer: over each period (gateway time, aligned to multiples of
 * `periodMs`) the share of estimates per state, the mean and minimum attention score over the
 * estimates that had one, and the mean quality. Derived values only; a period with no scored
 * estimate has `meanScore: null`, never 0. Periods are closed by the first estimate of the next
 * one (or `flush`), so time comes from the estimates, never from a clock.
 *
 * Cost: a Map lookup and a few additions per estimate; one object per wearer per period.
 *
 * @example
 *   const s = new AttentionSummary(60_000, (t) => epoch0 + t);
 *   const done = s.add(estimate); // a finished period's payload, or null
 */
export class AttentionSummary {
  private readonly acc = new Map<WearerId, Acc>();
  private readonly periodMs: number;
  private readonly toEpochMs: (t: number) => number;

  constructor(periodMs: number, toEpochMs: (t: number) => number) {
    if (!(periodMs > 0)) throw new RangeError('periodMs must be positive');
    this.periodMs = periodMs;
    this.toEpochMs = toEpochMs;
  }

  add(e: AttentionEstimate): Omit<AttentionSummaryPayload, 'ts'> | null {
    const start = Math.floor(e.t / this.periodMs) * this.periodMs;
    let a = this.acc.get(e.wearer);
    let done: Omit<AttentionSummaryPayload, 'ts'> | null = null;
    if (a && a.start !== start) {
      done = this.close(e.wearer, a);
      a = undefined;
    }
    if (!a) {
      a = { start, n: 0, byState: { attentive: 0, distracted: 0, drowsy: 0, overloaded: 0, sensor_lost: 0, unknown: 0 }, scoreSum: 0, scored: 0, scoreMin: Infinity, qualitySum: 0 };
      this.acc.set(e.wearer, a);
    }
    a.n++;
    a.byState[e.state]++;
    a.qualitySum += e.quality;
    if (e.score !== null) {
      a.scoreSum += e.score;
      a.scored++;
      if (e.score < a.scoreMin) a.scoreMin = e.score;
    }
    return done;
  }

  /** The open periods, as they stand (at a stop). */
  flush(): Omit<AttentionSummaryPayload, 'ts'>[] {
    const out = [...this.acc].map(([w, a]) => this.close(w, a));
    this.acc.clear();
    return out;
  }

  private close(wearer: WearerId, a: Acc): Omit<AttentionSummaryPayload, 'ts'> {
    const share = Object.fromEntries(STATES.map((s) => [s, round3(a.byState[s] / a.n)])) as Record<SummaryState, number>;
    return {
      wearer,
      from: Math.round(this.toEpochMs(a.start)),
      to: Math.round(this.toEpochMs(a.start + this.periodMs)),
      estimates: a.n,
      share,
      meanScore: a.scored ? round3(a.scoreSum / a.scored) : null,
      minScore: a.scored ? round3(a.scoreMin) : null,
      meanQuality: round3(a.qualitySum / a.n),
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
