import { PHYSIOLOGY } from './physiology.ts';
import type { Conditions } from './scenario-timeline.ts';
import type { SeededRandom } from './seeded-random.ts';

/**
 * The headset accelerometer, mG, in the head frame (x right, y up, z forward): gravity seen
 * through the head's pitch and roll, plus activity (bench work) or vehicle vibration (drivers,
 * growing with speed, quiet at standstill). Drowsiness tilts the head forward; a microsleep
 * drops it over about a second (nodding off).
 *
 * Cost: O(1) per sample, no allocation.
 *
 * @example
 *   const head = new HeadMotionProcess('driver', SeededRandom.stream(seed, 'head'));
 *   head.step(t, 20, c); // then read head.x, head.y, head.z (mG)
 */
export class HeadMotionProcess {
  x = 0;
  y = 1000;
  z = 0;
  private readonly role: 'operator' | 'driver';
  private readonly rnd: SeededRandom;
  private sway = 0;
  private roll = 0;
  private ax = 0;
  private ay = 0;
  private az = 0;

  constructor(role: 'operator' | 'driver', rnd: SeededRandom) {
    this.role = role;
    this.rnd = rnd;
  }

  step(t: number, dtMs: number, c: Conditions): void {
    const P = PHYSIOLOGY;
    const r = this.rnd;
    this.sway = ou(this.sway, 3, 2000, dtMs, r);
    this.roll = ou(this.roll, 2, 3000, dtMs, r);
    let pitch = (this.role === 'driver' ? P.driverPitchDeg : P.operatorPitchDeg) + this.sway + P.drowsyPitchDeg * c.drowsy;
    if (c.microsleep) pitch += P.microsleepHeadDropDeg * Math.min(1, (t - c.microsleepStartMs) / 1000);
    let sd: number;
    let tau: number;
    if (this.role === 'driver') {
      sd = P.vehicleVibrationFloorMg + P.vehicleVibrationMgPerMps * c.speedMps;
      tau = 15; // broadband vibration
    } else {
      sd = P.operatorActivityMg * (c.state === 'idle' ? 2 : 1);
      tau = 150; // arm and trunk movement reaching the head
    }
    sd *= 1 - 0.6 * c.drowsy;
    this.ax = ou(this.ax, sd, tau, dtMs, r);
    this.ay = ou(this.ay, sd, tau, dtMs, r);
    this.az = ou(this.az, sd, tau, dtMs, r);
    const p = (pitch * Math.PI) / 180;
    const q = (this.roll * Math.PI) / 180;
    // specific force of gravity (1 g up) in the head frame, pitched forward by p and rolled by q
    this.x = 1000 * Math.sin(q) * Math.cos(p) + this.ax;
    this.y = 1000 * Math.cos(q) * Math.cos(p) + this.ay;
    this.z = -1000 * Math.sin(p) + this.az;
  }
}

/** One step of an Ornstein-Uhlenbeck process with stationary SD `sd` and time constant `tauMs`. */
function ou(v: number, sd: number, tauMs: number, dtMs: number, r: SeededRandom): number {
  const a = Math.exp(-dtMs / tauMs);
  return a * v + sd * Math.sqrt(1 - a * a) * r.normal();
}
