import { EyeMovementProcess } from './eye-movement-process.ts';
import { EyelidProcess } from './eyelid-process.ts';
import { HeadMotionProcess } from './head-motion-process.ts';
import { HeartProcess, type HeartColumns } from './heart-process.ts';
import { PHYSIOLOGY } from './physiology.ts';
import type { Segment, SegmentState, WearerScript } from './scenario.ts';
import { ScenarioTimeline, emptyConditions, type TruthLabel } from './scenario-timeline.ts';
import { SeededRandom } from './seeded-random.ts';

export { ROAD_AHEAD_POLYGON_DEG, WORKPIECE_POLYGON_DEG } from './regions.ts';
export { PHYSIOLOGY } from './physiology.ts';
export type { HeartColumns } from './heart-process.ts';
export type { TruthLabel } from './scenario-timeline.ts';

export interface GazeColumns {
  n: number;
  /** simulator clock, ms from 0 */
  t: Float64Array;
  /** degrees from straight ahead, x right, y up */
  x: Float32Array;
  y: Float32Array;
  /** mm; NaN while the lid covers the pupil or the sensor is lost */
  pupil: Float32Array;
  /** 0 closed .. 1 open; NaN when the sensor is lost (never 0) */
  openness: Float32Array;
  /** 1 tracked, 0 lost */
  valid: Uint8Array;
}

export interface AccColumns {
  n: number;
  t: Float64Array;
  /** mG, head frame: x right, y up, z forward */
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
}

/** A wearer's individual baselines, drawn from the seed. */
export interface WearerBaseline {
  hrBpm: number;
  respirationHz: number;
  pupilMm: number;
  blinkRatePerMin: number;
}

export interface SignalSimulatorOptions {
  scenario: WearerScript;
  seed: number;
  gazeRateHz: number;
  /** heart beats are produced (default true); false: hrUntil returns nothing, contact false */
  hrEnabled?: boolean;
  /** accelerometer rate (default 50 Hz) */
  accRateHz?: number;
  /** the script repeats with this period, s */
  loopS?: number;
}

/**
 * Generates one wearer's signals from a scripted scenario, deterministically for a seed:
 * gaze (position, pupil, openness, validity), heart beats and a headset accelerometer. Each
 * signal has its own random stream, and each `...Until(t)` call continues where the last one
 * stopped, so many small calls give exactly the samples of one big call.
 *
 * Time is the simulator's own clock, ms from 0 (a device clock); emulators add their time base.
 * Gaze samples lie on a grid k / gazeRateHz; a call returns those with t < tEnd.
 *
 * While the eyes are closed (blinks, microsleep) the device still sees the face: valid = 1,
 * openness near 0, position held, pupil NaN. Sensor loss is valid = 0 with NaN in every
 * channel, openness included: missing data is never "eyes closed".
 *
 * Cost: O(samples) with a few dozen flops each; output arrays allocated per call.
 *
 * @example
 *   const sim = new SignalSimulator({ scenario, seed: 7, gazeRateHz: 120 });
 *   const gaze = sim.gazeUntil(100); // the first 100 ms
 *   const heart = sim.hrUntil(100);
 *   sim.truth(50);                    // 'attentive'
 */
export class SignalSimulator {
  readonly baseline: WearerBaseline;
  private readonly script: WearerScript;
  private readonly timeline: ScenarioTimeline;
  private readonly periodMs: number;
  private readonly accPeriodMs: number;
  private readonly hrEnabled: boolean;
  private readonly eyes: EyeMovementProcess;
  private readonly lids: EyelidProcess;
  private readonly heart: HeartProcess;
  private readonly head: HeadMotionProcess;
  private readonly noise: SeededRandom;
  private readonly gazeC = emptyConditions();
  private readonly accC = emptyConditions();
  private k = 0;
  private accK = 0;
  private unrest = 0;
  private fatigueWave = 0;

  constructor(opts: SignalSimulatorOptions) {
    if (!(opts.gazeRateHz >= 30 && opts.gazeRateHz <= 2000)) throw new RangeError('gazeRateHz must be within 30..2000');
    const accRate = opts.accRateHz ?? 50;
    if (!(accRate >= 1 && accRate <= 2000)) throw new RangeError('accRateHz must be within 1..2000');
    if (!Number.isFinite(opts.seed)) throw new RangeError('seed must be a finite number');
    this.script = opts.scenario;
    this.timeline = new ScenarioTimeline(opts.scenario, opts.loopS);
    this.periodMs = 1000 / opts.gazeRateHz;
    this.accPeriodMs = 1000 / accRate;
    this.hrEnabled = opts.hrEnabled ?? true;
    const P = PHYSIOLOGY;
    const b = SeededRandom.stream(opts.seed, 'baseline');
    this.baseline = {
      hrBpm: clamp(b.normal(P.heartRateBpm, P.heartRateBetweenSdBpm), 58, 85),
      respirationHz: b.range(P.respirationHzMin, P.respirationHzMax),
      pupilMm: clamp(b.normal(P.pupilMm, P.pupilBetweenSdMm), 2.8, 4.5),
      blinkRatePerMin: clamp(b.normal(P.blinkRatePerMin, 3), 10, 26),
    };
    const spread = clamp(b.normal(1, 0.15), 0.7, 1.3);
    this.eyes = new EyeMovementProcess(opts.scenario, this.timeline, SeededRandom.stream(opts.seed, 'eyes'), spread);
    this.lids = new EyelidProcess(SeededRandom.stream(opts.seed, 'lids'), this.baseline.blinkRatePerMin);
    this.heart = new HeartProcess(this.timeline, SeededRandom.stream(opts.seed, 'heart'), this.baseline);
    this.head = new HeadMotionProcess(opts.scenario.role, SeededRandom.stream(opts.seed, 'head'));
    this.noise = SeededRandom.stream(opts.seed, 'noise');
  }

