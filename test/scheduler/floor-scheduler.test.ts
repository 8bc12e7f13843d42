import t from 'tap';
import fc from 'fast-check';
import type { Decision } from '../../gateway/core/types.ts';
import { chooseBreaks } from '../../gateway/scheduler/break-selection.ts';
import { coverableCount, type PersonSpec, type StationSpec } from '../../gateway/scheduler/floor-model.ts';
import { FloorScheduler, type WearerView } from '../../gateway/scheduler/floor-scheduler.ts';

const S = (id: string, requires: string[] = [], critical = false): StationSpec => ({ id, requires, critical });
const op = (id: string, home: string | null, qualifications: string[] = [], skills: Record<string, number> = {}): PersonSpec => ({ id, kind: 'operator', home, qualifications, skills });
const relief = (id: string, qualifications: string[] = [], skills: Record<string, number> = {}): PersonSpec => ({ id, kind: 'relief', home: null, qualifications, skills });
const V = (fatigue: number | null, score: number | null = 0.9, calibrating = false): WearerView => ({ fatigue, score, perclos: fatigue === null ? null : fatigue * 0.15, calibrating });
const EPOCH0 = 1_767_225_600_000;

function scheduler(stations: StationSpec[], people: PersonSpec[], settings: ConstructorParameters<typeof FloorScheduler>[0]['settings'] = {}, effectFactor?: (k: string, s: string | null) => number) {
  let n = 0;
  return new FloorScheduler({ stations, people, settings: { reassignEveryS: 1e6, ...settings }, toEpochMs: (x) => EPOCH0 + x, newId: () => `dc-${++n}`, ...(effectFactor ? { effectFactor } : {}) });
}

/** Steps every 5 s from `from` to `to` (s) with views from `at(tS)`; returns every decision emitted. */
function drive(s: FloorScheduler, from: number, to: number, at: (tS: number) => Map<string, WearerView>, onDecision?: (d: Decision, tS: number) => void): Decision[] {
  const out: Decision[] = [];
  for (let k = from; k <= to; k += 5) {
    for (const d of s.step(k * 1000, at(k))) {
      out.push(d);
      onDecision?.(d, k);
    }
  }
  return out;
}

const floor2 = () => [S('st-01', ['press'], true), S('st-02')];

t.test('a fatigued operator gets a micro-break, covered by a qualified relief; explained in words and inputs', async (t) => {
  const s = scheduler(floor2(), [op('op-0001', 'st-01', ['press']), op('op-0002', 'st-02'), relief('rl-0001', ['press'])]);
  const views = new Map([['op-0001', V(0.72, 0.55)], ['op-0002', V(0.1)]]);
  const ds = s.step(10_000, views);
  t.equal(ds.length, 1);
  const d = ds[0]!;
  t.match(d, { id: 'dc-1', kind: 'break', targets: ['op-0001', 'rl-0001'], state: 'pending', station: 'st-01', createdAt: EPOCH0 + 10_000, validUntil: EPOCH0 + 10_000 + 120_000 });
  t.equal(d.reason, 'micro-break 5 min for op-0001 at st-01: fatigue 0.72 >= 0.60; rl-0001 covers st-01; 1 of 1 away');
  t.match(d.inputs, { wearer: 'op-0001', station: 'st-01', due: 'fatigue', fatigue: 0.72, score: 0.55, cover: 'rl-0001', moves: 'rl-0001:->st-01', away: 0, maxOnBreak: 1, breakS: 300 });
  t.same(s.step(15_000, views), [], 'one pending decision per person: no repeat');
});

