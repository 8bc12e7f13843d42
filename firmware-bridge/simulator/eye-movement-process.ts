import { PHYSIOLOGY } from './physiology.ts';
import { homeRegion, type WearerScript } from './scenario.ts';
import type { Conditions, ScenarioTimeline } from './scenario-timeline.ts';
import type { GazeRect } from './regions.ts';
import type { SeededRandom } from './seeded-random.ts';

const FIXATION = 0;
const SACCADE = 1;

/** Where glances away go when the script names no target: a right mirror / in-cab display, or beside the bench. */
const DEFAULT_AWAY_DEG: Record<'operator' | 'driver', [number, number]> = { driver: [35, -15], operator: [30, 5] };

/**
 * The eyes' position sample by sample: fixations with drift and microsaccades, saccades on the
 * main sequence with a minimum-jerk profile, and scripted glances away from the wearer's home
 * region (road ahead / workpiece).
 *
 * A glance away is timed so that the gaze crosses the region border exactly when the segment
 * starts and crosses back exactly when it ends: the outbound saccade is launched early by the
 * part of its duration spent inside the region, and likewise the return. So "eyes off the road
 * for N s" in a script is N s outside the polygon, as Euro NCAP's distraction timers count it.
 *
 * Cost: O(1) per sample, no allocation; a bisection (24 steps) per planned glance.
 *
 * @example
 *   const eyes = new EyeMovementProcess(script, timeline, SeededRandom.stream(seed, 'eyes'));
 *   eyes.step(t, c); // then read eyes.x, eyes.y (deg, before measurement noise)
 */
export class EyeMovementProcess {
  x: number;
  y: number;
  private readonly role: 'operator' | 'driver';
  private readonly home: GazeRect;
  private readonly timeline: ScenarioTimeline;
  private readonly rnd: SeededRandom;
  private readonly spread: number;
  private mode = FIXATION;
  private fixX: number;
  private fixY: number;
  private fixEnd: number;
  private driftX = 0;
  private driftY = 0;
  private msStart = NaN;
  private msDx = 0;
  private msDy = 0;
  private sacX0 = 0;
  private sacY0 = 0;
  private sacX1 = 0;
  private sacY1 = 0;
  private sacStart = 0;
  private sacDur = 1;
  private lastT = NaN;
  // glances away
  private away = false;
  private awayX = 0;
  private awayY = 0;
  private plannedStart = NaN;
  private plannedEnd = NaN;
  private glanceEnd = NaN;
  private glancesDoneUntil = -Infinity;
  private returnX = 0;
  private returnY = 0;

  constructor(script: WearerScript, timeline: ScenarioTimeline, rnd: SeededRandom, spread = 1) {
    this.role = script.role;
    this.home = homeRegion(script.role);
    this.timeline = timeline;
    this.rnd = rnd;
    this.spread = spread;
    [this.fixX, this.fixY] = this.role === 'driver' ? [0, 1] : [0, -12];
    this.x = this.fixX;
    this.y = this.fixY;
    this.fixEnd = rnd.lognormal(PHYSIOLOGY.fixationMs, PHYSIOLOGY.fixationCv);
  }

  step(t: number, c: Conditions): void {
    const dt = Number.isNaN(this.lastT) ? 0 : t - this.lastT;
    this.lastT = t;
    this.planGlances(t, c);
    for (;;) {
      if (this.mode === SACCADE) {
        const tau = (t - this.sacStart) / this.sacDur;
        if (tau < 1) {
          const s = minimumJerk(tau);
          this.x = this.sacX0 + (this.sacX1 - this.sacX0) * s;
          this.y = this.sacY0 + (this.sacY1 - this.sacY0) * s;
          return;
        }
        const end = this.sacStart + this.sacDur;
        this.mode = FIXATION;
        this.fixX = this.sacX1;
        this.fixY = this.sacY1;
        this.driftX = 0;
        this.driftY = 0;
        this.msStart = NaN;
        this.fixEnd = end + Math.max(80, this.rnd.lognormal(c.fixationMs, PHYSIOLOGY.fixationCv));
        continue;
      }
      if (t >= this.fixEnd) {
        const [tx, ty] = this.nextTarget(c);
        this.launch(this.fixEnd, tx, ty, c);
        continue;
      }
      this.fixate(t, dt);
      return;
    }
  }

  /** Fixational drift (a mean-reverting random walk) and microsaccades that pull the eye back. */
  private fixate(t: number, dt: number): void {
    const r = this.rnd;
    const k = Math.sqrt(Math.max(dt, 0) / 4); // per-sample step scaled to a 4 ms reference
    this.driftX = 0.99 * this.driftX + r.normal(0, PHYSIOLOGY.driftStepDeg * k);
    this.driftY = 0.99 * this.driftY + r.normal(0, PHYSIOLOGY.driftStepDeg * k);
    let mx = 0;
    let my = 0;
    if (!Number.isNaN(this.msStart)) {
      const u = (t - this.msStart) / PHYSIOLOGY.microsaccadeMs;
      if (u >= 1) {
        this.driftX += this.msDx;
        this.driftY += this.msDy;
        this.msStart = NaN;
      } else {
        mx = this.msDx * u;
        my = this.msDy * u;
      }
    } else if (r.uniform() < (PHYSIOLOGY.microsaccadeRateHz * dt) / 1000) {
      // microsaccades partly correct the drift (Engbert & Kliegl 2003) and partly go anywhere
      const amp = r.lognormal(PHYSIOLOGY.microsaccadeAmplitudeDeg, 0.4);
      const dir = r.range(0, 2 * Math.PI);
      const back = Math.atan2(-this.driftY, -this.driftX);
      const a = Math.hypot(this.driftX, this.driftY) > 0.1 ? back : dir;
      this.msStart = t;
      this.msDx = amp * Math.cos(a);
      this.msDy = amp * Math.sin(a);
    }
    this.x = this.fixX + this.driftX + mx;
    this.y = this.fixY + this.driftY + my;
  }

