import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { encode } from '@msgpack/msgpack';
import t from 'tap';
import { OpenGazeParser } from '../../firmware-bridge/gazepoint/open-gaze-parser.ts';
import { PupilDatumDecoder } from '../../firmware-bridge/pupil-core/pupil-datum-decoder.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import type { GazeBatch } from '../../gateway/core/types.ts';
import { TimeBuckets } from '../../gateway/features/time-buckets.ts';
import { featureIndex } from '../../gateway/features/feature-names.ts';
import { WearerFeatures } from '../../gateway/features/wearer-features.ts';
import { runHrvCli } from '../../gateway/hrv/hrv-cli.ts';
import { readRecording } from '../../gateway/record/recording.ts';

// Each case below is an input the fuzz suite (npm run fuzz) found to hang, crash or poison the
// gateway, pinned as a plain regression test with the smallest input that showed it.

t.test('Gazepoint: a REC whose TIME has no finite µs value is counted, not passed on as an infinite time', async (t) => {
  const errors = new ErrorCounter();
  const batches: GazeBatch[] = [];
  const p = new OpenGazeParser({ device: 'gp', errors, onBatch: (b) => batches.push(b) });
  p.push('<REC CNT="0" TIME="1.797693134862316e+302" FPOGX="0.5" FPOGY="0.5" FPOGV="1" />\r\n<REC CNT="1" TIME="12.5" FPOGX="0.5" FPOGY="0.5" FPOGV="1" />\r\n');
  t.equal(errors.get('AFG_E_GAZEPOINT_RECORD'), 1, 'the record is counted');
  t.equal(batches.length, 1);
  t.same(Array.from(batches[0]!.t), [12_500_000], 'only the sane record is delivered');
});

t.test('Pupil Core: a gaze datum with timestamp 1e308 s is counted, not an infinite µs time', async (t) => {
  const errors = new ErrorCounter();
  const d = new PupilDatumDecoder({ device: 'pc', errors });
  t.equal(d.push('gaze.3d.01.', encode({ norm_pos: [0, 0], confidence: 0.9, timestamp: 1e308 })), false);
  t.equal(errors.get('AFG_E_PUPIL_MESSAGE'), 1);
  t.equal(d.flush(), null);
});

t.test('TimeBuckets: times beyond 2^53 buckets (1e113 ms, Infinity, NaN) return at once and hold no bucket', async (t) => {
  for (const bad of [1e113, Infinity, NaN, 2 ** 53 * 250]) {
    const b = new TimeBuckets({ channels: 1, bucketMs: 250, spanMs: 10_000 });
    b.add(1000, 0, 1);
    const t0 = performance.now();
    b.add(bad, 0, 5);
    b.add(1100, 0, 1);
    t.ok(performance.now() - t0 < 1000, `add(${bad}) returns`);
    t.equal(b.sum(1250, 1000, 0), 2, `the sane samples are summed, the one at ${bad} is not`);
  }
});

t.test('WearerFeatures: a gaze sample at Infinity or 1e113 ms is passed over, not looped on forever', async (t) => {
  for (const bad of [Infinity, 1e113]) {
    const f = new WearerFeatures({ wearer: 'dr-0002' });
    const n = 5;
    const one = new Float32Array(n).fill(1);
    const t0 = performance.now();
    f.pushGaze({ kind: 'gaze', device: 'et', clock: 'gateway', units: 'deg', n, t: Float64Array.from([100, 101, bad, 103, 104]), x: one, y: one, pupil: one, openness: one, valid: new Uint8Array(n).fill(1) });
    f.frame(200);
    t.ok(performance.now() - t0 < 1000, `a sample at ${bad} does not hang pushGaze`);
  }
});

t.test('WearerFeatures: acceleration beyond float32 gives an unknown activity, never Infinity', async (t) => {
  const f = new WearerFeatures({ wearer: 'dr-0001' });
  const n = 50;
  const big = new Float32Array(n).fill(3.3e38);
  f.pushAcc({ kind: 'acc', device: 'h10', clock: 'gateway', n, t: Float64Array.from({ length: n }, (_, i) => i * 20), x: big, y: big, z: big });
  const v = f.frame(1000).values[featureIndex('activity_mg')]!;
  t.ok(Number.isNaN(v) || Number.isFinite(v), `activity is ${v}`);
});

t.test('recordings: a forged header, a batch claiming more samples than it holds, a tick at NaN: AFG_E_RECORDING_INVALID', async (t) => {
  const dir = t.testdir();
  const header = { format: 'afg-recording', version: 1, epochAtZeroMs: 0, fleet: { site: 's', gateway: 'g', tickMs: 50, stations: [], wearers: [{ id: 'op-0001', role: 'operator' }], aois: [] } };
  const cases: [string, unknown[]][] = [
    ['a fleet that is not a fleet', [{ ...header, fleet: [] }]],
    ['a batch with n = 3e9', [header, { k: 'b', w: 'op-0001', kind: 'ecg', dev: 'h', n: 3e9, c: { t: new Uint8Array(16), uV: new Uint8Array(8) } }]],
    ['a tick at NaN', [header, { k: 't', t: NaN }]],
  ];
  for (const [what, values] of cases) {
    const file = path.join(dir, `${what.replace(/\W+/g, '-')}.afgrec`);
    writeFileSync(file, Buffer.concat(values.map((v) => Buffer.from(encode(v)))));
    await t.rejects(readRecording(file), { name: 'AfgError', code: 'AFG_E_RECORDING_INVALID' }, what);
  }
});

t.test('afg hrv: an interval of 7.9e10 ms is refused (its 4 Hz resampling would need 25 GB)', async (t) => {
  const file = path.join(t.testdir(), 'rr.txt');
  writeFileSync(file, ' 800 \n78987468519.9999\n');
  await t.rejects(runHrvCli(file), { name: 'AfgError', code: 'AFG_E_INPUT_INVALID', message: /not a beat-to-beat interval/ });
});
