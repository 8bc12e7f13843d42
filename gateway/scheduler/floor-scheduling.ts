import type { GatewayConfig } from '../config/schema.ts';
import type { DecisionDesk } from '../commands/gateway-commands.ts';
import type { ThresholdRegistry } from '../commands/adjustable-thresholds.ts';
import type { EventBus } from '../core/event-bus.ts';
import { AfgError } from '../core/errors.ts';
import type { Decision } from '../core/types.ts';
import { EffectEvaluator, type EffectSummaryRow } from '../effects/effect-evaluator.ts';
import type { EffectRecord } from '../effects/effect-record.ts';
import { operatorSettingsOf } from '../policy/policy-config.ts';
import { OperatorPolicy } from '../policy/operator-policy.ts';
import { FloorAttention } from './floor-attention.ts';
import type { PersonSpec, StationSpec } from './floor-model.ts';
import { FloorScheduler } from './floor-scheduler.ts';
import { checkSchedulerConfig } from './scheduler-config.ts';

/** What the gateway and its HTTP API get from the scheduling stage. */
export interface FloorScheduling {
  scheduler: FloorScheduler;
  effects: EffectEvaluator;
  /** accept/reject for the CommandPort; an accept starts the effect evaluation */
  desk: DecisionDesk;
  /** the gateway loop calls this every turn with the last tick's time; it acts every periodS */
  step(tMs: number): void;
  /** for the dashboard API: effects per intervention kind and station */
  summary(): EffectSummaryRow[];
  bindThresholds(reg: ThresholdRegistry): void;
  close(): void;
}

/** The floor the scheduler plans with, from the config: stations, operators and relief staff. */
export function floorOf(config: Pick<GatewayConfig, 'stations' | 'wearers' | 'scheduler'>): { stations: StationSpec[]; people: PersonSpec[] } {
  const sc = config.scheduler;
  const stations = config.stations.map((s) => ({ id: s.id, critical: s.safetyCritical, requires: sc.stations.find((x) => x.station === s.id)?.requires ?? [] }));
  const people: PersonSpec[] = config.wearers
    .filter((w) => w.role === 'operator')
    .map((w) => {
      const o = sc.operators.find((x) => x.wearer === w.id);
      return { id: w.id, kind: 'operator', home: w.station ?? null, qualifications: o?.qualifications ?? [], skills: o?.skills ?? {} };
    });
  for (const r of sc.relief) people.push({ id: r.id, kind: 'relief', home: null, qualifications: r.qualifications, skills: r.skills });
  return { stations, people };
}

/**
 * The scheduling stage wired to the bus: FloorAttention and the EffectEvaluator listen to the
 * estimates and observations, the FloorScheduler is stepped from the gateway loop every
 * `scheduler.periodS` with the tick time, its decisions go onto the bus ('decision': outbox ->
 * MQTT at QoS 1, the store, the dashboard). Accepted decisions and acknowledged alerts start
 * an effect evaluation; finished ones go into the store and feed the scheduler's priorities.
 *
 * @example
 *   const scheduling = createFloorScheduling({ config, bus, toEpochMs, effectHistory: store.data.effects, onEffect: (r) => store.recordEffect(r) });
 *   // in the loop: scheduling.step(lastTickMs)
 */
