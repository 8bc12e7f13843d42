import type { SampleBatch } from '../gateway/core/types.ts';

/**
 * The last few seconds of each wearer's raw gaze, for the wearer detail, kept ONLY when the
 * plant allowed it (dashboard.allowRawGaze; GDPR / works-council decision): the gateway creates
 * this tap only then, so by default raw gaze never reaches the dashboard's memory at all.
 * Columnar rings of `capacity` samples per wearer (x, y in the batch's units, t in gateway ms).
 * Cost: O(samples) per batch, copying two floats and a time per valid sample.
 *
 * @example
 *   const tap = new RawGazeTap({ wearers: ['op-7f3a'] });
 *   tap.ingest('op-7f3a', gazeBatch);
 *   tap.recent('op-7f3a'); // { t, x, y, units }
 */
export class RawGazeTap {
  private readonly rings = new Map<string, { t: Float64Array; x: Float32Array; y: Float32Array; head: number; count: number; units: string }>();
  private readonly capacity: number;
  private readonly toEpochMs: (t: number) => number;

  constructor(opts: { wearers: readonly string[]; capacity?: number; toEpochMs?: (t: number) => number }) {
    this.capacity = opts.capacity ?? 240;
    if (!Number.isInteger(this.capacity) || this.capacity < 1 || this.capacity > 100_000) throw new RangeError('RawGazeTap: capacity must be an integer 1..100000');
    this.toEpochMs = opts.toEpochMs ?? ((t) => t);
    for (const w of opts.wearers) this.rings.set(w, { t: new Float64Array(this.capacity), x: new Float32Array(this.capacity), y: new Float32Array(this.capacity), head: 0, count: 0, units: 'deg' });
  }

  ingest(wearer: string, b: SampleBatch): void {
    if (b.kind !== 'gaze') return;
    const r = this.rings.get(wearer);
    if (!r) return;
    r.units = b.units;
    for (let i = 0; i < b.n; i++) {
      if (b.valid[i] !== 1) continue; // a lost track has no gaze point, and none is made up
      r.t[r.head] = b.t[i]!;
      r.x[r.head] = b.x[i]!;
      r.y[r.head] = b.y[i]!;
      r.head = (r.head + 1) % this.capacity;
      if (r.count < this.capacity) r.count++;
    }
  }

  recent(wearer: string): { t: number[]; x: number[]; y: number[]; units: string } | null {
    const r = this.rings.get(wearer);
    if (!r) return null;
    const start = (r.head - r.count + this.capacity) % this.capacity;
    const t: number[] = [];
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < r.count; i++) {
      const k = (start + i) % this.capacity;
      t.push(Math.round(this.toEpochMs(r.t[k]!)));
      x.push(Math.round(r.x[k]! * 1000) / 1000);
      y.push(Math.round(r.y[k]! * 1000) / 1000);
    }
    return { t, x, y, units: r.units };
  }
}
