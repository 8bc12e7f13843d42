/**
 * RR artefact correction by a simple documented rule: an interval outside the physiological
 * range 300-2000 ms (200-30 bpm), or differing by more than 20% from the last accepted interval
 * (Malik et al. 1989/1996 "20% rule", as used by the Task Force of ESC/NASPE 1996 for NN
 * selection), is rejected as ectopic, missed or extra beat. Rejected beats are dropped, not
 * interpolated, and counted, so the share of corrected beats can be reported as quality.
 * A run of rejections longer than `resetAfter` re-anchors on the newest interval (the rhythm
 * really changed, e.g. after exertion).
 *
 * Cost: O(1) per interval.
 *
 * @example
 *   const f = new RrArtefactFilter();
 *   if (f.accept(rr)) nn.push(rr);
 */
export class RrArtefactFilter {
  static readonly MIN_MS = 300;
  static readonly MAX_MS = 2000;
  readonly maxRelativeChange: number;
  readonly resetAfter: number;
  accepted = 0;
  rejected = 0;
  private last = NaN;
  private run = 0;

  constructor(opts: { maxRelativeChange?: number; resetAfter?: number } = {}) {
    this.maxRelativeChange = opts.maxRelativeChange ?? 0.2;
    this.resetAfter = opts.resetAfter ?? 5;
    if (!(this.maxRelativeChange > 0 && this.maxRelativeChange < 1)) throw new RangeError('maxRelativeChange must be in (0, 1)');
  }

  accept(rrMs: number): boolean {
    if (!(rrMs >= RrArtefactFilter.MIN_MS && rrMs <= RrArtefactFilter.MAX_MS)) {
      this.rejected++;
      return false;
    }
    if (Number.isNaN(this.last) || Math.abs(rrMs - this.last) <= this.maxRelativeChange * this.last || this.run >= this.resetAfter) {
      this.last = rrMs;
      this.run = 0;
      this.accepted++;
      return true;
    }
    this.run++;
    this.rejected++;
    return false;
  }
}

/** Applies the filter to a whole series (for the CLI and offline analysis). */
export function correctRrSeries(rrMs: ArrayLike<number>): { nn: Float64Array; rejected: number } {
  const f = new RrArtefactFilter();
  const nn: number[] = [];
  for (let i = 0; i < rrMs.length; i++) if (f.accept(rrMs[i]!)) nn.push(rrMs[i]!);
  return { nn: Float64Array.from(nn), rejected: f.rejected };
}
