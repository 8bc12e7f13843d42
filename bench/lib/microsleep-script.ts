import type { SignalVariant } from './signal-variants.ts';

/** Eye openness of a closed eye (P80: <= 0.2 counts as closed) and of an open one. */
const CLOSED = 0.05;
const OPEN = 0.85;

/**
 * A driver's gaze for a paced run with alerts at known sample times: eyes on the road
 * (fixations of ~300 ms inside the road-ahead AOI, 150 ms blinks every ~4 s), and closures of
 * `closureMs` starting at `onsetsMs` (device time). With the vehicle moving, each closure
 * longer than 1 s is a microsleep (Euro NCAP 2023 DSM; DRIVER_POLICY_SETTINGS.microsleepS), so
 * the policy must raise one microsleep alert per closure, due 1 s after its onset. No sensor
 * loss, no look-away: any other alert would be a fault.
 *
 * ECG, acceleration and beats are taken from `physiology` (a simulator variant).
 */
export function microsleepVariant(o: { gazeRateHz: number; durationMs: number; onsetsMs: readonly number[]; closureMs: number; seed: number; physiology: SignalVariant }): SignalVariant {
  const n = Math.ceil((o.gazeRateHz * o.durationMs) / 1000);
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const pupil = new Float32Array(n);
  const openness = new Float32Array(n);
  const valid = new Uint8Array(n).fill(1);
  let s = o.seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  let fx = 0;
  let fy = 0;
  let nextFix = 0;
  let nextBlink = 2000 + rnd() * 2000;
  for (let i = 0; i < n; i++) {
    const t = (i * 1000) / o.gazeRateHz;
    if (t >= nextFix) {
      fx = (rnd() - 0.5) * 20;
      fy = (rnd() - 0.5) * 8;
      nextFix = t + 200 + rnd() * 200;
    }
    const closure = o.onsetsMs.some((c) => t >= c && t < c + o.closureMs);
    const nearClosure = o.onsetsMs.some((c) => t >= c - 1000 && t < c + o.closureMs + 1000);
    let open = OPEN;
    if (closure) open = CLOSED;
    else if (t >= nextBlink) {
      if (!nearClosure) open = CLOSED;
      if (t >= nextBlink + 150) nextBlink = t + 3000 + rnd() * 2000;
    }
    x[i] = fx + (rnd() - 0.5) * 0.2;
    y[i] = fy + (rnd() - 0.5) * 0.2;
    openness[i] = open;
    pupil[i] = open <= 0.2 ? NaN : 3.4 + (rnd() - 0.5) * 0.05;
  }
  return { ...o.physiology, gazeRateHz: o.gazeRateHz, gaze: { n, x, y, pupil, openness, valid } };
}