t.test('coverage: without a qualified cover nobody goes; a qualified operator can swap in', async (t) => {
  const views = new Map([['op-0001', V(0.9)], ['op-0002', V(0.1)]]);
  t.same(scheduler(floor2(), [op('op-0001', 'st-01', ['press']), op('op-0002', 'st-02')]).step(0, views), [], 'two people, two stations: no break');
  t.same(scheduler(floor2(), [op('op-0001', 'st-01', ['press']), op('op-0002', 'st-02'), relief('rl-0001')]).step(0, views), [], 'the relief lacks the press qualification');
  // the relief can take st-02 if op-0002 (press-qualified) moves to the press
  const s = scheduler(floor2(), [op('op-0001', 'st-01', ['press']), op('op-0002', 'st-02', ['press']), relief('rl-0001')]);
  const d = s.step(0, views)[0]!;
  t.same(d.targets, ['op-0001', 'op-0002', 'rl-0001']);
  t.equal(d.inputs['moves'], 'op-0002:st-02>st-01,rl-0001:->st-02');
  t.equal(d.inputs['cover'], 'op-0002');
});

t.test('at most K away at once; the most fatigued goes first; the next goes when a slot frees', async (t) => {
  const stations = [S('st-01'), S('st-02'), S('st-03')];
  const people = [op('op-0001', 'st-01'), op('op-0002', 'st-02'), op('op-0003', 'st-03'), relief('rl-0001'), relief('rl-0002')];
  const s = scheduler(stations, people, { maxOnBreak: 1, breakS: 60 });
  const views = new Map([['op-0001', V(0.65)], ['op-0002', V(0.95)], ['op-0003', V(0.8)]]);
  const first = s.step(0, views);
  t.same(first.map((d) => d.targets[0]), ['op-0002'], 'highest fatigue first, K = 1');
  s.decide(first[0]!.id, 'accepted', 1000, 'mes-1');
  t.same(s.step(30_000, views), [], 'slot taken during the break');
  const next = s.step(61_000, views);
  t.same(next.map((d) => d.targets[0]), ['op-0003'], 'the break ended at 61 s: the next most fatigued');
  const k2 = scheduler(stations, people, { maxOnBreak: 2 });
  t.same(k2.step(0, views).map((d) => d.targets[0]), ['op-0002', 'op-0003'], 'K = 2: two at once, two reliefs cover');
  t.equal(k2.step(5000, views).length, 0, 'pending ones count against K');
});

t.test('calibration: fatigue is not acted on; time on task still is', async (t) => {
  const s = scheduler([S('st-01')], [op('op-0001', 'st-01'), relief('rl-0001')], { maxWorkS: 600 });
  const calibrating = new Map([['op-0001', V(0.95, 0.5, true)]]);
  t.same(drive(s, 0, 595, () => calibrating).filter((d) => d.kind === 'break'), [], 'fatigued but calibrating: no break before 600 s on task');
  const d = s.step(600_000, calibrating).filter((x) => x.kind === 'break');
  t.equal(d.length, 1);
  t.equal(d[0]!.inputs['due'], 'time');
  t.match(d[0]!.reason, /10 min on task >= 10/);
});

t.test('unknown attention is neither tired nor fresh: no fatigue break on missing data', async (t) => {
  const s = scheduler([S('st-01')], [op('op-0001', 'st-01'), relief('rl-0001')]);
  t.same(drive(s, 0, 600, () => new Map([['op-0001', V(null, null)]])), []);
});

