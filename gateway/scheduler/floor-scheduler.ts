import { randomUUID } from 'node:crypto';
import type { Decision, DecisionKind } from '../core/types.ts';
import { chooseBreaks, type BreakCandidate } from './break-selection.ts';
import { coverPlan, suitability, type PersonSpec, type StationSpec } from './floor-model.ts';
import { maxWeightAssignment } from './hungarian.ts';
import { checkSchedulerSettings, SCHEDULER_SETTINGS, type SchedulerSettings } from './scheduler-settings.ts';

/** What the scheduler knows of a monitored operator at a step (smoothed, from FloorAttention). */
export interface WearerView {
  /** attention score 0..1, null when unknown (no data, sensor lost) */
  score: number | null;
  /** fatigue index 0..1, null when unknown */
  fatigue: number | null;
  perclos: number | null;
  /** in the calibration period: baselines not ready, fatigue is not acted on */
  calibrating: boolean;
}

/** What an accepted decision does, for the effects evaluation and the dashboard. */
export type DecisionDetail =
  | { kind: 'break'; wearer: string; station: string | null; moves: [string, string | null, string][]; breakS: number }
  | { kind: 'reassign'; moves: [string, string | null, string][] }
  | { kind: 'line_speed'; from: number; to: number };

interface Person extends PersonSpec {
  onTaskSince: number;
  lastBreakEnd: number;
  breakUntil: number;
  /** no proposal for this person before (after a reject / expiry) */
  holdUntil: number;
  /** last time an accepted decision moved this person: pinned until + noReverseS */
  movedAt: number;
}

interface Entry {
  decision: Decision;
  detail: DecisionDetail;
  validUntilMs: number;
}

/**
 * The floor scheduler (issue 7 §3): a pure state machine stepped by time. Each step may
 * propose decisions — micro-breaks (who goes now, covered by whom), a station reassignment
 * (optimal by the Hungarian method), a line-speed change — each explainable (a reason in
 * words and the inputs it used), pending until a line system or supervisor accepts or rejects
 * it (`decide`, called by the CommandPort at a tick boundary) or until it expires.
 *
 * Rules:
 * - breaks: an operator is due at fatigue >= breakFatigue (not while calibrating) or after
 *   maxWorkS on task; priority = (fatigue + time on task / maxWorkS) x the measured effect of
 *   breaks at that station (effects feedback, 1 without data); at most maxOnBreak away or asked
 *   at once; every station stays staffable by qualified people (chooseBreaks); minSpacingS
 *   between a person's breaks; the decision names the cover (coverPlan);
 * - reassignment: operators x stations, value = station weight x suitability x attention score
 *   (unknown attention counts as the floor's mean: missing data is neither good nor bad);
 *   proposed when the optimum beats the current homes by reassignMinGain; only while nobody is
 *   on break; a person moved by an accepted decision is pinned for noReverseS;
 * - line speed: capacity = station-weighted mean attention of whoever staffs each station
 *   (0 for an empty one), judged only when enough stations have a known attention; below
 *   capacityLow for capacityHoldS: slow down to the capacity (rounded down to speedStep, not
 *   below minSpeedFactor); above capacityRestore for capacityHoldS: back to nominal, never
 *   within noReverseS of the last change;
 * - no churn: one pending decision per person / per kind; a rejected or expired proposal for
 *   the same people waits rejectHoldS.
 * Accepted decisions change the scheduler's picture of the floor (who is on break, who works
 * where, the line's speed factor): the line system is expected to carry them out.
 *
 * Time is gateway ms; decisions carry epoch ms (toEpochMs) like alerts.
 * Cost per step: O(candidates) matchings plus one Hungarian solve, O(n^2 m) each, for n
 * people and m stations (a floor of 100 is well under a millisecond per solve).
 *
 * @example
 *   const s = new FloorScheduler({ stations, people, toEpochMs });
 *   const decisions = s.step(tMs, views); // views: Map wearer -> WearerView
 *   s.decide(decisions[0].id, 'accepted', tMs, 'mes-1');
 */