  private launch(start: number, tx: number, ty: number, c: Conditions): void {
    this.mode = SACCADE;
    this.sacX0 = this.x;
    this.sacY0 = this.y;
    this.sacX1 = tx;
    this.sacY1 = ty;
    this.sacStart = start;
    this.sacDur = saccadeDurationMs(Math.hypot(tx - this.x, ty - this.y), c.drowsy);
  }

  /** Launches the outbound and return saccades of scripted glances so that the border crossings fall on the segment's edges. */
  private planGlances(t: number, c: Conditions): void {
    if (this.away) {
      const lead = this.leadMs(this.returnX, this.returnY, c);
      if (t >= this.glanceEnd - lead) {
        this.launch(this.glanceEnd - lead, this.returnX, this.returnY, c);
        this.away = false;
      }
      return;
    }
    if (Number.isNaN(this.plannedStart) || this.plannedEnd <= t) {
      const seg = this.timeline.nextOccurrence('glance_away', Math.max(t, this.glancesDoneUntil));
      if (!seg) {
        this.plannedStart = Infinity;
        this.plannedEnd = Infinity;
        return;
      }
      this.plannedStart = this.timeline.nextStartMs;
      this.plannedEnd = this.plannedStart + seg.duration * 1000;
      const [ax, ay] = seg.params?.targetDeg ?? DEFAULT_AWAY_DEG[this.role];
      this.awayX = ax;
      this.awayY = ay;
    }
    if (this.plannedStart - t > 1000) return;
    const lead = this.leadMs(this.awayX, this.awayY, c);
    if (t < this.plannedStart - lead) return;
    this.launch(this.plannedStart - lead, this.awayX, this.awayY, c);
    this.away = true;
    this.glanceEnd = this.plannedEnd;
    this.glancesDoneUntil = this.plannedEnd;
    this.plannedStart = NaN;
    [this.returnX, this.returnY] = this.homeTarget(c);
  }

  /** How long a saccade from here to (tx, ty) takes to reach the home region's border. */
  private leadMs(tx: number, ty: number, c: Conditions): number {
    const u = this.home.crossing(this.x, this.y, tx, ty);
    return inverseMinimumJerk(u) * saccadeDurationMs(Math.hypot(tx - this.x, ty - this.y), c.drowsy);
  }

  private nextTarget(c: Conditions): [number, number] {
    if (this.away) {
      // look around the glance target, never back inside the region (1 deg margin)
      const x = this.awayX + this.rnd.normal(0, 1.5);
      const y = this.awayY + this.rnd.normal(0, 1.5);
      return this.home.inside(x, y, 1) ? [this.awayX, this.awayY] : [x, y];
    }
    return this.homeTarget(c);
  }

  private homeTarget(c: Conditions): [number, number] {
    const r = this.rnd;
    if (c.state === 'idle') {
      // not working (or at standstill): looking around freely
      return [clamp(r.normal(0, 25), -60, 60), clamp(r.normal(this.role === 'driver' ? 0 : -5, 10), -30, 30)];
    }
    const s = this.spread * (1 - (1 - PHYSIOLOGY.overloadSpreadFactor) * c.load) * (1 - 0.3 * c.drowsy);
    const h = this.home;
    // stay 2 deg inside the border: drift and microsaccades must not leave the region by themselves
    if (this.role === 'driver') return [clamp(r.normal(0, 7 * s), h.xMin + 2, h.xMax - 2), clamp(r.normal(1, 3 * s), h.yMin + 2, h.yMax - 2)];
    return [clamp(r.normal(0, 6 * s), h.xMin + 2, h.xMax - 2), clamp(r.normal(-12, 5 * s), h.yMin + 2, h.yMax - 2)];
  }
}

/**
 * Saccade duration for an amplitude (deg): Carpenter's main sequence, lengthened where the
 * minimum-jerk peak velocity (1.875 A / D) would exceed Bahill et al.'s saturating envelope,
 * and slower with drowsiness.
 */
export function saccadeDurationMs(amplitudeDeg: number, drowsy = 0): number {
  const P = PHYSIOLOGY;
  const carpenter = P.saccadeSlopeMsPerDeg * amplitudeDeg + P.saccadeInterceptMs;
  const vPeak = P.saccadePeakVelocityDegS * (1 - Math.exp(-amplitudeDeg / P.saccadePeakVelocityConstDeg));
  const envelope = vPeak > 0 ? (1.875 * amplitudeDeg * 1000) / vPeak : 0;
  return Math.max(carpenter, envelope) * (1 + P.drowsySaccadeSlowing * drowsy);
}

/** Minimum-jerk position profile 0..1 (Flash & Hogan 1985, J. Neurosci. 5:1688-1703), a close fit to saccade trajectories. */
export function minimumJerk(tau: number): number {
  return tau * tau * tau * (10 - 15 * tau + 6 * tau * tau);
}

function inverseMinimumJerk(u: number): number {
  if (u <= 0) return 0;
  if (u >= 1) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 24; i++) {
    const mid = (lo + hi) / 2;
    if (minimumJerk(mid) < u) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
