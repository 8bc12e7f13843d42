import t from 'tap';
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import type { FeatureFrame, GazeBatch } from '../../gateway/core/types.ts';
import { FeatureQuality } from '../../gateway/core/types.ts';
import { featureIndex } from '../../gateway/features/feature-names.ts';
import { FEATURE_BOUNDS, FEATURE_DEFAULTS, resolveFeatureSettings } from '../../gateway/features/feature-settings.ts';
import { WearerFeatures } from '../../gateway/features/wearer-features.ts';
import { FleetPipeline } from '../../gateway/pipeline/fleet-pipeline.ts';

t.test('the config schema defaults are the feature defaults, and the example documents them', async (t) => {
  const c = validateConfig({});
  t.same(c.features, FEATURE_DEFAULTS);
  const example = YAML.parse(await readFile(new URL('../../examples/config.yaml', import.meta.url), 'utf8'));
  t.same(example.features, FEATURE_DEFAULTS, 'examples/config.yaml shows every field with its default');
  t.same(Object.keys(FEATURE_BOUNDS).sort(), Object.keys(FEATURE_DEFAULTS).sort());
});

t.test('bad feature settings stop the start with the field path', async (t) => {
  t.throws(() => validateConfig({ features: { perclosWindowMs: 5000 } }), { code: 'AFG_E_CONFIG_INVALID', path: '/features/perclosWindowMs' });
  t.throws(() => validateConfig({ features: { spectralWindowMs: 60_000 } }), { code: 'AFG_E_CONFIG_INVALID', path: '/features/spectralWindowMs' });
  t.throws(() => validateConfig({ features: { minValidShare: 0 } }), { code: 'AFG_E_CONFIG_INVALID', path: '/features/minValidShare' });
  t.throws(() => validateConfig({ features: { perclosWindow: 60_000 } }), { code: 'AFG_E_CONFIG_INVALID', path: '/features/perclosWindow' });
  t.same(validateConfig({ features: { aoiWindowMs: 10_000 } }).features.aoiWindowMs, 10_000);
  t.throws(() => resolveFeatureSettings({ hrvWindowMs: 1 }), /features\.hrvWindowMs/);
  t.throws(() => new WearerFeatures({ wearer: 'op-1', settings: { dispersionWindowMs: Number.NaN } }), RangeError);
});

/** 100 Hz gaze, eye open, from..to ms */
function gaze(from: number, to: number): GazeBatch {
  const n = (to - from) / 10;
  const b: GazeBatch = { kind: 'gaze', device: 'et', clock: 'gateway', units: 'deg', n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n).fill(3), openness: new Float32Array(n).fill(0.9), valid: new Uint8Array(n).fill(1) };
  for (let i = 0; i < n; i++) b.t[i] = from + i * 10;
  return b;
}

t.test('the windows from the config reach the features through the fleet pipeline', async (t) => {
  // 12 s of gaze: with the default 60 s PERCLOS window (50% must be seen) PERCLOS is unknown;
  // with a 20 s window it is known
  const P = featureIndex('perclos');
  const run = async (features?: Record<string, number>) => {
    const config = validateConfig({ tickMs: 50, wearers: [{ id: 'op-0001', role: 'operator' }], ...(features ? { features } : {}) });
    const bus = new EventBus();
    const fleet = new FleetPipeline({ config, bus, toEpochMs: (x) => x });
    let last: FeatureFrame | undefined;
    bus.on('features', (f) => (last = f));
    fleet.ingest('op-0001', gaze(0, 12_000));
    await fleet.tick(12_000);
    return last!;
  };
  const dflt = await run();
  t.ok(Number.isNaN(dflt.values[P]!), 'default window: unknown');
  t.equal(dflt.quality[P], FeatureQuality.Unknown);
  const short = await run({ perclosWindowMs: 20_000 });
  t.equal(short.values[P], 0, 'a 20 s window: known (eyes open: 0)');
  t.equal(short.quality[P], FeatureQuality.Good);
});