  gazeUntil(tEndMs: number): GazeColumns {
    const P = PHYSIOLOGY;
    const first = this.k;
    const last = Math.max(first, Math.ceil(tEndMs / this.periodMs));
    const n = last - first;
    const out: GazeColumns = { n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n), openness: new Float32Array(n), valid: new Uint8Array(n) };
    const r = this.noise;
    const dt = this.periodMs;
    const c = this.gazeC;
    // pupil unrest and fatigue waves: slow Ornstein-Uhlenbeck processes (time constants 3 s and 10 s)
    const aU = Math.exp(-dt / 3000);
    const aW = Math.exp(-dt / 10000);
    for (let i = 0; i < n; i++) {
      const t = (first + i) * dt;
      out.t[i] = t;
      this.timeline.conditionsAt(t, c);
      // the processes run on during sensor loss, so the streams never depend on what was shown
      this.eyes.step(t, c);
      this.lids.step(t, c);
      this.unrest = aU * this.unrest + P.pupilUnrestMm * Math.sqrt(1 - aU * aU) * r.normal();
      this.fatigueWave = aW * this.fatigueWave + Math.sqrt(1 - aW * aW) * r.normal();
      const nx = r.normal(0, P.measurementNoiseDeg);
      const ny = r.normal(0, P.measurementNoiseDeg);
      const np = r.normal(0, 0.02);
      if (c.gazeLost) {
        out.x[i] = NaN;
        out.y[i] = NaN;
        out.pupil[i] = NaN;
        out.openness[i] = NaN;
        out.valid[i] = 0;
        continue;
      }
      const open = this.lids.openness;
      out.x[i] = this.eyes.x + nx;
      out.y[i] = this.eyes.y + ny;
      out.openness[i] = open;
      out.pupil[i] =
        open <= P80_CLOSED_OPENNESS
          ? NaN
          : this.baseline.pupilMm + c.load * c.pupilDilationMm - c.drowsy * P.drowsyPupilConstrictionMm + this.unrest + c.drowsy * P.drowsyPupilWaveMm * this.fatigueWave + np;
      out.valid[i] = 1;
    }
    this.k = last;
    return out;
  }

  /** Heart beats with t < tEnd not yet returned; `contact` and `bpm` as a strap would report at tEnd. */
  hrUntil(tEndMs: number): HeartColumns {
    if (!this.hrEnabled) return { n: 0, beats: new Float64Array(0), rrMs: new Float32Array(0), bpm: NaN, contact: false };
    return this.heart.until(tEndMs);
  }

  /** @deprecated use hrUntil; kept for callers that read `beatT`. */
  heartUntil(tEndMs: number): HeartColumns & { beatT: Float64Array } {
    const h = this.hrUntil(tEndMs);
    return { ...h, beatT: h.beats };
  }

  accUntil(tEndMs: number): AccColumns {
    const first = this.accK;
    const last = Math.max(first, Math.ceil(tEndMs / this.accPeriodMs));
    const n = last - first;
    const out: AccColumns = { n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), z: new Float32Array(n) };
    for (let i = 0; i < n; i++) {
      const t = (first + i) * this.accPeriodMs;
      out.t[i] = t;
      this.head.step(t, this.accPeriodMs, this.timeline.conditionsAt(t, this.accC));
      out.x[i] = this.head.x;
      out.y[i] = this.head.y;
      out.z[i] = this.head.z;
    }
    this.accK = last;
    return out;
  }

  /** The labelled state at t, for training and evaluation: the segment's state, or `microsleep` while the eyes are shut in one. */
  truth(tMs: number): TruthLabel {
    const c = this.timeline.conditionsAt(tMs, emptyConditions());
    return c.microsleep ? 'microsleep' : c.state;
  }

  /** The scripted segment at t, or null for plain attentive work. */
  segmentAt(tMs: number): Segment | null {
    return this.timeline.segmentAt(tMs);
  }

  stateAt(tMs: number): SegmentState {
    return this.timeline.segmentAt(tMs)?.state ?? 'attentive';
  }

  /** Vehicle speed (m/s) at t: the segment's speedMps, 0 in `idle`, else the cruise speed (0 for operators). */
  speedAt(tMs: number): number {
    return this.timeline.conditionsAt(tMs, this.accC).speedMps;
  }

  get role(): WearerScript['role'] {
    return this.script.role;
  }
}

/** openness at or below which the lid covers the pupil: the P80 criterion (Wierwille et al. 1994) */
const P80_CLOSED_OPENNESS = 0.2;

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
