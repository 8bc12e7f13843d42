/**
 * Seeded pseudo-random numbers for the simulator: mulberry32 (a 32-bit state generator, public
 * domain description by Tommy Ettinger) and Box-Muller normals. Same seed, same stream.
 *
 * @example
 *   const rnd = new SeededRandom(42);
 *   rnd.uniform(); rnd.normal(0, 1);
 */
export class SeededRandom {
  private state: number;
  private spare = NaN;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
    this.state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  normal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Exponentially distributed waiting time with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.uniform());
  }
}
