import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import type { AttentionEstimate, Decision } from '../../gateway/core/types.ts';
import { createGatewayCommands } from '../../gateway/commands/command-wiring.ts';
import { DecisionPayload } from '../../gateway/outputs/payload-schemas.ts';
import { FleetPipeline } from '../../gateway/pipeline/fleet-pipeline.ts';
import { createFloorScheduling } from '../../gateway/scheduler/floor-scheduling.ts';
import { GatewayStore } from '../../gateway/store/gateway-store.ts';

const EPOCH0 = 1_767_225_600_000;
const validDecision = new Ajv({ strict: false }).compile(DecisionPayload);

const est = (wearer: string, t: number, p: { drowsy: number; score: number } | null): AttentionEstimate =>
  p === null
    ? { wearer, t, probs: null, score: null, quality: 0, state: 'sensor_lost', estimator: 'test' }
    : { wearer, t, probs: { attentive: p.score, distracted: 0, drowsy: p.drowsy, overloaded: 0 }, score: p.score, quality: 1, state: p.drowsy > 0.5 ? 'drowsy' : 'attentive', estimator: 'test' };

t.test('end to end on the bus: fatigue -> break decision -> accepted by the line over the CommandPort -> effect measured, stored, fed back', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-sched-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = validateConfig({
    stations: [{ id: 'st-01', name: 'Press', safetyCritical: true }, { id: 'st-02', name: 'Assembly' }],
    wearers: [{ id: 'op-0001', role: 'operator', station: 'st-01' }, { id: 'op-0002', role: 'operator', station: 'st-02' }],
    policy: { calibrationS: 60 },
    scheduler: { breakS: 60, stations: [{ station: 'st-01', requires: ['press'] }], operators: [{ wearer: 'op-0001', qualifications: ['press'] }], relief: [{ id: 'rl-0001', qualifications: ['press'] }] },
    effects: { beforeS: 60, afterS: 60 },
  });
  const bus = new EventBus();
  const store = await GatewayStore.open({ dir, flushMs: 10 });
  t.teardown(() => store.close());
  const toEpochMs = (x: number) => EPOCH0 + x;
  bus.on('decision', (d) => store.recordDecision(d));
  let n = 0;
  const scheduling = createFloorScheduling({ config, bus, toEpochMs, effectHistory: store.data.effects, onEffect: (r) => store.recordEffect(r), newId: () => `dc-${++n}` });
  t.teardown(() => scheduling.close());
  const fleet = new FleetPipeline({ config, bus: new EventBus(), toEpochMs });
  const { commands } = createGatewayCommands({ fleet, store, bus, errors: new ErrorCounter(), toEpochMs, decisions: scheduling.desk, bind: (r) => scheduling.bindThresholds(r) });
  t.teardown(() => commands.close());

  const decisions: [number, Decision][] = [];
  bus.on('decision', (d) => decisions.push([d.state === 'pending' ? (d.createdAt! - EPOCH0) / 1000 : -1, d]));
  let acceptedAt = NaN;
  let breakEnds = NaN;
  let replyP: Promise<unknown> | null = null;
  for (let tMs = 50; tMs <= 300_000; tMs += 50) {
    commands.applyDue(tMs); // tick boundary
    const onBreak = !Number.isNaN(acceptedAt) && tMs <= breakEnds;
    const rested = !Number.isNaN(breakEnds) && tMs > breakEnds;
    const p1 = onBreak ? null : rested ? { drowsy: 0.05, score: 0.9 } : { drowsy: 0.8, score: 0.35 };
    bus.emit('estimate', est('op-0001', tMs, p1));
    bus.emit('observation', { wearer: 'op-0001', t: tMs, values: { perclos: onBreak ? null : rested ? 0.04 : 0.2 } });
    bus.emit('estimate', est('op-0002', tMs, { drowsy: 0.05, score: 0.9 }));
    bus.emit('observation', { wearer: 'op-0002', t: tMs, values: { perclos: 0.03 } });
    scheduling.step(tMs);
    const br = decisions.find(([, d]) => d.kind === 'break' && d.state === 'pending');
    if (br && !replyP) {
      replyP = commands.execute({ command: 'decision.accept', correlationId: 'c-1', decisionId: br[1].id, note: 'relief sent' }, { actor: 'mes-1', role: 'line_system', via: 'mqtt' });
      acceptedAt = tMs + 50; // applied at the next tick
      breakEnds = acceptedAt + 60_000;
    }
  }
  const breaks = decisions.filter(([, d]) => d.kind === 'break');
  t.equal(breaks.length, 2, 'one break decision: proposed and accepted (no other)');
  const [tProposed, proposed] = breaks[0]!;
  t.ok(tProposed >= 60 && tProposed <= 65, `proposed at the first step after calibration (${tProposed} s)`);
  t.match(proposed, { kind: 'break', targets: ['op-0001', 'rl-0001'], station: 'st-01', state: 'pending' });
  // fatigue index: max(P(drowsy) 0.8, PERCLOS 0.2 / 0.15 -> 1); the first tick has no PERCLOS yet
  // (0.8), so after 60 s of smoothing (tau 30 s) it is 1 - 0.2 e^-2 = 0.97
  t.match(proposed.reason, /^micro-break 1 min for op-0001 at st-01: fatigue 0\.97 >= 0\.60; rl-0001 covers st-01/);
  t.ok(validDecision({ ...proposed, ts: 1 }), 'a valid DecisionPayload');
  t.match(await replyP, { ok: true, result: { decisionId: proposed.id, state: 'accepted', kind: 'break' } });
  t.match(breaks[1]![1], { id: proposed.id, state: 'accepted', decidedBy: 'mes-1', decidedAt: EPOCH0 + acceptedAt });
  t.same(store.data.decisions[proposed.id]!.history.map((h) => [h.state, h.by ?? null]), [['pending', null], ['accepted', 'mes-1']]);
  t.match(store.auditOf(proposed.id), [{ actor: 'mes-1', role: 'line_system', via: 'mqtt', action: 'decision.accept', note: 'relief sent' }]);

  t.equal(store.data.effects.length, 1, 'the effect was measured after break + window');
  const e = store.data.effects[0]!;
  t.match(e, { id: proposed.id, kind: 'break', wearer: 'op-0001', station: 'st-01', delayS: 60, beforeS: 60, afterS: 60, before: { score: 0.35, perclos: 0.2 }, after: { score: 0.9, perclos: 0.04 } });
  t.ok(Math.abs(e.deltaScore! - 0.55) < 1e-6 && Math.abs(e.deltaPerclos! + 0.16) < 1e-6);
  t.match(scheduling.summary(), [{ kind: 'break', station: null, n: 1 }, { kind: 'break', station: 'st-01', n: 1, meanDeltaScore: 0.55 }]);
  t.ok(scheduling.effects.factor('break', 'st-01') > 1.4, 'fed back: breaks at st-01 now weigh more');
  t.ok(decisions.some(([, d]) => d.kind === 'line_speed'), 'the low attention at the press also moved the line-speed proposal');
});

