import t from 'tap';
import { parseScenario } from '../../firmware-bridge/simulator/scenario.ts';
import { FEATURE_NAMES, featureIndex } from '../../gateway/features/feature-names.ts';
import { FeatureHistory, FeatureLayout } from '../../gateway/inference/feature-window.ts';
import { featureMoments, modelInput, simulateWindows } from '../../models/train/attention-state/attention-dataset.ts';
import { sensorGroups, withSensorDropout } from '../../models/train/attention-state/augmentation.ts';
import { SeededRandom } from '../../firmware-bridge/simulator/seeded-random.ts';

const sampling = { frames: 10, strideMs: 500, sampleEveryMs: 1000, warmupMs: 5000, tickMs: 50, gazeRateHz: 60 };

t.test('windows from the real pipeline: none while gaze is lost, labels from the script, the gateway layout', async (t) => {
  const scenario = parseScenario(`
wearers:
  - wearer: op-0001
    role: operator
    seed: 3
    segments:
      - { at: 12, duration: 8, state: sensor_loss, params: { sensors: gaze } }
      - { at: 26, duration: 10, state: idle }
`);
  const w = await simulateWindows('t', [{ scenario, durationS: 40, seed: 1 }], sampling);
  t.ok(w.n > 15, `${w.n} windows`);
  t.equal(w.width, FEATURE_NAMES.length);
  const times = w.truth.map((s, i) => [s, w.label[i]] as const);
  t.notOk(times.some(([s]) => s === 'sensor_loss'), 'no window while the gaze is lost (the gateway says sensor_lost)');
  t.ok(times.some(([s, l]) => s === 'idle' && l === 1), 'idle windows are labelled distracted');
  t.ok(times.filter(([s]) => s === 'attentive').every(([, l]) => l === 0));
  // right after the loss the window still holds the lost steps: gaze_valid_ratio absent or low there
  const V = featureIndex('gaze_valid_ratio');
  let sawLostStep = false;
  for (let r = 0; r < w.n; r++) for (let s = 0; s < w.frames; s++) if (w.raw[(r * w.frames + s) * w.width + V]! < 0.5) sawLostStep = true;
  t.ok(sawLostStep, 'windows after a loss carry the lost steps, as the gateway window does');
});

t.test('training normalises raw windows exactly as the gateway writes its window', async (t) => {
  const rnd = new SeededRandom(9);
  const names = ['perclos', 'hr_bpm', 'gaze_valid_ratio'];
  const layout = new FeatureLayout({ features: names, frames: 4, strideMs: 100, mean: [0.1, 70, 0.9], std: [0.05, 8, 0.1], clip: 6 });
  const h = new FeatureHistory(layout);
  for (let k = 1; k <= 7; k++) {
    const values = new Float32Array(FEATURE_NAMES.length).map(() => rnd.normal(1, 2));
    if (k % 3 === 0) values[featureIndex('hr_bpm')] = NaN;
    h.push({ wearer: 'op-0001', t: k * 70, values, quality: new Uint8Array(FEATURE_NAMES.length) }, true);
  }
  const live = new Float32Array(4 * layout.channels);
  h.write(layout, 'driver', live, 0);
  const raw = new Float32Array(4 * FEATURE_NAMES.length);
  h.copyRaw(raw, 0);
  const set = { name: 'x', n: 1, frames: 4, width: FEATURE_NAMES.length, raw, driver: Uint8Array.of(1), label: Uint8Array.of(0), score: Float32Array.of(1), truth: ['attentive'], wearer: ['op-0001'] };
  t.same([...modelInput(set, layout)], [...live], 'identical input rows');
  const m = featureMoments(set, names);
  t.equal(m.mean.length, 3);
});

t.test('sensor dropout removes whole groups as NaN and keeps the labels', async (t) => {
  const g = sensorGroups();
  t.ok(g['heart']!.includes(featureIndex('rmssd_ms')) && g['heart']!.includes(featureIndex('hr_bpm')));
  t.same(g['pupil'], [featureIndex('pupil_rel')]);
  t.ok(g['aoi']!.includes(featureIndex('off_road_glance_s')));
  const n = 200;
  const W = FEATURE_NAMES.length;
  const set = { name: 's', n, frames: 5, width: W, raw: new Float32Array(n * 5 * W).fill(1), driver: new Uint8Array(n), label: new Uint8Array(n).fill(2), score: new Float32Array(n), truth: [], wearer: [] };
  const d = withSensorDropout(set, new SeededRandom(1), 0.5);
  let rowsHit = 0;
  for (let r = 0; r < n; r++) {
    let hit = false;
    for (let i = r * 5 * W; i < (r + 1) * 5 * W; i++) if (Number.isNaN(d.raw[i]!)) hit = true;
    if (hit) rowsHit++;
  }
  t.ok(rowsHit > 70 && rowsHit < 130, `${rowsHit} of ${n} rows lost a group`);
  t.same(d.label, set.label);
  t.ok(set.raw.every((v) => v === 1), 'the original set is untouched');
});
