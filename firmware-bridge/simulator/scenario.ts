import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import YAML from 'yaml';
import { AfgError } from '../../gateway/core/errors.ts';
import { GazeRect, ROAD_AHEAD_POLYGON_DEG, WORKPIECE_POLYGON_DEG } from './regions.ts';

/**
 * Simulator scenario files (YAML or JSON): the floor's stations, and per wearer a timed script
 * of states. Times are seconds from start; with `loopS` the script repeats with that period.
 * Outside every segment a wearer does attentive work.
 *
 * ```yaml
 * loopS: 120
 * stations: [{ id: st-01, name: Press 1, safetyCritical: true }]
 * wearers:
 *   - wearer: dr-19c2
 *     role: driver
 *     seed: 21
 *     vehicle: { speedMps: 2.5 }          # cruise speed; segments may override (0 = standstill)
 *     segments:
 *       - { at: 8, duration: 6, state: glance_away, params: { targetDeg: [35, -15] } }
 *       - { at: 12, duration: 8, state: drowsy, params: { microsleepAtS: 3, microsleepS: 3.5 } }
 * ```
 */
const Strict = { additionalProperties: false } as const;

export const SEGMENT_STATES = ['attentive', 'glance_away', 'drowsy', 'overload', 'sensor_loss', 'idle'] as const;
export type SegmentState = (typeof SEGMENT_STATES)[number];

/** Which sensors a `sensor_loss` segment takes away. */
export const LOST_SENSORS = ['gaze', 'heart', 'all'] as const;

const SegmentParamsSchema = Type.Object(
  {
    /** any state: vehicle speed during the segment, m/s (0 = standstill); `idle` defaults to 0 */
    speedMps: Type.Optional(Type.Number({ minimum: 0, maximum: 20 })),
    /** glance_away: where the eyes go, deg (x right, y up); must lie outside the role's home region */
    targetDeg: Type.Optional(Type.Tuple([Type.Number({ minimum: -90, maximum: 90 }), Type.Number({ minimum: -60, maximum: 60 })])),
    /** drowsy / overload: seconds until the full effect (drowsy: default min(duration, 300); overload: 10) */
    rampS: Type.Optional(Type.Number({ minimum: 0 })),
    /** drowsy: severity reached at the end of the ramp, 0..1 (default 1) */
    severity: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** drowsy, compressed: the eyes close for this many seconds (a microsleep) ... */
    microsleepS: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 60 })),
    /** ... starting this many seconds into the segment (default 0; the ramp then defaults to it) */
    microsleepAtS: Type.Optional(Type.Number({ minimum: 0 })),
    /** overload: pupil dilation, mm (default 0.4, Beatty 1982) */
    pupilDilationMm: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    /** overload: heart-rate increase, bpm (default 10, Castaldo et al. 2015) */
    hrIncreaseBpm: Type.Optional(Type.Number({ minimum: 0, maximum: 50 })),
    /** overload: mean fixation duration, ms (default 480, Recarte & Nunes 2000) */
    fixationMs: Type.Optional(Type.Number({ minimum: 100, maximum: 3000 })),
    /** sensor_loss: which sensors go (default gaze: the eye tracker loses the eyes) */
    sensors: Type.Optional(Type.Union(LOST_SENSORS.map((s) => Type.Literal(s)))),
  },
  Strict,
);

/** The params each state understands; any other is an error, so a misplaced param is not silently ignored. */
const PARAMS_OF: Record<SegmentState, readonly string[]> = {
  attentive: ['speedMps'],
  idle: ['speedMps'],
  glance_away: ['speedMps', 'targetDeg'],
  drowsy: ['speedMps', 'rampS', 'severity', 'microsleepS', 'microsleepAtS'],
  overload: ['speedMps', 'rampS', 'pupilDilationMm', 'hrIncreaseBpm', 'fixationMs'],
  sensor_loss: ['speedMps', 'sensors'],
};

const SegmentSchema = Type.Object(
  {
    /** seconds from start (from the start of each loop with loopS) */
    at: Type.Number({ minimum: 0 }),
    duration: Type.Number({ exclusiveMinimum: 0 }),
    state: Type.Union(SEGMENT_STATES.map((s) => Type.Literal(s))),
    params: Type.Optional(SegmentParamsSchema),
  },
  Strict,
);