export class FloorScheduler {
  readonly settings: SchedulerSettings;
  private readonly stations: StationSpec[];
  private readonly people = new Map<string, Person>();
  private readonly entries = new Map<string, Entry>();
  private readonly toEpochMs: (t: number) => number;
  private readonly newId: () => string;
  private readonly effectFactor: (kind: DecisionKind, station: string | null) => number;
  private started = false;
  private speedFactor = 1;
  private lastSpeedChangeAt = -Infinity;
  private lowSince = NaN;
  private highSince = NaN;
  private lineHoldUntil = -Infinity;
  private reassignHoldUntil = -Infinity;
  private lastReassignAt = -Infinity;
  /** the last capacity judged (null: not enough known attention) */
  capacity: number | null = null;

  constructor(o: {
    stations: readonly StationSpec[];
    people: readonly PersonSpec[];
    settings?: Partial<SchedulerSettings>;
    toEpochMs: (t: number) => number;
    newId?: () => string;
    /** measured effect of a kind of decision at a station, as a priority factor (EffectEvaluator.factor) */
    effectFactor?: (kind: DecisionKind, station: string | null) => number;
  }) {
    this.settings = { ...SCHEDULER_SETTINGS, ...o.settings };
    checkSchedulerSettings(this.settings);
    const ids = new Set<string>();
    for (const s of o.stations) {
      if (ids.has(s.id)) throw new RangeError(`station ${s.id} is listed twice`);
      ids.add(s.id);
    }
    this.stations = [...o.stations];
    for (const p of o.people) {
      if (this.people.has(p.id)) throw new RangeError(`person ${p.id} is listed twice`);
      if (p.home !== null && !ids.has(p.home)) throw new RangeError(`person ${p.id}: home station ${p.home} is not a station`);
      this.people.set(p.id, { ...p, onTaskSince: 0, lastBreakEnd: -Infinity, breakUntil: -Infinity, holdUntil: -Infinity, movedAt: -Infinity });
    }
    this.toEpochMs = o.toEpochMs;
    this.newId = o.newId ?? (() => `dc-${randomUUID()}`);
    this.effectFactor = o.effectFactor ?? (() => 1);
  }

  /** Changes settings (a supervisor's threshold.set); all-or-nothing, RangeError when inconsistent. */
  updateSettings(patch: Partial<SchedulerSettings>): void {
    const next = { ...this.settings, ...patch };
    checkSchedulerSettings(next);
    Object.assign(this.settings, next);
  }

  get(decisionId: string): Decision | undefined {
    const e = this.entries.get(decisionId);
    return e ? { ...e.decision } : undefined;
  }

  detail(decisionId: string): DecisionDetail | undefined {
    return this.entries.get(decisionId)?.detail;
  }

  /** Pending decisions, oldest first. */
  pending(): Decision[] {
    return [...this.entries.values()].filter((e) => e.decision.state === 'pending').map((e) => ({ ...e.decision }));
  }

  /** The floor as the scheduler sees it, for the dashboard. */
  status(tMs: number): { speedFactor: number; capacity: number | null; onBreak: { wearer: string; until: number }[]; homes: Record<string, string | null> } {
    const onBreak = [...this.people.values()].filter((p) => p.breakUntil > tMs).map((p) => ({ wearer: p.id, until: Math.round(this.toEpochMs(p.breakUntil)) }));
    const homes = Object.fromEntries([...this.people.values()].filter((p) => p.kind === 'operator').map((p) => [p.id, p.home]));
    return { speedFactor: this.speedFactor, capacity: this.capacity, onBreak, homes };
  }

  /**
   * Accepts or rejects a pending decision at tMs. Returns the decided decision, or null when it
   * is unknown or not pending (nothing changes). Accepting applies it to the floor picture.
   */
  decide(decisionId: string, verdict: 'accepted' | 'rejected', tMs: number, by: string): Decision | null {
    const e = this.entries.get(decisionId);
    if (!e || e.decision.state !== 'pending') return null;
    e.decision.state = verdict;
    e.decision.decidedBy = by;
    e.decision.decidedAt = Math.round(this.toEpochMs(tMs));
    const S = this.settings;
    const d = e.detail;
    if (verdict === 'rejected') {
      this.hold(d, tMs + S.rejectHoldS * 1000);
      return { ...e.decision };
    }
    if (d.kind === 'break') {
      const p = this.people.get(d.wearer)!;
      p.breakUntil = tMs + d.breakS * 1000;
    } else if (d.kind === 'reassign') {
      for (const [id, , to] of d.moves) {
        const p = this.people.get(id)!;
        p.home = to;
        p.movedAt = tMs;
      }
    } else {
      this.speedFactor = d.to;
      this.lastSpeedChangeAt = tMs;
      this.lowSince = NaN;
      this.highSince = NaN;
    }
    return { ...e.decision };
  }

