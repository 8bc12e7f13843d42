import type { Segment, SegmentState, WearerScenario } from './scenario.ts';
import { SeededRandom } from './seeded-random.ts';

/**
 * "Road ahead" for in-plant vehicle drivers, in degrees of visual angle from straight ahead
 * (x right, y up). ±20° horizontally covers the forward field used by Euro NCAP's driver
 * monitoring "road" region; ±10° vertically the windscreen band. Deployments draw their own
 * polygons in the config; the demo uses this one.
 */
export const ROAD_AHEAD_POLYGON_DEG: readonly [number, number][] = [
  [-20, -10],
  [20, -10],
  [20, 10],
  [-20, 10],
];

/** Physiological parameters, each with its source; individual values are drawn around them. */
export const PHYSIOLOGY = {
  /** spontaneous blink rate at rest, blinks/min: Bentivoglio et al. 1997, Mov. Disord. 12(6) (17/min mean) */
  blinkRatePerMin: 17,
  /** blink duration, ms: Stern, Walrath & Goldstein 1984 (100-400 ms); Caffier et al. 2003 (alert ~ 200 ms) */
  blinkDurationMs: 200,
  /** drowsy blinks, ms: Caffier et al. 2003, Eur. J. Appl. Physiol. 89 (drowsy > 300-500 ms); Schleicher 2008 long blinks > 500 ms */
  drowsyBlinkDurationMs: 550,
  /** fixation duration mean, ms: Rayner 1998 / Holmqvist et al. 2011 (scene viewing ~ 250-330 ms) */
  fixationMs: 280,
  /** fixation duration under high cognitive load, ms: Holmqvist et al. 2011 ch. 11 (longer fixations with load) */
  overloadFixationMs: 480,
  /** saccade duration main sequence, ms = slope * amplitude + intercept: Carpenter 1988 (2.2 ms/deg + 21 ms) */
  saccadeSlopeMsPerDeg: 2.2,
  saccadeInterceptMs: 21,
  /** baseline pupil diameter, mm: Winn et al. 1994 (adults in moderate light 3-4 mm) */
  pupilMm: 3.5,
  /** task-evoked pupil dilation under load, mm: Beatty 1982, Psychol. Bull. 91(2) (0.1-0.5 mm) */
  overloadPupilMm: 0.4,
  /** resting heart rate, bpm: population range 60-80 */
  heartRateBpm: 70,
  /** heart rate increase under mental workload, bpm: Castaldo et al. 2015 (meta-analysis, +5..+12) */
  overloadHeartRateBpm: 10,
  /** respiratory sinus arrhythmia at ~0.25 Hz (HF) and Mayer waves ~0.1 Hz (LF): Task Force ESC/NASPE 1996 */
  rsaHz: 0.25,
  mayerHz: 0.1,
  /** relative RR modulation depth (HF, LF) at rest; halved under load (vagal withdrawal, Thayer et al. 2012) */
  rsaDepth: 0.04,
  mayerDepth: 0.03,
} as const;

export interface GazeColumns {
  n: number;
  /** simulator clock, ms from 0 */
  t: Float64Array;
  x: Float32Array;
  y: Float32Array;
  pupil: Float32Array;
  openness: Float32Array;
  valid: Uint8Array;
}

export interface HeartColumns {
  n: number;
  /** time of each beat, ms */
  beatT: Float64Array;
  /** RR interval ending at that beat, ms */
  rrMs: Float32Array;
  /** instantaneous heart rate at the last beat, bpm (NaN if none) */
  bpm: number;
  contact: boolean;
}

export interface AccColumns {
  n: number;
  t: Float64Array;
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
}

type EyeEvent = 'fixation' | 'saccade' | 'blink';

/**
 * Generates one wearer's signals from a scripted scenario, deterministically for a seed.
 * Signals are produced in order; each `...Until(t)` call continues where the last one stopped,
 * so generating in many small calls equals one big call.
 *
 * Gaze is in degrees. While the eyes are closed (blinks, microsleep) the device still tracks
 * the face: valid = 1, openness ≈ 0, position held. Sensor loss is valid = 0 with NaN
 * everywhere, openness included: loss is never "closed".
 *
 * Cost: O(samples) with a few multiplications each; output arrays sized per call.
 *
 * @example
 *   const sim = new SignalSimulator({ scenario, seed: 7, gazeRateHz: 120 });
 *   const gaze = sim.gazeUntil(100); // the first 100 ms
 */
export class SignalSimulator {
  private readonly scenario: WearerScenario;
  private readonly loopMs: number;
  private readonly periodMs: number;
  private readonly gazeRnd: SeededRandom;
  private readonly heartRnd: SeededRandom;
  private readonly accRnd: SeededRandom;
  // individual baselines
  private readonly hrBase: number;
  private readonly pupilBase: number;
  private readonly blinkRate: number;
  // gaze process state
  private k = 0;
  private event: EyeEvent = 'fixation';
  private eventEnd = 0;
  private fixX = 0;
  private fixY = 0;
  private sacFromX = 0;
  private sacFromY = 0;
  private sacStart = 0;
  private blinkStart = 0;
  private nextBlink = 0;
  private driftX = 0;
  private driftY = 0;
  // heart process state
  private lastBeat = 0;
  private lastBpm = NaN;
  // acc process state
  private accK = 0;