const WearerScenarioSchema = Type.Object(
  {
    /** pseudonym: role prefix and hex, e.g. op-7f3a, dr-19c2 */
    wearer: Type.String({ pattern: '^[a-z]{2}-[0-9a-f]{4,16}$' }),
    role: Type.Union([Type.Literal('operator'), Type.Literal('driver')]),
    station: Type.Optional(Type.String({ minLength: 1 })),
    seed: Type.Optional(Type.Integer()),
    /** drivers: cruise speed, m/s (default 2.5, a forklift at walking-plus pace) */
    vehicle: Type.Optional(Type.Object({ speedMps: Type.Number({ minimum: 0, maximum: 20 }) }, Strict)),
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

/** One wearer's script as written in the file (what SignalSimulator takes). */
export type WearerScript = Static<typeof WearerScenarioSchema>;
export type Segment = Static<typeof SegmentSchema>;
export type SegmentParams = Static<typeof SegmentParamsSchema>;
export type Station = Static<typeof StationSchema>;

/** A validated wearer script with its cruise speed resolved (drivers: vehicle.speedMps or 2.5; operators: 0). */
export interface WearerScenario extends WearerScript {
  speedMps: number;
}

export interface Scenario {
  loopS?: number;
  stations: Station[];
  wearers: WearerScenario[];
}

export const DEFAULT_DRIVER_SPEED_MPS = 2.5;

/** Cruise speed of a script: drivers move unless a segment says otherwise, operators stand. */
export function cruiseSpeedMps(w: WearerScript): number {
  return w.role === 'driver' ? (w.vehicle?.speedMps ?? DEFAULT_DRIVER_SPEED_MPS) : 0;
}

/** A glance target must leave the home region by this much, so that fixation scatter stays outside. */
export const GLANCE_TARGET_MARGIN_DEG = 3;

export function homeRegion(role: 'operator' | 'driver'): GazeRect {
  return new GazeRect(role === 'driver' ? ROAD_AHEAD_POLYGON_DEG : WORKPIECE_POLYGON_DEG);
}

const validate = new Ajv({ useDefaults: true, strict: false }).compile(ScenarioSchema);

/**
 * Parses and validates scenario text (YAML or JSON). Every error is an AfgError
 * AFG_E_SCENARIO_INVALID whose `path` is the JSON pointer of the bad field.
 *
 * Cost: O(size of the file); called once at start.
 *
 * @example
 *   const sc = parseScenario(await readFile('examples/scenarios/demo-floor.yaml', 'utf8'));
 */
export function parseScenario(text: string): Scenario {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw invalid('/', `is not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (!validate(raw)) {
    const e = validate.errors![0]!;
    if (e.keyword === 'additionalProperties') {
      throw invalid(`${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`, 'is not a known field');
    }
    if (e.keyword === 'required') throw invalid(`${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, 'is required');
    throw invalid(e.instancePath || '/', e.message ?? 'is invalid');
  }
  const s = raw as Static<typeof ScenarioSchema>;
  const stations = new Set<string>();
  s.stations.forEach((st, i) => {
    if (stations.has(st.id)) throw invalid(`/stations/${i}/id`, `duplicates '${st.id}'`);
    stations.add(st.id);
  });
  const ids = new Set<string>();
  s.wearers.forEach((w, i) => {
    const at = `/wearers/${i}`;
    if (ids.has(w.wearer)) throw invalid(`${at}/wearer`, `duplicates '${w.wearer}'`);
    ids.add(w.wearer);
    if (w.station !== undefined && !stations.has(w.station)) throw invalid(`${at}/station`, `names unknown station '${w.station}'`);
    if (w.vehicle !== undefined && w.role !== 'driver') throw invalid(`${at}/vehicle`, 'is for drivers only');
    checkSegments(w, at, s.loopS);
  });
  return { ...(s.loopS !== undefined ? { loopS: s.loopS } : {}), stations: s.stations, wearers: s.wearers.map((w) => ({ ...w, speedMps: cruiseSpeedMps(w) })) };
}

/** Reads and parses a scenario file; unreadable files are AFG_E_SCENARIO_INVALID too. */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AfgError('AFG_E_SCENARIO_INVALID', `cannot read scenario ${file}: ${(err as Error).message}`, { path: '/' });
  }
  return parseScenario(text);
}

function checkSegments(w: WearerScript, at: string, loopS: number | undefined): void {
  const order = w.segments.map((seg, j) => ({ seg, j })).sort((a, b) => a.seg.at - b.seg.at);
  for (let k = 1; k < order.length; k++) {
    const prev = order[k - 1]!.seg;
    if (order[k]!.seg.at < prev.at + prev.duration) {
      throw invalid(`${at}/segments/${order[k]!.j}/at`, `overlaps the segment at ${prev.at} s (ends at ${prev.at + prev.duration} s)`);
    }
  }
  const home = homeRegion(w.role);
  w.segments.forEach((seg, j) => {
    const p = `${at}/segments/${j}`;
    if (loopS !== undefined && seg.at + seg.duration > loopS) throw invalid(`${p}/duration`, `ends at ${seg.at + seg.duration} s, after the loop period loopS = ${loopS} s`);
    const params = seg.params ?? {};
    for (const key of Object.keys(params)) {
      if (!PARAMS_OF[seg.state].includes(key)) throw invalid(`${p}/params/${key}`, `does not apply to state '${seg.state}' (allowed: ${PARAMS_OF[seg.state].join(', ')})`);
    }
    if (params.speedMps !== undefined && w.role !== 'driver') throw invalid(`${p}/params/speedMps`, 'is for drivers only');
    if (params.targetDeg && home.inside(params.targetDeg[0], params.targetDeg[1], GLANCE_TARGET_MARGIN_DEG)) {
      throw invalid(`${p}/params/targetDeg`, `must lie at least ${GLANCE_TARGET_MARGIN_DEG} deg outside the ${w.role === 'driver' ? 'road-ahead' : 'workpiece'} region`);
    }
    if (params.microsleepS !== undefined && (params.microsleepAtS ?? 0) + params.microsleepS > seg.duration) {
      throw invalid(`${p}/params/microsleepS`, `microsleepAtS + microsleepS exceeds the segment duration ${seg.duration} s`);
    }
    if (params.microsleepAtS !== undefined && params.microsleepS === undefined) throw invalid(`${p}/params/microsleepAtS`, 'needs microsleepS');
  });
}

function invalid(path: string, what: string): AfgError {
  return new AfgError('AFG_E_SCENARIO_INVALID', `scenario field ${path} ${what}`, { path });
}
