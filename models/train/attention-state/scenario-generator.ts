import { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import { parseScenario, type Scenario, type Segment, type WearerScript } from '../../../firmware-bridge/simulator/scenario.ts';

/**
 * Scenario families for training and evaluation. `mixed` is what the model is trained on;
 * `heldout` holds combinations and severities that never occur in training (overload in
 * drivers, microsleeps in operators, mild drowsiness and mild overload), to measure how the
 * model does on situations it was not shown.
 */
export type ScenarioFamily = 'mixed' | 'heldout';

export interface GeneratedScenarioOptions {
  family: ScenarioFamily;
  /** seed of this scenario: segments, and each wearer's simulator seed (individual baselines) */
  seed: number;
  wearers: number;
  /** script length, s */
  durationS: number;
  /** share of drivers (0..1) */
  driverShare?: number;
}

/** Where eyes go when they leave the task: outside the home region by more than the simulator's 3° margin. */
const DRIVER_TARGETS: [number, number][] = [[35, -15], [-40, 0], [10, -30], [45, -5], [-35, 5], [30, 12]];
const OPERATOR_TARGETS: [number, number][] = [[35, 5], [-35, 0], [0, 15], [30, -10], [-28, 12], [-40, -15]];

/** attentive work at the start: baselines (pupil, PERCLOS, HRV) settle before anything happens, s */
const LEAD_IN_S = 75;

/**
 * A random scenario of one family: per wearer a script of segments separated by attentive
 * work, drawn from a seeded stream and checked by the simulator's own parser (targets outside
 * the home region, microsleeps inside their segment). Each wearer gets its own simulator seed, so
 * baselines (heart rate, pupil size, blink rate, gaze spread) differ between wearers.
 *
 * Parameter ranges (training, `mixed`): glances 1-12 s (those under 2 s are normal checks),
 * idle 15-40 s, overload 60-150 s for operators (pupil +0.3-0.6 mm, HR +5-15 bpm, fixations
 * 420-560 ms; Beatty 1982, Castaldo et al. 2015, Recarte & Nunes 2000), drowsiness 90-200 s at
 * severity 0.7-1 (drivers with a 2-4 s microsleep), sensor loss of gaze, heart or both.
 *
 * @example
 *   const sc = generateScenario({ family: 'mixed', seed: 12, wearers: 8, durationS: 480 });
 */
export function generateScenario(o: GeneratedScenarioOptions): Scenario {
  if (!(o.durationS >= LEAD_IN_S + 60)) throw new RangeError(`durationS must be >= ${LEAD_IN_S + 60}`);
  const rnd = SeededRandom.stream(o.seed, `scenario-${o.family}`);
  const wearers: WearerScript[] = [];
  for (let i = 0; i < o.wearers; i++) {
    const driver = rnd.uniform() < (o.driverShare ?? 0.4);
    const id = `${driver ? 'dr' : 'op'}-${(o.seed * 64 + i).toString(16).padStart(4, '0')}`;
    const script: WearerScript = {
      wearer: id,
      role: driver ? 'driver' : 'operator',
      seed: o.seed * 1000 + i,
      ...(driver ? { vehicle: { speedMps: round(rnd.range(1.5, 4)) } } : {}),
      segments: segments(rnd, o.family, driver, o.durationS),
    };
    wearers.push(script);
  }
  // through the simulator's own validation, as a scenario file would go
  return parseScenario(JSON.stringify({ stations: [], wearers }));
}

function segments(rnd: SeededRandom, family: ScenarioFamily, driver: boolean, durationS: number): Segment[] {
  const out: Segment[] = [];
  let at = LEAD_IN_S + rnd.range(0, 20);
  while (true) {
    const seg = family === 'mixed' ? mixedSegment(rnd, driver) : heldoutSegment(rnd, driver);
    seg.at = round(at);
    if (seg.at + seg.duration > durationS) break;
    out.push(seg);
    at = seg.at + seg.duration + rnd.range(20, 60); // attentive work in between
  }
  return out;
}

function pick<T>(rnd: SeededRandom, xs: readonly T[]): T {
  return xs[Math.floor(rnd.uniform() * xs.length)]!;
}

function glance(rnd: SeededRandom, driver: boolean, durationS: number): Segment {
  return { at: 0, duration: round(durationS), state: 'glance_away', params: { targetDeg: pick(rnd, driver ? DRIVER_TARGETS : OPERATOR_TARGETS) } };
}

function sensorLoss(rnd: SeededRandom): Segment {
  const u = rnd.uniform();
  if (u < 0.45) return { at: 0, duration: round(rnd.range(3, 15)), state: 'sensor_loss', params: { sensors: 'gaze' } };
  if (u < 0.85) return { at: 0, duration: round(rnd.range(15, 40)), state: 'sensor_loss', params: { sensors: 'heart' } };
  return { at: 0, duration: round(rnd.range(5, 10)), state: 'sensor_loss', params: { sensors: 'all' } };
}

function drowsy(rnd: SeededRandom, severity: number, microsleep: boolean): Segment {
  const duration = round(rnd.range(90, 200));
  const rampS = round(rnd.range(30, Math.min(120, duration - 20)));
  const seg: Segment = { at: 0, duration, state: 'drowsy', params: { rampS, severity: round(severity) } };
  if (microsleep) {
    const ms = round(rnd.range(2, 4));
    seg.params!.microsleepS = ms;
    seg.params!.microsleepAtS = round(rnd.range(rampS, duration - ms - 1));
  }
  return seg;
}

function overload(rnd: SeededRandom, mild: boolean): Segment {
  return {
    at: 0,
    duration: round(rnd.range(60, 150)),
    state: 'overload',
    params: {
      rampS: round(rnd.range(5, 20)),
      pupilDilationMm: round(mild ? rnd.range(0.15, 0.25) : rnd.range(0.3, 0.6)),
      hrIncreaseBpm: round(mild ? rnd.range(3, 6) : rnd.range(5, 15)),
      fixationMs: Math.round(mild ? rnd.range(360, 400) : rnd.range(420, 560)),
    },
  };
}

function mixedSegment(rnd: SeededRandom, driver: boolean): Segment {
  const u = rnd.uniform();
  if (u < 0.3) return glance(rnd, driver, rnd.uniform() < 0.2 ? rnd.range(1, 2) : rnd.range(3, 12));
  if (u < 0.42) return { at: 0, duration: round(rnd.range(15, 40)), state: 'idle' };
  if (u < 0.62) return driver ? glance(rnd, driver, rnd.range(3, 8)) : overload(rnd, false);
  if (u < 0.82) return drowsy(rnd, rnd.range(0.7, 1), driver);
  return sensorLoss(rnd);
}

function heldoutSegment(rnd: SeededRandom, driver: boolean): Segment {
  const u = rnd.uniform();
  if (u < 0.2) return glance(rnd, driver, rnd.range(3, 12));
  if (u < 0.45) return driver ? overload(rnd, rnd.uniform() < 0.5) : overload(rnd, true);
  if (u < 0.75) return driver ? drowsy(rnd, rnd.range(0.4, 0.6), false) : drowsy(rnd, rnd.range(0.7, 1), true);
  if (u < 0.9) return drowsy(rnd, rnd.range(0.4, 0.6), false);
  return sensorLoss(rnd);
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