  constructor(opts: { scenario: WearerScenario; seed: number; gazeRateHz: number; loopS?: number }) {
    if (!(opts.gazeRateHz >= 30 && opts.gazeRateHz <= 2000)) throw new RangeError('gazeRateHz must be within 30..2000');
    this.scenario = opts.scenario;
    this.periodMs = 1000 / opts.gazeRateHz;
    this.loopMs = opts.loopS ? opts.loopS * 1000 : Infinity;
    const base = new SeededRandom(opts.seed);
    this.gazeRnd = new SeededRandom(opts.seed * 3 + 1);
    this.heartRnd = new SeededRandom(opts.seed * 3 + 2);
    this.accRnd = new SeededRandom(opts.seed * 3 + 3);
    this.hrBase = PHYSIOLOGY.heartRateBpm + base.normal(0, 6);
    this.pupilBase = PHYSIOLOGY.pupilMm + base.normal(0, 0.3);
    this.blinkRate = Math.max(8, PHYSIOLOGY.blinkRatePerMin + base.normal(0, 3));
    const home = this.home();
    this.fixX = home[0];
    this.fixY = home[1];
    this.eventEnd = this.gazeRnd.exponential(PHYSIOLOGY.fixationMs);
    this.nextBlink = this.gazeRnd.exponential(60000 / this.blinkRate);
  }

  /** The scripted segment at simulator time t (ms), or null for plain attentive work. */
  segmentAt(tMs: number): Segment | null {
    const local = Number.isFinite(this.loopMs) ? tMs % this.loopMs : tMs;
    const s = local / 1000;
    let found: Segment | null = null;
    for (const seg of this.scenario.segments) if (s >= seg.at && s < seg.at + seg.duration) found = seg;
    return found;
  }

  stateAt(tMs: number): SegmentState {
    return this.segmentAt(tMs)?.state ?? 'attentive';
  }

  /** Vehicle speed (m/s) at t; an `idle` segment is standstill. */
  speedAt(tMs: number): number {
    const seg = this.segmentAt(tMs);
    if (seg?.speedMps !== undefined) return seg.speedMps;
    if (seg?.state === 'idle') return 0;
    return this.scenario.role === 'driver' ? this.scenario.speedMps : 0;
  }

  gazeUntil(tEndMs: number): GazeColumns {
    const first = this.k;
    const last = Math.max(first, Math.ceil(tEndMs / this.periodMs));
    const n = last - first;
    const out: GazeColumns = {
      n,
      t: new Float64Array(n),
      x: new Float32Array(n),
      y: new Float32Array(n),
      pupil: new Float32Array(n),
      openness: new Float32Array(n),
      valid: new Uint8Array(n),
    };
    const r = this.gazeRnd;
    for (let i = 0; i < n; i++) {
      const t = (first + i) * this.periodMs;
      out.t[i] = t;
      const seg = this.segmentAt(t);
      const state = seg?.state ?? 'attentive';
      if (state === 'sensor_loss') {
        out.x[i] = NaN;
        out.y[i] = NaN;
        out.pupil[i] = NaN;
        out.openness[i] = NaN;
        out.valid[i] = 0;
        continue;
      }
      this.advanceEyeEvent(t, state, seg);
      let x: number;
      let y: number;
      let open = state === 'drowsy' ? 0.75 - 0.15 * (seg?.severity ?? 1) : 0.9;
      if (this.event === 'saccade') {
        const tau = Math.min(1, (t - this.sacStart) / (this.eventEnd - this.sacStart));
        const s = tau * tau * tau * (10 - 15 * tau + 6 * tau * tau); // minimum-jerk profile (Flash & Hogan 1985)
        x = this.sacFromX + (this.fixX - this.sacFromX) * s;
        y = this.sacFromY + (this.fixY - this.sacFromY) * s;
      } else {
        // fixational drift as a slow random walk, plus measurement noise (~0.02 deg RMS)
        this.driftX = 0.995 * this.driftX + r.normal(0, 0.01);
        this.driftY = 0.995 * this.driftY + r.normal(0, 0.01);
        x = this.fixX + this.driftX + r.normal(0, 0.02);
        y = this.fixY + this.driftY + r.normal(0, 0.02);
      }
      if (state === 'microsleep') {
        open = 0.02;
      } else if (this.event === 'blink') {
        const dur = this.eventEnd - this.blinkStart;
        const tau = (t - this.blinkStart) / dur;
        // lid closes fast and reopens slower (Evinger et al. 1991): a skewed triangle
        const closure = tau < 0.35 ? tau / 0.35 : 1 - (tau - 0.35) / 0.65;
        open = open * (1 - Math.min(1, 1.1 * closure));
      }
      out.x[i] = x;
      out.y[i] = y;
      const load = state === 'overload' ? PHYSIOLOGY.overloadPupilMm : 0;
      out.pupil[i] = this.pupilBase + load + r.normal(0, 0.02);
      out.openness[i] = Math.max(0, Math.min(1, open + r.normal(0, 0.01)));
      out.valid[i] = 1;
    }
    this.k = last;
    return out;
  }

