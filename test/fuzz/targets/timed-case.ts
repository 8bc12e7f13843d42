import { CASE_BUDGET_MS } from '../fuzz-tally.ts';

/** Runs one case; longer than CASE_BUDGET_MS counts as a hang. */
export function timed<T>(fn: () => T): T {
  const t0 = performance.now();
  const r = fn();
  const ms = performance.now() - t0;
  if (ms > CASE_BUDGET_MS) throw new Error(`one case took ${ms.toFixed(0)} ms (hang?)`);
  return r;
}

/** Async variant. */
export async function timedAsync<T>(fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  const ms = performance.now() - t0;
  if (ms > CASE_BUDGET_MS) throw new Error(`one case took ${ms.toFixed(0)} ms (hang?)`);
  return r;
}

/** A gaze-like batch must be well-formed whatever the input was. */
export function checkGazeBatch(b: { n: number; t: Float64Array; x: Float32Array; y: Float32Array; pupil: Float32Array; openness: Float32Array; valid: Uint8Array }): void {
  if (!(Number.isInteger(b.n) && b.n >= 1)) throw new Error(`batch n=${b.n}`);
  for (const c of [b.t, b.x, b.y, b.pupil, b.openness, b.valid]) if (c.length !== b.n) throw new Error(`column length ${c.length} != n ${b.n}`);
  for (let i = 0; i < b.n; i++) {
    if (!Number.isFinite(b.t[i]!)) throw new Error(`non-finite time at ${i}: ${b.t[i]}`);
    if (b.valid[i] !== 0 && b.valid[i] !== 1) throw new Error('valid is not 0/1');
  }
}
