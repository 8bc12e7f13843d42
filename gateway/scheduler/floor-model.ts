import { maxWeightAssignment } from './hungarian.ts';

/** A station the line needs staffed, and what it takes to staff it. */
export interface StationSpec {
  id: string;
  /** qualifications a person must hold to work here (all of them) */
  requires: readonly string[];
  critical: boolean;
}

/**
 * A person the scheduler can plan with: a monitored operator (a wearer) or a relief (a floater
 * or team lead without sensors, who covers breaks). Skills are suitability per station (0..1);
 * a qualified person without a listed skill counts 1; a skill of 0 means "not at this station".
 */
export interface PersonSpec {
  id: string;
  kind: 'operator' | 'relief';
  home: string | null;
  qualifications: readonly string[];
  skills: Readonly<Record<string, number>>;
}

/** Suitability of a person for a station, or null when they may not work there. */
export function suitability(p: PersonSpec, s: StationSpec): number | null {
  for (const q of s.requires) if (!p.qualifications.includes(q)) return null;
  const k = p.skills[s.id];
  if (k === undefined) return 1;
  return k > 0 ? k : null;
}

/** How many stations can be staffed at once from these people (a maximum matching). */
export function coverableCount(stations: readonly StationSpec[], people: readonly PersonSpec[]): number {
  if (!stations.length || !people.length) return 0;
  return maxWeightAssignment(people.map((p) => stations.map((s) => (suitability(p, s) === null ? null : 0)))).matched;
}

/** Who works where: the fewest moves away from home first, then the best suitability. */
export interface CoverPlan {
  /** station -> person; a station missing here cannot be staffed */
  staff: Map<string, string>;
  /** people not at their home station in this plan: [person, from (null: relief/none), to] */
  moves: [string, string | null, string][];
}

/**
 * Staffs every station it can from `people`, keeping people at their home station where
 * possible (stayBonus per person at home dominates suitability), then maximising suitability.
 * Cost: one Hungarian solve, O(n^2 m).
 */
export function coverPlan(stations: readonly StationSpec[], people: readonly PersonSpec[], stayBonus: number): CoverPlan {
  const staff = new Map<string, string>();
  const moves: [string, string | null, string][] = [];
  if (!stations.length || !people.length) return { staff, moves };
  const w = people.map((p) => stations.map((s) => {
    const k = suitability(p, s);
    return k === null ? null : k + (p.home === s.id ? stayBonus : 0);
  }));
  const r = maxWeightAssignment(w);
  people.forEach((p, i) => {
    const j = r.rowToCol[i]!;
    if (j < 0) return;
    const s = stations[j]!.id;
    staff.set(s, p.id);
    if (p.home !== s) moves.push([p.id, p.home, s]);
  });
  return { staff, moves };
}