t.test('expiry and reject hold the proposal; accept puts the person on break; spacing after the break', async (t) => {
  const s = scheduler([S('st-01')], [op('op-0001', 'st-01'), relief('rl-0001')], { decisionTtlS: 60, rejectHoldS: 300, breakS: 100, minSpacingS: 1000 });
  const tired = () => new Map([['op-0001', V(0.9)]]);
  const seen: [number, string, string][] = [];
  drive(s, 0, 400, tired, (d, tS) => seen.push([tS, d.id, d.state]));
  t.same(seen, [[0, 'dc-1', 'pending'], [60, 'dc-1', 'expired'], [360, 'dc-2', 'pending']], 'expired at its validUntil, then held 300 s');
  const rej = s.decide('dc-2', 'rejected', 365_000, 'sup-01');
  t.match(rej, { state: 'rejected', decidedBy: 'sup-01', decidedAt: EPOCH0 + 365_000 });
  t.equal(s.decide('dc-2', 'accepted', 366_000, 'sup-01'), null, 'only pending decisions are decided');
  const after: [number, string][] = [];
  drive(s, 370, 700, tired, (d, tS) => after.push([tS, d.state]));
  t.same(after, [[665, 'pending']], 'a rejected break waits rejectHoldS (until 665 s)');
  s.decide('dc-3', 'accepted', 670_000, 'mes-1');
  t.same(s.status(700_000).onBreak, [{ wearer: 'op-0001', until: EPOCH0 + 770_000 }]);
  const later: number[] = [];
  drive(s, 705, 2000, tired, (d, tS) => d.state === 'pending' && later.push(tS));
  t.same(later, [1770], 'next break no sooner than minSpacingS after the break ended at 770 s');
});

t.test('station reassignment: optimal by attention-weighted suitability, explained; pinned against reversal', async (t) => {
  const stations = [S('st-01', [], true), S('st-02')];
  const people = [op('op-0001', 'st-01'), op('op-0002', 'st-02')];
  const s = scheduler(stations, people, { reassignEveryS: 60, noReverseS: 900, reassignMinGain: 0.1, capacityLow: 0.5, capacityRestore: 0.5 });
  // op-0001 at the critical station is far less attentive: value now 2 x 0.4 + 0.9 = 1.7, swapped 2 x 0.9 + 0.4 = 2.2
  const tiredAtPress = new Map([['op-0001', V(0.1, 0.4)], ['op-0002', V(0.1, 0.9)]]);
  const d = s.step(0, tiredAtPress);
  t.equal(d.length, 1);
  t.match(d[0], { kind: 'reassign', targets: ['op-0001', 'op-0002'] });
  t.equal(d[0]!.reason, 'station reassignment: attention-weighted suitability 1.70 -> 2.20 (+0.50): op-0001:st-01>st-02,op-0002:st-02>st-01');
  t.match(d[0]!.inputs, { current: 1.7, optimum: 2.2, gain: 0.5 });
  s.decide(d[0]!.id, 'accepted', 1000, 'mes-1');
  t.same(s.status(1000).homes, { 'op-0001': 'st-02', 'op-0002': 'st-01' });
  // now the picture flips: op-0002 (at the press) tires; swapping back would gain 0.5, but not within 900 s
  const flipped = new Map([['op-0001', V(0.1, 0.9)], ['op-0002', V(0.1, 0.4)]]);
  const early = drive(s, 60, 900, () => flipped).filter((x) => x.kind === 'reassign');
  t.same(early, [], 'no reversal within noReverseS');
  const late = drive(s, 905, 1000, () => flipped).filter((x) => x.kind === 'reassign');
  t.equal(late.length, 1, 'after noReverseS the better assignment is proposed');
  t.equal(late[0]!.inputs['moves'], 'op-0001:st-02>st-01,op-0002:st-01>st-02');
});

t.test('reassignment respects qualifications and skills, and a small gain is no reason to move people', async (t) => {
  const stations = [S('st-01', ['press'], true), S('st-02')];
  const s = scheduler(stations, [op('op-0001', 'st-01', ['press']), op('op-0002', 'st-02')], { reassignEveryS: 60 });
  t.same(s.step(0, new Map([['op-0001', V(0.1, 0.3)], ['op-0002', V(0.1, 0.95)]])), [], 'op-0002 may not run the press');
  const small = scheduler([S('st-01', [], true), S('st-02')], [op('op-0001', 'st-01'), op('op-0002', 'st-02')], { reassignEveryS: 60, reassignMinGain: 0.15 });
  t.same(small.step(0, new Map([['op-0001', V(0.1, 0.85)], ['op-0002', V(0.1, 0.9)]])), [], 'gain 0.05 < 0.15');
  const skills = scheduler([S('st-01'), S('st-02')], [op('op-0001', 'st-01', [], { 'st-01': 0.2, 'st-02': 1 }), op('op-0002', 'st-02', [], { 'st-01': 1, 'st-02': 0.2 })], { reassignEveryS: 60 });
  t.equal(skills.step(0, new Map([['op-0001', V(0.1, 0.9)], ['op-0002', V(0.1, 0.9)]]))[0]?.kind, 'reassign', 'suitability alone can motivate a swap');
});