  heartUntil(tEndMs: number): HeartColumns {
    const beats: number[] = [];
    const rrs: number[] = [];
    const r = this.heartRnd;
    for (;;) {
      const t = this.lastBeat;
      const state = this.stateAt(t);
      const load = state === 'overload';
      const hr = this.hrBase + (load ? PHYSIOLOGY.overloadHeartRateBpm : 0) + (state === 'drowsy' || state === 'microsleep' ? -4 : 0);
      const depth = load ? 0.5 : 1;
      const s = t / 1000;
      const mod = depth * (PHYSIOLOGY.rsaDepth * Math.sin(2 * Math.PI * PHYSIOLOGY.rsaHz * s) + PHYSIOLOGY.mayerDepth * Math.sin(2 * Math.PI * PHYSIOLOGY.mayerHz * s));
      const rr = (60000 / hr) * (1 + mod) + r.normal(0, load ? 5 : 10);
      const next = t + rr;
      if (next >= tEndMs) break;
      beats.push(next);
      rrs.push(rr);
      this.lastBeat = next;
      this.lastBpm = 60000 / rr;
    }
    return { n: beats.length, beatT: Float64Array.from(beats), rrMs: Float32Array.from(rrs), bpm: this.lastBpm, contact: true };
  }

  accUntil(tEndMs: number, rateHz = 50): AccColumns {
    const period = 1000 / rateHz;
    const first = this.accK;
    const last = Math.max(first, Math.ceil(tEndMs / period));
    const n = last - first;
    const out: AccColumns = { n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), z: new Float32Array(n) };
    const sd = this.scenario.role === 'driver' ? 60 : 30; // vehicle vibration vs bench work, mG
    for (let i = 0; i < n; i++) {
      const t = (first + i) * period;
      const still = this.stateAt(t) === 'microsleep' || this.stateAt(t) === 'drowsy' ? 0.3 : 1;
      out.t[i] = t;
      out.x[i] = this.accRnd.normal(0, sd * still);
      out.y[i] = this.accRnd.normal(0, sd * still);
      out.z[i] = 1000 + this.accRnd.normal(0, sd * still);
    }
    this.accK = last;
    return out;
  }

  private home(): [number, number] {
    return this.scenario.role === 'driver' ? [0, 0] : [0, -10];
  }

  private advanceEyeEvent(t: number, state: SegmentState, seg: Segment | null): void {
    const r = this.gazeRnd;
    while (t >= this.eventEnd || (this.event !== 'blink' && t >= this.nextBlink)) {
      if (this.event !== 'blink' && t >= this.nextBlink) {
        const drowsy = state === 'drowsy' ? (seg?.severity ?? 1) : 0;
        const meanDur = PHYSIOLOGY.blinkDurationMs + drowsy * (PHYSIOLOGY.drowsyBlinkDurationMs - PHYSIOLOGY.blinkDurationMs);
        this.event = 'blink';
        this.blinkStart = t;
        this.eventEnd = t + Math.max(80, r.normal(meanDur, meanDur * 0.2));
        const rate = this.blinkRate * (1 + 0.6 * drowsy);
        this.nextBlink = this.eventEnd + r.exponential(60000 / rate);
        continue;
      }
      if (this.event === 'fixation' || this.event === 'blink') {
        const [tx, ty] = this.target(state);
        const amp = Math.hypot(tx - this.fixX, ty - this.fixY);
        this.sacFromX = this.fixX + this.driftX;
        this.sacFromY = this.fixY + this.driftY;
        this.driftX = 0;
        this.driftY = 0;
        this.fixX = tx;
        this.fixY = ty;
        this.event = 'saccade';
        this.sacStart = t;
        this.eventEnd = t + PHYSIOLOGY.saccadeSlopeMsPerDeg * amp + PHYSIOLOGY.saccadeInterceptMs;
      } else {
        const mean = state === 'overload' ? PHYSIOLOGY.overloadFixationMs : PHYSIOLOGY.fixationMs;
        this.event = 'fixation';
        this.eventEnd = t + Math.max(60, r.normal(mean, mean * 0.35));
      }
    }
  }

  private target(state: SegmentState): [number, number] {
    const r = this.gazeRnd;
    if (this.scenario.role === 'driver') {
      if (state === 'glance_away') return [35 + r.normal(0, 2), -15 + r.normal(0, 2)];
      return [clamp(r.normal(0, 7), -17, 17), clamp(r.normal(0, 3.5), -8, 8)];
    }
    if (state === 'glance_away') return [30 + r.normal(0, 3), 5 + r.normal(0, 3)];
    return [clamp(r.normal(0, 6), -15, 15), clamp(r.normal(-10, 4), -20, 0)];
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
