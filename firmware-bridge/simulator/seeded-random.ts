/**
 * Seeded pseudo-random numbers for the simulator: mulberry32 (a 32-bit state generator, public
 * domain description by Tommy Ettinger) with Box-Muller normals. Same seed, same stream; each
 * signal draws from its own stream (`SeededRandom.stream`) so that one signal's draws never shift
 * another's.
 *
 * Cost: a handful of integer operations per draw, no allocation.
 *
 * @example
 *   const rnd = SeededRandom.stream(42, 'gaze');
 *   rnd.uniform(); rnd.normal(0, 1); rnd.lognormal(300, 0.45);
 */
export class SeededRandom {
  private state: number;
  private spare = NaN;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
    const s = Math.floor(seed);
    // fold in the high bits too, so that seeds beyond 2^32 do not collide
    this.state = (mix32((s >>> 0) ^ 0x9e3779b9) ^ mix32(Math.floor(s / 4294967296) >>> 0)) >>> 0;
  }

  /** An independent stream for one purpose, derived from a seed and a name. */
  static stream(seed: number, name: string): SeededRandom {
    let h = 0x811c9dc5; // FNV-1a of the name
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    const r = new SeededRandom(seed);
    r.state = mix32((r.state ^ h) >>> 0);
    return r;
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

  /** Log-normal with the given mean and coefficient of variation: positive and right-skewed, like durations. */
  lognormal(mean: number, cv: number): number {
    const s2 = Math.log(1 + cv * cv);
    return Math.exp(Math.log(mean) - s2 / 2 + Math.sqrt(s2) * this.normal());
  }
}

/** murmur3's 32-bit finaliser: spreads every input bit over the output. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
