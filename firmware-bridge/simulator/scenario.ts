import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import YAML from 'yaml';
import { AfgError } from '../../gateway/core/errors.ts';

/**
 * Simulator scenario files (YAML or JSON): the floor, and a timed script of states per wearer.
 * Times are seconds from start; with `loopS` the script repeats with that period.
 */
const Strict = { additionalProperties: false } as const;

export const SEGMENT_STATES = ['attentive', 'glance_away', 'drowsy', 'microsleep', 'overload', 'sensor_loss', 'idle'] as const;
export type SegmentState = (typeof SEGMENT_STATES)[number];

const SegmentSchema = Type.Object(
  {
    at: Type.Number({ minimum: 0 }),
    duration: Type.Number({ exclusiveMinimum: 0 }),
    state: Type.Union(SEGMENT_STATES.map((s) => Type.Literal(s))),
    /** microsleep: seconds with the eyes closed (default 3); drowsy: 0..1 severity (default 1) */
    closedS: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 60 })),
    severity: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** drivers: speed during the segment, m/s (0 = standstill) */
    speedMps: Type.Optional(Type.Number({ minimum: 0, maximum: 20 })),
  },
  Strict,
);

const WearerScenarioSchema = Type.Object(
  {
    wearer: Type.String({ pattern: '^[a-z]{2}-[0-9a-f]{4,16}$' }),
    role: Type.Union([Type.Literal('operator'), Type.Literal('driver')]),
    station: Type.Optional(Type.String({ minLength: 1 })),
    seed: Type.Optional(Type.Integer()),
    speedMps: Type.Number({ minimum: 0, maximum: 20, default: 2.5 }),
    segments: Type.Array(SegmentSchema, { default: [] }),
  },
  Strict,
);

const StationSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    x: Type.Number({ default: 0 }),
    y: Type.Number({ default: 0 }),
    safetyCritical: Type.Boolean({ default: false }),
  },
  Strict,
);

export const ScenarioSchema = Type.Object(
  {
    loopS: Type.Optional(Type.Number({ minimum: 10 })),
    stations: Type.Array(StationSchema, { default: [] }),
    wearers: Type.Array(WearerScenarioSchema, { minItems: 1 }),
  },
  Strict,
);

export type Scenario = Static<typeof ScenarioSchema>;
export type WearerScenario = Static<typeof WearerScenarioSchema>;
export type Segment = Static<typeof SegmentSchema>;

const validate = new Ajv({ useDefaults: true, strict: false }).compile<Scenario>(ScenarioSchema);

/** Parses and validates scenario text; errors carry the JSON-pointer path of the bad field. */
export function parseScenario(text: string): Scenario {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw new AfgError('AFG_E_SCENARIO_INVALID', `scenario is not valid YAML/JSON: ${(err as Error).message}`, { path: '/' });
  }
  if (!validate(raw)) {
    const e = validate.errors![0]!;
    let at = e.instancePath || '/';
    if (e.keyword === 'additionalProperties') at = `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`;
    throw new AfgError('AFG_E_SCENARIO_INVALID', `scenario field ${at} ${e.keyword === 'additionalProperties' ? 'is not a known field' : e.message}`, { path: at });
  }
  const s = raw;
  const stations = new Set(s.stations.map((x) => x.id));
  const ids = new Set<string>();
  s.wearers.forEach((w, i) => {
    if (ids.has(w.wearer)) throw new AfgError('AFG_E_SCENARIO_INVALID', `scenario field /wearers/${i}/wearer duplicates '${w.wearer}'`, { path: `/wearers/${i}/wearer` });
    ids.add(w.wearer);
    if (w.station !== undefined && !stations.has(w.station)) {
      throw new AfgError('AFG_E_SCENARIO_INVALID', `scenario field /wearers/${i}/station names unknown station '${w.station}'`, { path: `/wearers/${i}/station` });
    }
  });
  return s;
}

export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AfgError('AFG_E_SCENARIO_INVALID', `cannot read scenario ${file}: ${(err as Error).message}`);
  }
  return parseScenario(text);
}