t.test('line speed: proposed when capacity stays low, never reversed within noReverseS, not judged on missing data', async (t) => {
  const stations = [S('st-01'), S('st-02'), S('st-03'), S('st-04')];
  const people = stations.map((x, i) => op(`op-000${i + 1}`, x.id));
  const s = scheduler(stations, people, { capacityHoldS: 60, noReverseS: 900 });
  const views = (score: number | null) => new Map(people.map((p) => [p.id, V(0.1, score)]));
  const out: [number, string, string][] = [];
  drive(s, 0, 70, () => views(0.62), (d, tS) => out.push([tS, d.kind, d.reason]));
  t.same(out, [[60, 'line_speed', 'line speed 100% -> 60%: fleet capacity 0.62 < 0.75 for 60 s']], 'rounded down to the 5 % step, held 60 s');
  const d = s.pending()[0]!;
  t.match(d.inputs, { capacity: 0.62, knownShare: 1, from: 1, to: 0.6 });
  s.decide(d.id, 'accepted', 75_000, 'mes-1');
  t.equal(s.status(75_000).speedFactor, 0.6);
  t.same(drive(s, 80, 970, () => views(0.95)), [], 'capacity is back at once, but no restore within 900 s of the change');
  const back = drive(s, 975, 1000, () => views(0.95));
  t.same(back.map((x) => [x.inputs['from'], x.inputs['to']]), [[0.6, 1]]);
  const blind = scheduler(stations, people, { capacityHoldS: 60 });
  t.same(drive(blind, 0, 300, () => views(null)), [], 'unknown attention everywhere: no basis for a line-speed change');
  t.equal(blind.capacity, null);
});

t.test('effects feedback: the measured effect of breaks at a station moves its operators up the queue', async (t) => {
  const stations = [S('st-01'), S('st-02')];
  const people = [op('op-0001', 'st-01'), op('op-0002', 'st-02'), relief('rl-0001')];
  const views = new Map([['op-0001', V(0.8)], ['op-0002', V(0.7)]]);
  t.equal(scheduler(stations, people).step(0, views)[0]!.targets[0], 'op-0001', 'no evidence: the more fatigued goes');
  const s = scheduler(stations, people, {}, (kind, st) => (kind === 'break' && st === 'st-02' ? 1.4 : 0.9));
  const d = s.step(0, views)[0]!;
  t.equal(d.targets[0], 'op-0002', 'breaks have worked at st-02, not at st-01');
  t.equal(d.inputs['effectFactor'], 1.4);
});

t.test('settings are validated; updateSettings is all-or-nothing', async (t) => {
  t.throws(() => scheduler([S('a')], [], { maxOnBreak: 0 }), RangeError);
  t.throws(() => scheduler([S('a')], [], { capacityLow: 0.9, capacityRestore: 0.8 }), RangeError);
  t.throws(() => scheduler([S('a'), S('a')], []), RangeError);
  t.throws(() => scheduler([S('a')], [op('op-0001', 'zz')]), RangeError);
  const s = scheduler([S('a')], []);
  t.throws(() => s.updateSettings({ capacityLow: 0.95 }), RangeError, 'above capacityRestore');
  t.equal(s.settings.capacityLow, 0.75);
  s.updateSettings({ maxOnBreak: 3 });
  t.equal(s.settings.maxOnBreak, 3);
});

/* ---------- properties ---------- */

