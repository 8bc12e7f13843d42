/**
 * Events out of per-sample labels: maximal runs of one label. A run's duration goes from its
 * first sample to the first sample of the next run (the last run of a recording: to its last
 * sample plus the median sample interval), so durations add up to the recording's length.
 *
 * Cost: O(n), no allocation.
 */
export class LabelEventStats {
  private readonly counts = new Float64Array(16);
  private readonly totalMs = new Float64Array(16);

  /** Adds one recording's labels (t in ms, increasing). */
  add(t: ArrayLike<number>, labels: ArrayLike<number>, n = labels.length): void {
    if (n === 0) return;
    const dt = medianStep(t, n);
    let start = 0;
    for (let i = 1; i <= n; i++) {
      if (i === n || labels[i] !== labels[start]) {
        const end = i === n ? t[n - 1]! + dt : t[i]!;
        const l = labels[start]!;
        this.counts[l]!++;
        this.totalMs[l]! += end - t[start]!;
        start = i;
      }
    }
  }

  count(label: number): number {
    return this.counts[label]!;
  }

  /** NaN when there is no such event */
  meanMs(label: number): number {
    return this.counts[label]! > 0 ? this.totalMs[label]! / this.counts[label]! : NaN;
  }
}

function medianStep(t: ArrayLike<number>, n: number): number {
  if (n < 2) return 0;
  const m = Math.min(n - 1, 1001);
  const d = new Float64Array(m);
  for (let i = 0; i < m; i++) d[i] = t[i + 1]! - t[i]!;
  d.sort();
  return d[m >> 1]!;
}
