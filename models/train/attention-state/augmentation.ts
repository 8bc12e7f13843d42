import type { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import { FEATURE_NAMES } from '../../../gateway/features/feature-names.ts';
import type { RawWindows } from './attention-dataset.ts';

/**
 * Feature groups that fail together on a real floor: a chest strap loses contact (all heart
 * features), the pupil is not measured by a tracker, the AOI is not configured, the headset
 * accelerometer is absent. Found by name, so features appended later join their group.
 */
export function sensorGroups(names: readonly string[] = FEATURE_NAMES): Record<string, number[]> {
  const groups: Record<string, number[]> = { heart: [], pupil: [], aoi: [], motion: [] };
  names.forEach((n, i) => {
    if (/^(hr_|rmssd|sdnn|mean_nn|sdsd|nn\d|pnn|sd[12]_|lf_|hf_|lf_hf|rr_)/.test(n)) groups['heart']!.push(i);
    else if (n.startsWith('pupil')) groups['pupil']!.push(i);
    else if (n.startsWith('aoi_') || n.startsWith('off_road')) groups['aoi']!.push(i);
    else if (n.startsWith('activity') || n.startsWith('posture')) groups['motion']!.push(i);
  });
  return groups;
}

/**
 * An augmented copy of a training set: each row, with probability `dropoutProb`, loses one
 * sensor group for a random span of the window (to the end of the window half the time: a
 * sensor that is still gone), by setting the raw values to NaN, which is exactly what the
 * gateway does with a missing value. Labels stay: a lost strap does not change the wearer's
 * state. Noise is added later, on the normalised values (see noiseSd in the settings).
 *
 * @example
 *   const aug = withSensorDropout(train, rnd, 0.5);
 */
export function withSensorDropout(set: RawWindows, rnd: SeededRandom, dropoutProb: number): RawWindows {
  const groups = Object.values(sensorGroups()).filter((g) => g.length > 0);
  const raw = set.raw.slice();
  const T = set.frames;
  const W = set.width;
  for (let r = 0; r < set.n; r++) {
    if (rnd.uniform() >= dropoutProb) continue;
    const g = groups[Math.floor(rnd.uniform() * groups.length)]!;
    const from = Math.floor(rnd.uniform() * T);
    const to = rnd.uniform() < 0.5 ? T : from + 1 + Math.floor(rnd.uniform() * (T - from));
    for (let s = from; s < to; s++) for (const j of g) raw[(r * T + s) * W + j] = NaN;
  }
  return { ...set, name: `${set.name}+dropout`, raw };
}

/** Concatenation of sets with the same geometry. */
export function concatWindows(name: string, sets: readonly RawWindows[]): RawWindows {
  const first = sets[0]!;
  const n = sets.reduce((a, s) => a + s.n, 0);
  const raw = new Float32Array(n * first.frames * first.width);
  const driver = new Uint8Array(n);
  const label = new Uint8Array(n);
  const score = new Float32Array(n);
  let at = 0;
  for (const s of sets) {
    if (s.frames !== first.frames || s.width !== first.width) throw new RangeError('windows of different geometry');
    raw.set(s.raw, at * first.frames * first.width);
    driver.set(s.driver, at);
    label.set(s.label, at);
    score.set(s.score, at);
    at += s.n;
  }
  return { name, n, frames: first.frames, width: first.width, raw, driver, label, score, truth: sets.flatMap((s) => s.truth), wearer: sets.flatMap((s) => s.wearer) };
}