  /** One look at the floor at tMs; returns new decisions and decisions that expired now. */
  step(tMs: number, views: ReadonlyMap<string, WearerView>): Decision[] {
    const S = this.settings;
    if (!this.started) {
      this.started = true;
      for (const p of this.people.values()) p.onTaskSince = tMs;
    }
    const out: Decision[] = [];
    for (const e of this.entries.values()) {
      if (e.decision.state !== 'pending' || tMs < e.validUntilMs) continue;
      e.decision.state = 'expired';
      this.hold(e.detail, tMs + S.rejectHoldS * 1000);
      out.push({ ...e.decision });
    }
    for (const p of this.people.values()) {
      if (p.breakUntil !== -Infinity && p.breakUntil <= tMs) {
        p.breakUntil = -Infinity;
        p.lastBreakEnd = tMs;
        p.onTaskSince = tMs;
      }
    }
    out.push(...this.planBreaks(tMs, views));
    const r = this.planReassignment(tMs, views);
    if (r) out.push(r);
    const l = this.planLineSpeed(tMs, views);
    if (l) out.push(l);
    this.prune();
    return out;
  }

  private absent(tMs: number): Set<string> {
    const out = new Set<string>();
    for (const p of this.people.values()) if (p.breakUntil > tMs) out.add(p.id);
    for (const e of this.entries.values()) if (e.decision.state === 'pending' && e.detail.kind === 'break') out.add(e.detail.wearer);
    return out;
  }

  private planBreaks(tMs: number, views: ReadonlyMap<string, WearerView>): Decision[] {
    const S = this.settings;
    const absent = this.absent(tMs);
    const slots = S.maxOnBreak - absent.size;
    if (slots <= 0) return [];
    const available = [...this.people.values()].filter((p) => !absent.has(p.id));
    const candidates: (BreakCandidate & { why: 'fatigue' | 'time'; onTaskS: number; factor: number })[] = [];
    for (const p of available) {
      if (p.kind !== 'operator' || tMs < p.holdUntil || tMs < p.lastBreakEnd + S.minSpacingS * 1000) continue;
      const v = views.get(p.id);
      const onTaskS = (tMs - p.onTaskSince) / 1000;
      const fatigue = v && !v.calibrating && v.fatigue !== null ? v.fatigue : null;
      const fatigueDue = fatigue !== null && fatigue >= S.breakFatigue;
      const timeDue = onTaskS >= S.maxWorkS;
      if (!fatigueDue && !timeDue) continue;
      const factor = this.effectFactor('break', p.home);
      candidates.push({ id: p.id, priority: ((fatigue ?? 0) + Math.min(1, onTaskS / S.maxWorkS)) * factor, why: fatigueDue ? 'fatigue' : 'time', onTaskS, factor });
    }
    if (!candidates.length) return [];
    const chosen = chooseBreaks({ stations: this.stations, available, candidates, slots });
    const out: Decision[] = [];
    const gone = new Set<string>();
    for (const id of chosen) {
      gone.add(id);
      const p = this.people.get(id)!;
      const c = candidates.find((x) => x.id === id)!;
      const v = views.get(id);
      const plan = coverPlan(this.stations, available.filter((x) => !gone.has(x.id)), S.stayBonus);
      const cover = p.home !== null ? (plan.staff.get(p.home) ?? null) : null;
      const what = c.why === 'fatigue' ? `fatigue ${fmt(v!.fatigue!)} >= ${fmt(S.breakFatigue)}` : `${Math.round(c.onTaskS / 60)} min on task >= ${Math.round(S.maxWorkS / 60)}`;
      const reason = `micro-break ${Math.round(S.breakS / 60)} min for ${id}${p.home ? ` at ${p.home}` : ''}: ${what}${cover ? `; ${cover} covers ${p.home}` : ''}; ${absent.size + gone.size} of ${S.maxOnBreak} away`;
      const inputs: Decision['inputs'] = {
        wearer: id,
        station: p.home,
        due: c.why,
        fatigue: round(v?.fatigue ?? null),
        perclos: round(v?.perclos ?? null),
        score: round(v?.score ?? null),
        calibrating: v?.calibrating ?? null,
        onTaskS: Math.round(c.onTaskS),
        priority: round(c.priority),
        effectFactor: round(c.factor),
        cover,
        moves: moveText(plan.moves),
        away: absent.size + gone.size - 1,
        maxOnBreak: S.maxOnBreak,
        breakS: S.breakS,
      };
      const targets = [id, ...plan.moves.map((m) => m[0]).filter((x) => x !== id)];
      out.push(this.propose(tMs, 'break', targets, reason, inputs, { kind: 'break', wearer: id, station: p.home, moves: plan.moves, breakS: S.breakS }, p.home));
    }
    return out;
  }

