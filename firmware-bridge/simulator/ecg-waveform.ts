/**
 * A synthetic single-lead ECG from beat times, as a sum of Gaussian waves (P, Q, R, S, T)
 * around each R peak — the shape model of McSharry, Clifford, Tarassenko & Smith (2003),
 * "A dynamical model for generating synthetic electrocardiogram signals", IEEE TBME 50(3),
 * expressed in time rather than phase. Amplitudes (mV) and offsets (s) are typical lead-II
 * values (Goldberger, Clinical Electrocardiography); the T wave moves with the RR interval
 * (QT shortens as heart rate rises, Bazett 1920: QT ∝ sqrt(RR)).
 *
 * Cost: O(5 waves × beats near each sample); no allocation per sample.
 *
 * @example
 *   const ecg = new EcgWaveform();
 *   ecg.addBeat(812); ecg.addBeat(1650);
 *   const uV = ecg.sample(1200); // µV at t = 1200 ms
 */
const WAVES = [
  // [offset from R (s) at RR = 1 s, amplitude (mV), width (s), offset scales with sqrt(RR)]
  [-0.2, 0.15, 0.025, 0],
  [-0.035, -0.1, 0.01, 0],
  [0, 1.2, 0.01, 0],
  [0.035, -0.25, 0.01, 0],
  [0.3, 0.3, 0.06, 1],
] as const;

export class EcgWaveform {
  private readonly beats = new Float64Array(8);
  private count = 0;
  private head = 0;

  /** Adds an R-peak time (ms); times must increase. */
  addBeat(tMs: number): void {
    this.beats[this.head] = tMs;
    this.head = (this.head + 1) % this.beats.length;
    if (this.count < this.beats.length) this.count++;
  }

  /** Time of the newest beat, or NaN. */
  lastBeat(): number {
    return this.count ? this.beats[(this.head - 1 + this.beats.length) % this.beats.length]! : NaN;
  }

  /** ECG in µV at time t (ms), from the beats known so far. */
  sample(tMs: number): number {
    let mv = 0;
    const cap = this.beats.length;
    for (let k = 1; k <= this.count; k++) {
      const b = this.beats[(this.head - k + cap) % cap]!;
      const prev = k < this.count ? this.beats[(this.head - k - 1 + cap) % cap]! : b - 1000;
      const rrS = Math.max(0.3, (b - prev) / 1000);
      const dt = (tMs - b) / 1000;
      if (dt < -0.4 || dt > 0.8) continue;
      for (const [off, amp, width, qt] of WAVES) {
        const center = qt ? off * Math.sqrt(rrS) : off;
        const z = (dt - center) / width;
        mv += amp * Math.exp(-0.5 * z * z);
      }
    }
    return mv * 1000;
  }
}
