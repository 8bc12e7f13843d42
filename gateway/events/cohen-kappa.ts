/**
 * Sample-level agreement of one event type, scored as Andersson et al. (2017, Behav Res
 * 49:616-637) do: event k vs not-k, Cohen's (1960) kappa = (po - pe) / (1 - pe) over the 2x2
 * table of two raters. Accumulates over files (pooled), so a folder gets one kappa per event type.
 *
 * Cost: O(n) per add, no allocation.
 *
 * @example
 *   const k = new BinaryKappa(EventLabel.Saccade);
 *   k.add(detected, coderMN); k.add(detected2, coderMN2);
 *   k.kappa();
 */
export class BinaryKappa {
  /** both k, only a, only b, neither */
  private both = 0;
  private onlyA = 0;
  private onlyB = 0;
  private neither = 0;

  constructor(readonly code: number) {}

  add(a: ArrayLike<number>, b: ArrayLike<number>, n = Math.min(a.length, b.length)): void {
    const k = this.code;
    for (let i = 0; i < n; i++) {
      const ia = a[i] === k;
      const ib = b[i] === k;
      if (ia && ib) this.both++;
      else if (ia) this.onlyA++;
      else if (ib) this.onlyB++;
      else this.neither++;
    }
  }

  get n(): number {
    return this.both + this.onlyA + this.onlyB + this.neither;
  }

  /** NaN when undefined (no samples, or both raters constant and equal) */
  kappa(): number {
    const n = this.n;
    if (n === 0) return NaN;
    const po = (this.both + this.neither) / n;
    const pa = (this.both + this.onlyA) / n;
    const pb = (this.both + this.onlyB) / n;
    const pe = pa * pb + (1 - pa) * (1 - pb);
    if (pe >= 1) return NaN;
    return (po - pe) / (1 - pe);
  }
}
