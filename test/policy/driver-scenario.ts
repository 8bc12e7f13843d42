import type { DriverObservation } from '../../gateway/policy/driver-policy.ts';
import { DriverPolicy, type PolicyTransition } from '../../gateway/policy/driver-policy.ts';

export type Phase = { s: number } & Partial<Omit<DriverObservation, 't'>>;

const ATTENTIVE: Omit<DriverObservation, 't'> = { valid: true, eyesOnRoad: true, eyesClosed: false, speedMps: 3 };

/**
 * Builds 20 Hz observations from phases of `s` seconds each (defaults: attentive, moving at
 * 3 m/s), ticks at t = 0.05, 0.10, ... computed from the tick count to avoid float drift.
 */
export function observations(phases: Phase[]): DriverObservation[] {
  const out: DriverObservation[] = [];
  let k = 0;
  for (const { s, ...fields } of phases) {
    const n = Math.round(s * 20);
    for (let i = 0; i < n; i++) {
      k++;
      out.push({ ...ATTENTIVE, ...fields, t: Math.round(k * 5) / 100 });
    }
  }
  return out;
}

export function run(phases: Phase[], policy = new DriverPolicy()): PolicyTransition[] {
  const out: PolicyTransition[] = [];
  for (const o of observations(phases)) out.push(...policy.step(o));
  return out.map((tr) => ({ ...tr, t: Math.round(tr.t * 100) / 100 }));
}

/** Transitions of one kind as [t, level] pairs. */
export function of(trs: PolicyTransition[], kind: string): [number, number][] {
  return trs.filter((x) => x.kind === kind).map((x) => [x.t, x.level]);
}