const floorArb = fc.record({
  stations: fc.array(fc.subarray(['a', 'b', 'c']), { minLength: 1, maxLength: 4 }),
  people: fc.array(fc.record({ quals: fc.subarray(['a', 'b', 'c']), priority: fc.integer({ min: 0, max: 20 }) }), { minLength: 1, maxLength: 7 }),
  slots: fc.integer({ min: 0, max: 4 }),
});

t.test('property: the greedy break choice has the largest total priority of any allowed set (brute force)', async (t) => {
  fc.assert(
    fc.property(floorArb, ({ stations, people, slots }) => {
      const st = stations.map((req, i) => S(`s${i}`, req));
      const ps = people.map((p, i) => op(`p${i}`, null, p.quals));
      const cands = people.map((p, i) => ({ id: `p${i}`, priority: p.priority }));
      const chosen = chooseBreaks({ stations: st, available: ps, candidates: cands, slots });
      const need = coverableCount(st, ps);
      const allowed = (set: string[]) => set.length <= slots && coverableCount(st, ps.filter((p) => !set.includes(p.id))) >= need;
      if (!allowed(chosen)) return false;
      const value = (set: string[]) => set.reduce((a, id) => a + cands.find((c) => c.id === id)!.priority, 0);
      let best = 0;
      const ids = cands.filter((c) => c.priority > 0).map((c) => c.id);
      for (let mask = 0; mask < 1 << ids.length; mask++) {
        const set = ids.filter((_, i) => mask & (1 << i));
        if (allowed(set)) best = Math.max(best, value(set));
      }
      return value(chosen) === best;
    }),
    { numRuns: 600, seed: 5 },
  );
  t.pass('600 random floors');
});

t.test('property: over random days the scheduler never exceeds K away nor uncovers a coverable station', async (t) => {
  fc.assert(
    fc.property(
      fc.record({
        quals: fc.array(fc.subarray(['x', 'y']), { minLength: 3, maxLength: 6 }),
        reliefQuals: fc.array(fc.subarray(['x', 'y']), { maxLength: 3 }),
        k: fc.integer({ min: 1, max: 3 }),
        fatigue: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 }),
        verdicts: fc.array(fc.constantFrom('accepted', 'rejected', 'none'), { minLength: 40, maxLength: 40 }),
      }),
      ({ quals, reliefQuals, k, fatigue, verdicts }) => {
        const stations = quals.slice(0, 3).map((q, i) => S(`s${i}`, q.slice(0, 1)));
        const people = [...quals.map((q, i) => op(`op-${i}`, i < 3 ? `s${i}` : null, q)), ...reliefQuals.map((q, i) => relief(`rl-${i}`, q))];
        const s = scheduler(stations, people, { maxOnBreak: k, breakS: 60, minSpacingS: 0, decisionTtlS: 30, rejectHoldS: 20 });
        const onBreak = new Map<string, number>();
        for (let step = 0; step < 40; step++) {
          const tMs = step * 10_000;
          for (const [id, until] of onBreak) if (until <= tMs) onBreak.delete(id);
          const views = new Map(people.filter((p) => p.kind === 'operator').map((p, i) => [p.id, V(fatigue[(step + i) % 40]!)]));
          for (const d of s.step(tMs, views)) {
            if (d.kind !== 'break' || d.state !== 'pending') continue;
            const v = verdicts[step]!;
            if (v !== 'none') s.decide(d.id, v, tMs + 1, 'mes-1');
            if (v === 'accepted') onBreak.set(d.targets[0]!, tMs + 1 + 60_000);
          }
          const away = new Set([...onBreak.keys(), ...s.pending().filter((d) => d.kind === 'break').map((d) => d.targets[0]!)]);
          if (away.size > k) return false;
          const left = people.filter((p) => !away.has(p.id));
          if (coverableCount(stations, left) < coverableCount(stations, people)) return false;
        }
        return true;
      },
    ),
    { numRuns: 200, seed: 13 },
  );
  t.pass('200 random days');
});
