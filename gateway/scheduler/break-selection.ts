import { suitability, type PersonSpec, type StationSpec } from './floor-model.ts';

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
 * Cost: one maximum matching, then one augmenting-path search per candidate (StaffingMatching).
 *
 * @example
 *   chooseBreaks({ stations, available, candidates: [{ id: 'op-e3c0', priority: 0.8 }], slots: 1 });
 */
export function chooseBreaks(o: { stations: readonly StationSpec[]; available: readonly PersonSpec[]; candidates: readonly BreakCandidate[]; slots: number }): string[] {
  const chosen: string[] = [];
  if (o.slots <= 0) return chosen;
  const index = new Map(o.available.map((p, i) => [p.id, i]));
  const order = o.candidates.filter((c) => index.has(c.id) && c.priority > 0).sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (!order.length) return chosen;
  const m = new StaffingMatching(o.stations, o.available);
  for (const c of order) {
    if (chosen.length >= o.slots) break;
    if (m.tryRemove(index.get(c.id)!)) chosen.push(c.id);
  }
  return chosen;
}

/**
 * A maximum matching of stations to qualified people (augmenting paths, Kuhn 1955) that can
 * answer "can this person leave without losing a staffed station?" by one more augmenting-path
 * search: with M maximum and (p, s) in M, G - p still has a matching of size |M| exactly when
 * an augmenting path from the freed station s exists in G - p (Berge 1957; a path from any
 * other free station would have augmented M itself). Cost: O(edges) per question, instead of
 * a fresh matching.
 */
export class StaffingMatching {
  private readonly adj: number[][];
  private readonly personOf: Int32Array;
  private readonly stationOf: Int32Array;
  private readonly gone: Uint8Array;
  private readonly seen: Int32Array;
  private stamp = 0;
  size = 0;

  constructor(stations: readonly StationSpec[], people: readonly PersonSpec[]) {
    this.adj = stations.map((s) => people.flatMap((p, i) => (suitability(p, s) === null ? [] : [i])));
    this.personOf = new Int32Array(stations.length).fill(-1);
    this.stationOf = new Int32Array(people.length).fill(-1);
    this.gone = new Uint8Array(people.length);
    this.seen = new Int32Array(people.length);
    for (let s = 0; s < stations.length; s++) if (this.augment(s)) this.size++;
  }

  /** Removes person i if the matching keeps its size; otherwise leaves everything as it was. */
  tryRemove(i: number): boolean {
    const s = this.stationOf[i]!;
    this.gone[i] = 1;
    if (s < 0) return true;
    this.stationOf[i] = -1;
    this.personOf[s] = -1;
    if (this.augment(s)) return true;
    this.gone[i] = 0;
    this.stationOf[i] = s;
    this.personOf[s] = i;
    return false;
  }

  private augment(s: number): boolean {
    this.stamp++;
    return this.dfs(s);
  }

  private dfs(s: number): boolean {
    for (const p of this.adj[s]!) {
      if (this.gone[p] || this.seen[p] === this.stamp) continue;
      this.seen[p] = this.stamp;
      const other = this.stationOf[p]!;
      if (other < 0 || this.dfs(other)) {
        this.stationOf[p] = s;
        this.personOf[s] = p;
        return true;
      }
    }
    return false;
  }
}