  private operators(): Person[] {
    return [...this.people.values()].filter((p) => p.kind === 'operator');
  }

  /** Attention of a person for the objective; unknown counts as the floor's known mean. */
  private attention(views: ReadonlyMap<string, WearerView>): (id: string) => number {
    const known = this.operators()
      .map((p) => views.get(p.id)?.score)
      .filter((x): x is number => typeof x === 'number');
    const mean = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1;
    return (id) => {
      const s = views.get(id)?.score;
      return typeof s === 'number' ? s : mean;
    };
  }

  /** station -> person at home there (operators whose home is a station they may staff) */
  private homeStaff(): Map<string, string> {
    const staff = new Map<string, string>();
    for (const p of this.people.values()) {
      if (p.home === null || staff.has(p.home)) continue;
      const s = this.stations.find((x) => x.id === p.home);
      if (s && suitability(p, s) !== null) staff.set(p.home, p.id);
    }
    return staff;
  }

  private stationWeight(s: StationSpec): number {
    return s.critical ? this.settings.criticalWeight : 1;
  }

  private planReassignment(tMs: number, views: ReadonlyMap<string, WearerView>): Decision | null {
    const S = this.settings;
    if (tMs - this.lastReassignAt < S.reassignEveryS * 1000 || tMs < this.reassignHoldUntil) return null;
    this.lastReassignAt = tMs;
    if (this.absent(tMs).size) return null;
    for (const e of this.entries.values()) if (e.decision.state === 'pending' && e.detail.kind === 'reassign') return null;
    const ops = this.operators();
    if (ops.length < 2) return null;
    const att = this.attention(views);
    const value = (p: Person, s: StationSpec): number | null => {
      const k = suitability(p, s);
      return k === null ? null : this.stationWeight(s) * k * att(p.id);
    };
    const pinned = (p: Person) => tMs < p.movedAt + S.noReverseS * 1000;
    const w = ops.map((p) => this.stations.map((s) => (pinned(p) && p.home !== s.id ? null : value(p, s))));
    const best = maxWeightAssignment(w);
    let current = 0;
    let currentMatched = 0;
    for (const p of ops) {
      const s = this.stations.find((x) => x.id === p.home);
      const v = s ? value(p, s) : null;
      if (v !== null) {
        current += v;
        currentMatched++;
      }
    }
    const gain = best.total - current;
    if (best.matched < currentMatched || gain < S.reassignMinGain - 1e-9) return null;
    const moves: [string, string | null, string][] = [];
    ops.forEach((p, i) => {
      const j = best.rowToCol[i]!;
      if (j >= 0 && this.stations[j]!.id !== p.home) moves.push([p.id, p.home, this.stations[j]!.id]);
    });
    if (!moves.length) return null;
    const reason = `station reassignment: attention-weighted suitability ${fmt(current)} -> ${fmt(best.total)} (+${fmt(gain)}): ${moveText(moves)}`;
    const inputs: Decision['inputs'] = { current: round(current), optimum: round(best.total), gain: round(gain), moves: moveText(moves), criticalWeight: S.criticalWeight, attention: moves.map(([id]) => `${id}:${fmt(att(id))}`).join(',') };
    return this.propose(tMs, 'reassign', moves.map((m) => m[0]), reason, inputs, { kind: 'reassign', moves }, null);
  }

