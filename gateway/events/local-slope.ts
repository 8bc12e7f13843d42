/**
 * Velocity of one sample as the least-squares slope of position over time in a window centred
 * on it: for regular sampling this is the first-derivative Savitzky-Golay filter (orders 1 and 2
 * give the same derivative for a symmetric window; Savitzky & Golay 1964), the differentiator
 * Nyström & Holmqvist (2010) use; with the real timestamps it also holds for irregular sampling.
 *
 * The window holds the contiguous valid samples within +-halfMs of the sample, and at least the
 * nearest valid neighbour on each side when that is closer than `maxStepMs` (so 60 Hz data still
 * gets a central difference); samples further apart than maxStepMs are not neighbours (a gap).
 *
 * Cost: O(samples in the window).
 */
export interface SlopeRing {
  readonly t: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** 0 = lost */
  readonly ok: Uint8Array;
  readonly mask: number;
}

/** Output of slopeAt: deg/s per axis, and the window's first and last sample (absolute indices). */
export interface SlopeOut {
  vx: number;
  vy: number;
  lo: number;
  hi: number;
}

/**
 * Right edge of k's window among samples [k, newest): the last index, or -1 when the window may
 * still grow (no sample beyond it yet and the stream goes on).
 */
export function windowEnd(r: SlopeRing, k: number, newest: number, halfMs: number, maxStepMs: number, ended: boolean): number {
  const { t, ok, mask } = r;
  const tk = t[k & mask]!;
  let hi = k;
  for (;;) {
    if (hi > k && t[hi & mask]! - tk >= halfMs) return hi;
    const j = hi + 1;
    if (j >= newest) return ended ? hi : -1;
    const ji = j & mask;
    if (ok[ji] === 0) return hi;
    const tj = t[ji]!;
    if (tj - t[hi & mask]! > maxStepMs) return hi;
    if (tj - tk > halfMs && hi > k) return hi;
    hi = j;
  }
}

/** Left edge of k's window among samples [oldest, k]. */
export function windowStart(r: SlopeRing, k: number, oldest: number, halfMs: number, maxStepMs: number): number {
  const { t, ok, mask } = r;
  const tk = t[k & mask]!;
  let lo = k;
  while (lo - 1 >= oldest) {
    const ji = (lo - 1) & mask;
    if (ok[ji] === 0) break;
    const tj = t[ji]!;
    if (t[lo & mask]! - tj > maxStepMs) break;
    if (tk - tj > halfMs && lo < k) break;
    lo--;
  }
  return lo;
}

/** Least-squares slope (deg/s) over samples [lo, hi]; NaN when the window has one sample. */
export function slopeOver(r: SlopeRing, lo: number, hi: number, out: SlopeOut): SlopeOut {
  const { t, x, y, mask } = r;
  out.lo = lo;
  out.hi = hi;
  if (hi <= lo) {
    out.vx = out.vy = NaN;
    return out;
  }
  const n = hi - lo + 1;
  const t0 = t[lo & mask]!;
  const x0 = x[lo & mask]!;
  const y0 = y[lo & mask]!;
  let st = 0;
  let sx = 0;
  let sy = 0;
  for (let j = lo; j <= hi; j++) {
    const i = j & mask;
    st += t[i]! - t0;
    sx += x[i]! - x0;
    sy += y[i]! - y0;
  }
  const mt = st / n;
  const mx = sx / n;
  const my = sy / n;
  let stt = 0;
  let stx = 0;
  let sty = 0;
  for (let j = lo; j <= hi; j++) {
    const i = j & mask;
    const dt = t[i]! - t0 - mt;
    stt += dt * dt;
    stx += dt * (x[i]! - x0 - mx);
    sty += dt * (y[i]! - y0 - my);
  }
  out.vx = (stx / stt) * 1000;
  out.vy = (sty / stt) * 1000;
  return out;
}