export function createFloorScheduling(o: {
  config: Pick<GatewayConfig, 'stations' | 'wearers' | 'scheduler' | 'effects' | 'policy'>;
  bus: EventBus;
  toEpochMs: (t: number) => number;
  effectHistory?: readonly EffectRecord[];
  onEffect?: (r: EffectRecord) => void;
  newId?: () => string;
}): FloorScheduling {
  const bad = checkSchedulerConfig(o.config);
  if (bad) throw new AfgError('AFG_E_CONFIG_INVALID', `config field ${bad[0]} ${bad[1]}`, { path: bad[0] });
  const sc = o.config.scheduler;
  const floor = floorOf(o.config);
  const operators = o.config.wearers.filter((w) => w.role === 'operator').map((w) => w.id);
  const calibrationS = new OperatorPolicy({ settings: operatorSettingsOf(o.config.policy) }).settings.calibrationS;
  const effects = new EffectEvaluator({
    wearers: operators,
    toEpochMs: o.toEpochMs,
    settings: { beforeS: o.config.effects.beforeS, afterS: o.config.effects.afterS, minCoverage: o.config.effects.minCoverage },
    ...(o.effectHistory ? { history: o.effectHistory } : {}),
    ...(o.onEffect ? { onRecord: o.onEffect } : {}),
  });
  const settings = {
    periodS: sc.periodS,
    maxOnBreak: sc.maxOnBreak,
    breakS: sc.breakS,
    maxWorkS: sc.maxWorkS,
    minSpacingS: sc.minSpacingS,
    breakFatigue: sc.breakFatigue,
    decisionTtlS: sc.decisionTtlS,
    rejectHoldS: sc.rejectHoldS,
    noReverseS: sc.noReverseS,
    reassignEveryS: sc.reassignEveryS,
    reassignMinGain: sc.reassignMinGain,
    criticalWeight: sc.criticalWeight,
    capacityLow: sc.capacityLow,
    capacityRestore: sc.capacityRestore,
    capacityHoldS: sc.capacityHoldS,
    minSpeedFactor: sc.minSpeedFactor,
  };
  const scheduler = new FloorScheduler({
    ...floor,
    settings,
    toEpochMs: o.toEpochMs,
    effectFactor: (kind, station) => effects.factor(kind, station),
    ...(o.newId ? { newId: o.newId } : {}),
  });
  const attention = new FloorAttention({ wearers: operators, smoothingS: scheduler.settings.smoothingS, perclosFull: scheduler.settings.perclosFull, calibrationS });
  const stationOf = new Map(o.config.wearers.map((w) => [w.id, w.station ?? null]));
  const ackSeen = new Set<string>();
  let lastTick = NaN;
  const off = [
    o.bus.on('estimate', (e) => {
      attention.observeEstimate(e);
      effects.observeScore(e.wearer, e.t, e.score);
      lastTick = e.t;
    }),
    o.bus.on('observation', (x) => {
      const pc = x.values['perclos'];
      const v = typeof pc === 'number' ? pc : null;
      attention.observePerclos(x.wearer, v);
      effects.observePerclos(x.wearer, x.t, v);
    }),
    o.bus.on('alert', (a) => {
      // an acknowledged operator alert is an intervention too (the wearer was told, someone came)
      if (a.state === 'acked' && a.role === 'operator' && !ackSeen.has(a.id)) {
        ackSeen.add(a.id);
        if (ackSeen.size > 10_000) ackSeen.clear();
        if (!Number.isNaN(lastTick)) effects.begin({ id: a.id, kind: `ack:${a.kind}`, wearer: a.wearer, station: a.station ?? stationOf.get(a.wearer) ?? null, tMs: lastTick, delayS: 0 });
      }
    }),
  ];

  let nextStep = -Infinity;
  const desk: DecisionDesk = {
    get: (id) => scheduler.get(id),
    decide: (id, verdict, tMs, by) => {
      const d = scheduler.decide(id, verdict, tMs, by);
      if (d && verdict === 'accepted') startEffects(d, tMs);
      return d;
    },
  };
  function startEffects(d: Decision, tMs: number): void {
    const detail = scheduler.detail(d.id);
    if (!detail) return;
    if (detail.kind === 'break') {
      effects.begin({ id: d.id, kind: 'break', wearer: detail.wearer, station: detail.station, tMs, delayS: detail.breakS });
    } else if (detail.kind === 'reassign') {
      for (const [w, , to] of detail.moves) effects.begin({ id: d.id, kind: 'reassign', wearer: w, station: to, tMs, delayS: 0 });
    } else {
      for (const w of operators) effects.begin({ id: d.id, kind: 'line_speed', wearer: w, station: stationOf.get(w) ?? null, tMs, delayS: 0 });
    }
  }

  return {
    scheduler,
    effects,
    desk,
    step(tMs: number) {
      if (!sc.enabled || tMs < nextStep) return;
      nextStep = tMs + scheduler.settings.periodS * 1000;
      for (const d of scheduler.step(tMs, attention.view(tMs))) o.bus.emit('decision', d);
      effects.step(tMs);
    },
    summary: () => effects.summary(),
    bindThresholds(reg) {
      const bind = (name: string, key: 'breakFatigue' | 'maxOnBreak' | 'breakS' | 'capacityLow') =>
        reg.bind(name, { get: () => scheduler.settings[key], set: (v) => scheduler.updateSettings({ [key]: v }) });
      bind('scheduler.breakFatigue', 'breakFatigue');
      bind('scheduler.maxOnBreak', 'maxOnBreak');
      bind('scheduler.breakS', 'breakS');
      bind('scheduler.capacityLow', 'capacityLow');
    },
    close() {
      for (const f of off) f();
    },
  };
}
