import fc from 'fast-check';
import type { GazeColumns } from '../../gateway/events/gaze-event-detector.ts';
import { synthesize, type Segment } from './synthetic-gaze.ts';

/**
 * fast-check arbitraries for the streaming-contract properties of every event detector: random
 * scripts of fixations, saccades (with PSOs), pursuit, blinks and losses at 60-2000 Hz with
 * timestamp jitter and noise, plus random batch cuts.
 *
 * @example
 *   fc.assert(fc.property(recording, (r) => { const g = gaze(r); ... }));
 */
export const segment: fc.Arbitrary<Segment> = fc.oneof(
  fc.record({ kind: fc.constant('fix' as const), ms: fc.integer({ min: 20, max: 600 }), driftDegS: fc.double({ min: -1, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('sacc' as const), ampDeg: fc.double({ min: 0.5, max: 25, noNaN: true }), dirDeg: fc.integer({ min: 0, max: 359 }), overshootDeg: fc.double({ min: 0, max: 1, noNaN: true }), psoMs: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('pursuit' as const), ms: fc.integer({ min: 50, max: 800 }), speedDegS: fc.double({ min: 2, max: 30, noNaN: true }), dirDeg: fc.integer({ min: 0, max: 359 }) }),
  fc.record({ kind: fc.constant('blink' as const), ms: fc.integer({ min: 20, max: 400 }), lidMs: fc.integer({ min: 0, max: 60 }), lidDeg: fc.double({ min: 0, max: 4, noNaN: true }) }),
  fc.record({ kind: fc.constant('loss' as const), ms: fc.integer({ min: 2, max: 1500 }) }),
);

export const recording = fc.record({
  script: fc.array(segment, { minLength: 1, maxLength: 14 }),
  rateHz: fc.constantFrom(60, 120, 250, 500, 1000, 2000),
  jitter: fc.double({ min: 0, max: 0.45, noNaN: true }),
  noiseDeg: fc.constantFrom(0, 0.01, 0.05),
  seed: fc.integer({ min: 1, max: 1e6 }),
  cuts: fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 12 }),
});

export type Recording = { script: Segment[]; rateHz: number; jitter: number; noiseDeg: number; seed: number };

export function gaze(r: Recording): GazeColumns {
  const s = synthesize(r.script, { rateHz: r.rateHz, jitterMs: (r.jitter * 1000) / r.rateHz, noiseDeg: r.noiseDeg, seed: r.seed });
  return { n: s.n, t: s.t, x: s.x, y: s.y };
}

/** The distinct batch boundaries within a recording of n samples, ascending. */
export function batchCuts(cuts: readonly number[], n: number): number[] {
  return [...new Set(cuts.map((c) => c % (n + 1)))].sort((a, b) => a - b);
}
