import { coverableCount, type PersonSpec, type StationSpec } from './floor-model.ts';

export interface BreakCandidate {
  id: string;
  /** larger goes first (fatigue-driven) */
  priority: number;
}

/**
 * Who may go on a micro-break now: candidates in priority order (ties by id), each taken when
 * a slot is free and the people left behind can still staff as many stations as everybody
 * available could (every station stays covered by a qualified person whenever that is
 * possible at all; on a short-staffed floor a break never uncovers one more station).
 *
 * This greedy choice maximises the total priority of the people sent: the sets of people who
 * can leave together form a matroid (the dual of the transversal matroid of people and
 * stations, restricted to the candidates and truncated at the free slots), and on a matroid
 * the greedy algorithm is optimal for any positive weights (Edmonds 1971, "Matroids and the
 * greedy algorithm"; transversal matroids: Edmonds & Fulkerson 1965). A property test checks
 * it against brute force.
 *
 * Cost: O(candidates) matchings of O(n^2 m) each.
 *
 * @example
 *   chooseBreaks({ stations, available, candidates: [{ id: 'op-e3c0', priority: 0.8 }], slots: 1 });
 */
export function chooseBreaks(o: { stations: readonly StationSpec[]; available: readonly PersonSpec[]; candidates: readonly BreakCandidate[]; slots: number }): string[] {
  const chosen: string[] = [];
  if (o.slots <= 0) return chosen;
  const need = coverableCount(o.stations, o.available);
  const ids = new Set(o.available.map((p) => p.id));
  const order = o.candidates.filter((c) => ids.has(c.id) && c.priority > 0).sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of order) {
    if (chosen.length >= o.slots) break;
    const gone = new Set([...chosen, c.id]);
    const left = o.available.filter((p) => !gone.has(p.id));
    if (coverableCount(o.stations, left) >= need) chosen.push(c.id);
  }
  return chosen;
}