  private planLineSpeed(tMs: number, views: ReadonlyMap<string, WearerView>): Decision | null {
    const S = this.settings;
    // who staffs each station now: the homes, and while someone is on a break (one asked to
    // go still works) the cover plan for the people present
    const present = [...this.people.values()].filter((p) => !(p.breakUntil > tMs));
    const plan = present.length < this.people.size ? coverPlan(this.stations, present, S.stayBonus) : { staff: this.homeStaff() };
    let num = 0;
    let den = 0;
    let known = 0;
    for (const s of this.stations) {
      const who = plan.staff.get(s.id);
      const score = who === undefined ? 0 : this.people.get(who)!.kind === 'relief' ? null : (views.get(who)?.score ?? null);
      if (score === null) continue;
      known++;
      num += this.stationWeight(s) * score;
      den += this.stationWeight(s);
    }
    if (!this.stations.length || known / this.stations.length < S.minKnownShare - 1e-9) {
      this.capacity = null;
      this.lowSince = NaN;
      this.highSince = NaN;
      return null;
    }
    const cap = num / den;
    this.capacity = cap;
    this.lowSince = cap < S.capacityLow ? (Number.isNaN(this.lowSince) ? tMs : this.lowSince) : NaN;
    this.highSince = cap > S.capacityRestore ? (Number.isNaN(this.highSince) ? tMs : this.highSince) : NaN;
    if (tMs < this.lineHoldUntil) return null;
    for (const e of this.entries.values()) if (e.decision.state === 'pending' && e.detail.kind === 'line_speed') return null;
    const holdMs = S.capacityHoldS * 1000;
    let to: number | null = null;
    let lowFor = 0;
    if (!Number.isNaN(this.lowSince) && tMs - this.lowSince >= holdMs) {
      const want = Math.max(S.minSpeedFactor, Math.floor(cap / S.speedStep + 1e-9) * S.speedStep);
      if (want < this.speedFactor - 1e-9) to = round(want)!;
      lowFor = (tMs - this.lowSince) / 1000;
    } else if (!Number.isNaN(this.highSince) && tMs - this.highSince >= holdMs && this.speedFactor < 1 && tMs - this.lastSpeedChangeAt >= S.noReverseS * 1000) {
      to = 1;
    }
    if (to === null) return null;
    const from = this.speedFactor;
    const reason =
      to < from
        ? `line speed ${pct(from)} -> ${pct(to)}: fleet capacity ${fmt(cap)} < ${fmt(S.capacityLow)} for ${Math.round(lowFor)} s`
        : `line speed ${pct(from)} -> ${pct(to)}: fleet capacity ${fmt(cap)} > ${fmt(S.capacityRestore)} for ${S.capacityHoldS} s`;
    const inputs: Decision['inputs'] = { capacity: round(cap), knownShare: round(known / this.stations.length), from, to, capacityLow: S.capacityLow, capacityRestore: S.capacityRestore };
    return this.propose(tMs, 'line_speed', ['line'], reason, inputs, { kind: 'line_speed', from, to }, null);
  }

  private propose(tMs: number, kind: DecisionKind, targets: string[], reason: string, inputs: Decision['inputs'], detail: DecisionDetail, station: string | null): Decision {
    const validUntilMs = tMs + this.settings.decisionTtlS * 1000;
    const decision: Decision = {
      id: this.newId(),
      kind,
      targets,
      reason,
      inputs,
      validUntil: Math.round(this.toEpochMs(validUntilMs)),
      state: 'pending',
      createdAt: Math.round(this.toEpochMs(tMs)),
    };
    if (station !== null) decision.station = station;
    this.entries.set(decision.id, { decision, detail, validUntilMs });
    return { ...decision };
  }

  private hold(d: DecisionDetail, until: number): void {
    if (d.kind === 'break') this.people.get(d.wearer)!.holdUntil = until;
    else if (d.kind === 'reassign') this.reassignHoldUntil = until;
    else this.lineHoldUntil = until;
  }

  /** Settled decisions are kept for get() a while (the store keeps them for good). */
  private prune(): void {
    if (this.entries.size <= 1000) return;
    for (const [id, e] of this.entries) {
      if (this.entries.size <= 500) break;
      if (e.decision.state !== 'pending') this.entries.delete(id);
    }
  }
}

function round(x: number | null): number | null {
  return x === null ? null : Math.round(x * 1000) / 1000;
}

function fmt(x: number): string {
  return (Math.round(x * 100) / 100).toFixed(2);
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function moveText(moves: readonly [string, string | null, string][]): string {
  return moves.map(([id, from, to]) => `${id}:${from ?? '-'}>${to}`).join(',');
}