t.test('scheduler thresholds through threshold.set; a disabled scheduler decides nothing; bad floor references stop the start', async (t) => {
  const config = validateConfig({
    stations: [{ id: 'st-01', name: 'Press' }],
    wearers: [{ id: 'op-0001', role: 'operator', station: 'st-01' }],
    scheduler: { enabled: false, relief: [{ id: 'rl-0001' }] },
  });
  const bus = new EventBus();
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-sched-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = await GatewayStore.open({ dir });
  t.teardown(() => store.close());
  const scheduling = createFloorScheduling({ config, bus, toEpochMs: (x) => x });
  const fleet = new FleetPipeline({ config, bus, toEpochMs: (x) => x });
  const { commands } = createGatewayCommands({ fleet, store, bus, errors: new ErrorCounter(), toEpochMs: (x) => x, decisions: scheduling.desk, bind: (r) => scheduling.bindThresholds(r) });
  const p = commands.execute({ command: 'threshold.set', correlationId: 'x', name: 'scheduler.maxOnBreak', value: 2 }, { actor: 'sup-01', role: 'supervisor', via: 'http' });
  commands.applyDue(50);
  t.match(await p, { ok: true, result: { previous: 1, value: 2 } });
  t.equal(scheduling.scheduler.settings.maxOnBreak, 2);
  const q = commands.execute({ command: 'threshold.set', correlationId: 'y', name: 'scheduler.maxOnBreak', value: 1.5 }, { actor: 'sup-01', role: 'supervisor', via: 'http' });
  commands.applyDue(100);
  t.match(await q, { ok: false, code: 'AFG_E_COMMAND_INVALID', reason: /whole number/ });
  const seen: Decision[] = [];
  bus.on('decision', (d) => seen.push(d));
  for (let tMs = 0; tMs < 5 * 3600_000; tMs += 5000) scheduling.step(tMs);
  t.same(seen, [], 'scheduler.enabled false: nothing, even after 5 h on task');
  scheduling.close();
  commands.close();
  t.throws(() => validateConfig({ stations: [{ id: 'st-01', name: 'P' }], wearers: [{ id: 'op-0001', role: 'operator' }], scheduler: { operators: [{ wearer: 'op-9999' }] } }), { code: 'AFG_E_CONFIG_INVALID', path: '/scheduler/operators/0/wearer' });
  t.throws(() => validateConfig({ scheduler: { capacityLow: 0.9, capacityRestore: 0.8 } }), { code: 'AFG_E_CONFIG_INVALID', path: '/scheduler/capacityRestore' });
  t.throws(() => createFloorScheduling({ config: { ...config, scheduler: { ...config.scheduler, stations: [{ station: 'st-77', requires: [] }] } }, bus, toEpochMs: (x) => x }), { code: 'AFG_E_CONFIG_INVALID', path: '/scheduler/stations/0/station' }, 'a scenario floor is checked at start');
});
