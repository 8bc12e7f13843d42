import { Type, type Static } from '@sinclair/typebox';
import { SCHEDULER_SETTINGS } from './scheduler-settings.ts';

const Strict = { additionalProperties: false } as const;
const S = SCHEDULER_SETTINGS;
const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
const Qualifications = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { default: [], maxItems: 64 });
const Skills = Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 }), { default: {}, description: 'station id -> suitability 0..1 (0: not at this station); unlisted stations count 1' });

/**
 * `scheduler:` in the config (examples/config.yaml documents each field). The floor it plans
 * with: stations with the qualifications they require, operators (wearers) with theirs, and
 * relief staff without sensors who cover breaks. Everything defaults, so an empty section
 * schedules on the configured stations and wearers with no qualification constraints.
 */
export const SchedulerConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    periodS: Type.Number({ exclusiveMinimum: 0, maximum: 600, default: S.periodS }),
    maxOnBreak: Type.Integer({ minimum: 1, maximum: 50, default: S.maxOnBreak }),
    breakS: Type.Number({ minimum: 30, maximum: 3600, default: S.breakS }),
    maxWorkS: Type.Number({ minimum: 60, maximum: 8 * 3600, default: S.maxWorkS }),
    minSpacingS: Type.Number({ minimum: 0, maximum: 8 * 3600, default: S.minSpacingS }),
    breakFatigue: Type.Number({ minimum: 0.1, maximum: 1, default: S.breakFatigue }),
    decisionTtlS: Type.Number({ minimum: 10, maximum: 3600, default: S.decisionTtlS }),
    rejectHoldS: Type.Number({ minimum: 0, maximum: 8 * 3600, default: S.rejectHoldS }),
    noReverseS: Type.Number({ minimum: 0, maximum: 8 * 3600, default: S.noReverseS }),
    reassignEveryS: Type.Number({ minimum: 5, maximum: 3600, default: S.reassignEveryS }),
    reassignMinGain: Type.Number({ minimum: 0, maximum: 100, default: S.reassignMinGain }),
    criticalWeight: Type.Number({ minimum: 1, maximum: 10, default: S.criticalWeight }),
    capacityLow: Type.Number({ minimum: 0, maximum: 1, default: S.capacityLow }),
    capacityRestore: Type.Number({ minimum: 0, maximum: 1, default: S.capacityRestore }),
    capacityHoldS: Type.Number({ minimum: 0, maximum: 3600, default: S.capacityHoldS }),
    minSpeedFactor: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: S.minSpeedFactor }),
    stations: Type.Array(Type.Object({ station: Id, requires: Qualifications }, Strict), { default: [], description: 'qualifications a station requires' }),
    operators: Type.Array(Type.Object({ wearer: Id, qualifications: Qualifications, skills: Skills }, Strict), { default: [], description: "operators' qualifications and skills" }),
    relief: Type.Array(
      Type.Object({ id: Type.String({ pattern: '^[a-z]{2}-[0-9a-f]{4,16}$', description: 'pseudonym, e.g. rl-0001' }), qualifications: Qualifications, skills: Skills }, Strict),
      { default: [], description: 'relief staff (no sensors) who cover breaks' },
    ),
  },
  { ...Strict, default: {}, description: 'floor scheduler: micro-breaks, station reassignment, line speed' },
);
export type SchedulerConfig = Static<typeof SchedulerConfigSchema>;

/** Cross-field checks: referenced stations and wearers exist. Returns [path, message] of the first problem. */
export function checkSchedulerConfig(cfg: { scheduler: SchedulerConfig; stations: { id: string }[]; wearers: { id: string; role: string }[] }, o: { floorKnown: boolean } = { floorKnown: true }): [string, string] | null {
  const stations = new Set(cfg.stations.map((s) => s.id));
  const operators = new Set(cfg.wearers.filter((w) => w.role === 'operator').map((w) => w.id));
  const sc = cfg.scheduler;
  if (sc.capacityRestore < sc.capacityLow) return ['/scheduler/capacityRestore', 'must not be below capacityLow'];
  if (!o.floorKnown) return null;
  for (const [i, s] of sc.stations.entries()) if (!stations.has(s.station)) return [`/scheduler/stations/${i}/station`, `names no station in /stations ('${s.station}')`];
  for (const [i, o] of sc.operators.entries()) {
    if (!operators.has(o.wearer)) return [`/scheduler/operators/${i}/wearer`, `names no operator in /wearers ('${o.wearer}')`];
    for (const k of Object.keys(o.skills)) if (!stations.has(k)) return [`/scheduler/operators/${i}/skills/${k}`, 'names no station'];
  }
  const seen = new Set<string>(cfg.wearers.map((w) => w.id));
  for (const [i, r] of sc.relief.entries()) {
    if (seen.has(r.id)) return [`/scheduler/relief/${i}/id`, `'${r.id}' is already used`];
    seen.add(r.id);
    for (const k of Object.keys(r.skills)) if (!stations.has(k)) return [`/scheduler/relief/${i}/skills/${k}`, 'names no station'];
  }
  return null;
}
