/**
 * Scheduler figures: one Hungarian solve (maxWeightAssignment) for n x n floors, one
 * FloorScheduler step (break choice with coverage checks, cover plan, reassignment look,
 * line-speed judgement) for floors of 20 / 100 / 200 operators, and the per-estimate cost of
 * FloorAttention + EffectEvaluator (the part that runs on every tick). Prints figures, asserts nothing.
 *
 * Run: node --import tsx bench/scheduler.bench.ts [--json] [--quick]
 */
import { parseArgs } from 'node:util';
import { EffectEvaluator } from '../gateway/effects/effect-evaluator.ts';
import { FloorAttention } from '../gateway/scheduler/floor-attention.ts';
import type { PersonSpec, StationSpec } from '../gateway/scheduler/floor-model.ts';
import { FloorScheduler, type WearerView } from '../gateway/scheduler/floor-scheduler.ts';
import { maxWeightAssignment } from '../gateway/scheduler/hungarian.ts';
import { BenchReport } from './lib/bench-report.ts';

const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } }, strict: false });
const report = new BenchReport('scheduler');
let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const n of args.quick ? [50] : [20, 50, 100, 200]) {
  const w = Array.from({ length: n }, () => Array.from({ length: n }, () => (rnd() < 0.3 ? null : rnd())));
  const times: number[] = [];
  for (let r = 0; r < (n >= 200 ? 5 : 15); r++) {
    const t0 = performance.now();
    maxWeightAssignment(w);
    times.push(performance.now() - t0);
  }
  report.line(`Hungarian ${n} x ${n} (30 % pairs forbidden): ${median(times).toFixed(2)} ms median`);
  report.result('scheduler.hungarian_ms', median(times), 'ms', { n });
}

for (const ops of args.quick ? [20] : [20, 100, 200]) {
  const nStations = Math.round(ops * 0.9);
  const stations: StationSpec[] = Array.from({ length: nStations }, (_, i) => ({ id: `st-${i}`, requires: i % 4 === 0 ? ['press'] : [], critical: i % 4 === 0 }));
  const people: PersonSpec[] = Array.from({ length: ops }, (_, i) => ({ id: `op-${i}`, kind: 'operator', home: i < nStations ? `st-${i}` : null, qualifications: i % 3 === 0 ? ['press'] : [], skills: {} }));
  for (let r = 0; r < Math.max(2, Math.round(ops / 20)); r++) people.push({ id: `rl-${r}`, kind: 'relief', home: null, qualifications: ['press'], skills: {} });
  const s = new FloorScheduler({ stations, people, settings: { maxOnBreak: 3, reassignEveryS: 5, decisionTtlS: 10 }, toEpochMs: (x) => x });
  const views = new Map<string, WearerView>(people.filter((p) => p.kind === 'operator').map((p) => [p.id, { score: 0.5 + 0.5 * rnd(), fatigue: rnd(), perclos: 0.1 * rnd(), calibrating: false }]));
  const times: number[] = [];
  for (let k = 0; k < (args.quick ? 5 : 15); k++) {
    const t0 = performance.now();
    s.step(k * 5000, views);
    times.push(performance.now() - t0);
  }
  report.line(`FloorScheduler.step, ${ops} operators at ${nStations} stations (every 5 s in the gateway): ${median(times).toFixed(1)} ms median, ${Math.max(...times).toFixed(1)} ms max`);
  report.result('scheduler.step_ms', median(times), 'ms', { operators: ops, stations: nStations });
}

{
  const wearers = Array.from({ length: 200 }, (_, i) => `op-${i}`);
  const fa = new FloorAttention({ wearers, smoothingS: 30, perclosFull: 0.15, calibrationS: 180 });
  const fx = new EffectEvaluator({ wearers, toEpochMs: (x) => x });
  const ticks = args.quick ? 2000 : 12_000;
  const e = { wearer: '', t: 0, probs: { attentive: 0.8, distracted: 0.1, drowsy: 0.05, overloaded: 0.05 }, score: 0.8, quality: 1, state: 'attentive' as const, estimator: 'bench' };
  const t0 = performance.now();
  for (let k = 1; k <= ticks; k++) {
    const t = k * 50;
    for (const w of wearers) {
      e.wearer = w;
      e.t = t;
      fa.observeEstimate(e);
      fa.observePerclos(w, 0.05);
      fx.observeScore(w, t, 0.8);
      fx.observePerclos(w, t, 0.05);
    }
  }
  const nsPer = ((performance.now() - t0) * 1e6) / (ticks * wearers.length);
  report.line(`per estimate (FloorAttention + EffectEvaluator, 200 wearers): ${nsPer.toFixed(0)} ns`);
  report.result('scheduler.per_estimate_ns', nsPer, 'ns', { wearers: 200 });
}
report.end();
