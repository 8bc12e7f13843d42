import type { EffectSummaryRow } from './read-routes.ts';

/** The fields of a stored effect record (gateway/effects/effect-record.ts) the summary uses. */
export interface EffectLike {
  kind: string;
  station: string | null;
  deltaScore: number | null;
  deltaPerclos: number | null;
  before: { score: number | null; perclos: number | null };
  after: { score: number | null; perclos: number | null };
}

/**
 * Effect evaluation per intervention kind and station (issue 7 §4), from the effect records the
 * gateway keeps in its store: how many, and the mean attention score and PERCLOS before and
 * after and their change. A mean over records whose value is unknown is null, never 0; each
 * kind also gets an all-stations row (station null). Used until the scheduler offers its own
 * summary; the dashboard shows whatever measures a summary gives.
 * Cost: O(records) per call.
 *
 * @example
 *   const rows = summariseEffects(store.data.effects);
 */
export interface StoredEffectSummaryRow extends EffectSummaryRow {
  meanDeltaScore: number | null;
  meanDeltaPerclos: number | null;
  meanScoreBefore: number | null;
  meanScoreAfter: number | null;
  meanPerclosBefore: number | null;
  meanPerclosAfter: number | null;
}

export function summariseEffects(records: readonly EffectLike[]): StoredEffectSummaryRow[] {
  const groups = new Map<string, { kind: string; station: string | null; items: EffectLike[] }>();
  const add = (kind: string, station: string | null, r: EffectLike) => {
    const key = `${kind}\u0000${station ?? ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { kind, station, items: [] }));
    g.items.push(r);
  };
  for (const r of records) {
    add(r.kind, null, r);
    if (r.station !== null) add(r.kind, r.station, r);
  }
  const mean = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    return v.length ? Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 1000) / 1000 : null;
  };
  return [...groups.values()]
    .sort((a, b) => a.kind.localeCompare(b.kind) || (a.station ?? '').localeCompare(b.station ?? ''))
    .map((g) => ({
      kind: g.kind,
      station: g.station,
      n: g.items.length,
      meanDeltaScore: mean(g.items.map((r) => r.deltaScore)),
      meanDeltaPerclos: mean(g.items.map((r) => r.deltaPerclos)),
      meanScoreBefore: mean(g.items.map((r) => r.before.score)),
      meanScoreAfter: mean(g.items.map((r) => r.after.score)),
      meanPerclosBefore: mean(g.items.map((r) => r.before.perclos)),
      meanPerclosAfter: mean(g.items.map((r) => r.after.perclos)),
    }));
}
