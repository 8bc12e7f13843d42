import t from 'tap';
import fc from 'fast-check';
import type { AccBatch, FeatureFrame, GazeBatch, RrBatch } from '../../gateway/core/types.ts';
import { FeatureQuality } from '../../gateway/core/types.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { aoiFeatureIndex, AOI_FEATURE_NAMES } from '../../gateway/features/aoi-feature-names.ts';
import { FEATURE_NAMES, featureIndex } from '../../gateway/features/feature-names.ts';
import { WearerFeatures } from '../../gateway/features/wearer-features.ts';
import { computeHrv } from '../../gateway/hrv/hrv-metrics.ts';

const ROAD: [number, number][] = [[-20, -10], [20, -10], [20, 10], [-20, 10]];
const MIRROR: [number, number][] = [[25, -5], [35, -5], [35, 5], [25, 5]];
const AOIS = [{ name: 'road_ahead', polygon: ROAD }, { name: 'mirror', polygon: MIRROR }];
const v = (f: FeatureFrame, name: string) => f.values[featureIndex(name)]!;
const q = (f: FeatureFrame, name: string) => f.quality[featureIndex(name)]!;
const av = (f: FeatureFrame, aoi: number, field: string) => f.aoi!.values[aoi * AOI_FEATURE_NAMES.length + aoiFeatureIndex(field)]!;

/** 100 Hz gaze over [from, to) ms, described per sample. */
function gaze(from: number, to: number, at: (t: number) => { x?: number; y?: number; open?: number; valid?: boolean }): GazeBatch {
  const n = Math.round((to - from) / 10);
  const b: GazeBatch = { kind: 'gaze', device: 'et', clock: 'gateway', units: 'deg', n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n).fill(3.5), openness: new Float32Array(n), valid: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const tt = from + i * 10;
    const s = at(tt);
    const ok = s.valid ?? true;
    b.t[i] = tt;
    b.x[i] = ok ? (s.x ?? 0) : NaN;
    b.y[i] = ok ? (s.y ?? 0) : NaN;
    b.openness[i] = ok ? (s.open ?? 0.9) : NaN;
    b.valid[i] = ok ? 1 : 0;
  }
  return b;
}

function rrBatch(beats: { t: number; rr: number }[]): RrBatch {
  return { kind: 'rr', device: 'h10', clock: 'gateway', n: beats.length, t: Float64Array.from(beats.map((b) => b.t)), rrMs: Float32Array.from(beats.map((b) => b.rr)) };
}

/** Back-to-back beats from `start` until `end` ms with RR given by a function of beat time (s). */
function beats(start: number, end: number, rrOf: (tS: number, k: number) => number): { t: number; rr: number }[] {
  const out: { t: number; rr: number }[] = [];
  let tt = start;
  for (let k = 0; ; k++) {
    const rr = rrOf(tt / 1000, k);
    tt += rr;
    if (tt >= end) break;
    out.push({ t: tt, rr });
  }
  return out;
}

t.test('blink duration spread: SD (N-1) and 90th percentile of the closures in the window', async (t) => {
  // closures of 100, 200, 300, 400, 500 ms starting at 5, 10, 15, 20, 25 s
  const closures = [100, 200, 300, 400, 500];
  const at = (tt: number) => {
    const k = Math.floor(tt / 5000) - 1;
    const d = closures[k];
    return { open: d !== undefined && tt % 5000 < d ? 0.05 : 0.9 };
  };
  const f = new WearerFeatures({ wearer: 'op-0001' });
  f.pushGaze(gaze(0, 40_000, at));
  const fr = f.frame(40_000);
  // mean 300; SD = sqrt((200^2 + 100^2 + 0 + 100^2 + 200^2) / 4) = sqrt(25 000) = 158.1139
  // p90 (linear, type 7): h = 4 x 0.9 = 3.6 -> 400 + 0.6 x (500 - 400) = 460
  t.equal(v(fr, 'blink_mean_ms'), 300);
  t.ok(Math.abs(v(fr, 'blink_sd_ms') - 158.1139) < 0.01, `sd ${v(fr, 'blink_sd_ms')}`);
  t.ok(Math.abs(v(fr, 'blink_p90_ms') - 460) < 0.01, `p90 ${v(fr, 'blink_p90_ms')}`);
  t.equal(q(fr, 'blink_sd_ms'), FeatureQuality.Good);
  t.equal(v(fr, 'long_blinks_per_min'), 0, '500 ms is not longer than 500 ms');
  // four closures are too few for a spread: unknown, while the mean is known
  const g = new WearerFeatures({ wearer: 'op-0001' });
  g.pushGaze(gaze(0, 40_000, (tt) => (tt >= 25_000 ? { open: 0.9 } : at(tt))));
  const fg = g.frame(40_000);
  t.equal(v(fg, 'blink_mean_ms'), 250);
  t.ok(Number.isNaN(v(fg, 'blink_sd_ms')));
  t.equal(q(fg, 'blink_sd_ms'), FeatureQuality.Unknown);
  t.ok(Number.isNaN(v(fg, 'blink_p90_ms')));
});

t.test('glance history per AOI: counts, mean and longest glances on and away, long glances away from the road', async (t) => {
  // road 0-5 s, mirror 5-7 s, road 7-9 s, mirror 9-12 s, road 12-20 s
  const x = (tt: number) => ((tt >= 5000 && tt < 7000) || (tt >= 9000 && tt < 12_000) ? 30 : 0);
  const f = new WearerFeatures({ wearer: 'dr-0001', aois: AOIS });
  f.pushGaze(gaze(0, 20_000, (tt) => ({ x: x(tt) })));
  const fr = f.frame(20_000);
  t.same(fr.aoi!.names, ['road_ahead', 'mirror']);
  t.same(fr.aoi!.fields, AOI_FEATURE_NAMES);
  // road: completed glances 5 s and 2 s; the current one runs from 12 s to the newest sample 19.99 s
  t.equal(av(fr, 0, 'glances'), 2);
  t.equal(av(fr, 0, 'glance_mean_s'), 3.5);
  t.equal(av(fr, 0, 'glance_max_s'), 5);
  t.ok(Math.abs(av(fr, 0, 'glance_s') - 7.99) < 1e-6);
  t.equal(av(fr, 0, 'away_s'), 0);
  t.equal(av(fr, 0, 'in'), 1);
  // away from the road: 2 s and 3 s; only the 3 s one is longer than 2 s
  t.equal(av(fr, 0, 'away_max_s'), 3);
  t.equal(av(fr, 0, 'long_aways'), 1);
  // mirror: glances 2 s and 3 s; away from it: 0-5 s (from the first sample) and 7-9 s
  t.equal(av(fr, 1, 'glances'), 2);
  t.equal(av(fr, 1, 'glance_mean_s'), 2.5);
  t.equal(av(fr, 1, 'away_max_s'), 5);
  t.equal(av(fr, 1, 'long_aways'), 1);
  t.equal(av(fr, 1, 'in'), 0);
  t.ok(Math.abs(av(fr, 1, 'away_s') - 7.99) < 1e-6);
  // dwell: each sample stands for the 10 ms before it (the first for none): road 15 s less 10 ms
  t.ok(Math.abs(av(fr, 0, 'share') - 14_990 / 19_990) < 1e-6, `share ${av(fr, 0, 'share')}`);
  t.ok(Math.abs(av(fr, 0, 'share') + av(fr, 1, 'share') - 1) < 1e-6);
  // the road's fields in the fixed vector, for the driver policy and the model
  t.equal(v(fr, 'off_road_glance_max_s'), 3);
  t.equal(v(fr, 'off_road_long_glances'), 1);
  t.ok(Math.abs(v(fr, 'aoi_road_ahead_glance_s') - 7.99) < 1e-6);
  t.equal(v(fr, 'off_road_glance_s'), 0);
  for (let i = 0; i < fr.aoi!.values.length; i++) t.equal(fr.aoi!.quality[i], FeatureQuality.Good, `AOI field ${i} known`);
});

t.test('AOI history is unknown without enough valid gaze, and "in AOI" is unknown when the gaze is lost', async (t) => {
  const f = new WearerFeatures({ wearer: 'dr-0001', aois: AOIS });
  // 10 s seen of a 30 s window, then lost
  f.pushGaze(gaze(0, 12_000, (tt) => ({ x: tt < 5000 ? 0 : 30, valid: tt < 10_000 })));
  const fr = f.frame(12_000);
  for (const field of ['share', 'glances', 'glance_mean_s', 'away_max_s', 'long_aways', 'in', 'glance_s', 'away_s']) {
    t.ok(Number.isNaN(av(fr, 0, field)), `road ${field} unknown`);
    t.equal(fr.aoi!.quality[aoiFeatureIndex(field)], FeatureQuality.Unknown);
  }
  t.ok(Number.isNaN(v(fr, 'off_road_long_glances')));
  t.ok(Number.isNaN(v(fr, 'aoi_road_ahead_in')), 'missing data is never eyes on (or off) the road');
});

t.test('HRV in the frame: the hrv-metrics conventions over the beats of the window', async (t) => {
  const bs = beats(0, 400_000, (s) => 800 + 40 * Math.sin(2 * Math.PI * 0.1 * s) + 15 * Math.sin(2 * Math.PI * 0.25 * s));
  const f = new WearerFeatures({ wearer: 'op-0001' });
  f.pushRr(rrBatch(bs.filter((b) => b.t < 100_000)));
  const early = f.frame(100_000);
  t.ok(Number.isFinite(v(early, 'rmssd_ms')), 'time domain known after 100 s');
  t.ok(Number.isNaN(v(early, 'lf_ms2')), 'LF unknown with 100 s of a 5 min window (50% needed)');
  t.equal(q(early, 'lf_hf'), FeatureQuality.Unknown);
  f.pushRr(rrBatch(bs.filter((b) => b.t >= 100_000)));
  const now = 400_000;
  const fr = f.frame(now);
  const inWindow = bs.filter((b) => b.t > now - 60_000 && b.t <= now).map((b) => b.rr);
  const ref = computeHrv(inWindow);
  for (const [name, key] of [['mean_nn_ms', 'mean_nni'], ['sdnn_ms', 'sdnn'], ['rmssd_ms', 'rmssd'], ['sdsd_ms', 'sdsd'], ['nn50', 'nni_50'], ['pnn50_pct', 'pnni_50'], ['nn20', 'nni_20'], ['pnn20_pct', 'pnni_20'], ['sd1_ms', 'sd1'], ['sd2_ms', 'sd2']] as const) {
    t.ok(Math.abs(v(fr, name) - ref[key]) <= 1e-4 * Math.max(1, Math.abs(ref[key])), `${name} ${v(fr, name)} vs ${ref[key]}`);
    t.equal(q(fr, name), FeatureQuality.Good);
  }
  t.ok(Math.abs(v(fr, 'hr_bpm') - 60_000 / ref.mean_nni) < 1e-3, 'HR from mean NN without a strap HR');
  t.equal(q(fr, 'hr_bpm'), FeatureQuality.Proxy);
  t.equal(v(fr, 'rr_artefact_share'), 0);
  // LF: A = 40 ms at 0.1 Hz -> 800 ms^2; HF: A = 15 ms at 0.25 Hz -> 112.5 ms^2
  t.ok(Math.abs(v(fr, 'lf_ms2') - 800) / 800 < 0.08, `LF ${v(fr, 'lf_ms2')}`);
  t.ok(Math.abs(v(fr, 'hf_ms2') - 112.5) / 112.5 < 0.1, `HF ${v(fr, 'hf_ms2')}`);
  t.ok(Math.abs(v(fr, 'lf_hf') - 800 / 112.5) / (800 / 112.5) < 0.15, `LF/HF ${v(fr, 'lf_hf')}`);
  t.equal(q(fr, 'lf_ms2'), FeatureQuality.Good);
});

t.test('HRV quality follows the share of rejected beats: <= 5% Good, <= 20% Proxy, more Unknown', async (t) => {
  const run = (every: number) => {
    // every `every`-th interval is an early ectopic beat (-40%) with its compensatory pause (+40%)
    const bs = beats(0, 90_000, (_s, k) => (k % every === every - 1 ? 480 : k % every === 0 && k > 0 ? 1120 : 800));
    const f = new WearerFeatures({ wearer: 'op-0001' });
    f.pushRr(rrBatch(bs));
    return f.frame(90_000);
  };
  const clean = run(1000);
  t.equal(q(clean, 'rmssd_ms'), FeatureQuality.Good);
  t.equal(v(clean, 'rmssd_ms'), 0, 'a constant rhythm has no variability');
  const some = run(15); // 2 of 15 intervals rejected: 13%
  t.equal(q(some, 'rmssd_ms'), FeatureQuality.Proxy);
  t.ok(v(some, 'rr_artefact_share') > 0.1 && v(some, 'rr_artefact_share') < 0.15, `share ${v(some, 'rr_artefact_share')}`);
  t.equal(v(some, 'rmssd_ms'), 0, 'the ectopic pairs are removed, not smeared into the variability');
  const many = run(4); // 2 of 4 rejected
  t.ok(Number.isNaN(v(many, 'rmssd_ms')));
  t.equal(q(many, 'rmssd_ms'), FeatureQuality.Unknown);
});

t.test('out-of-order samples are dropped and counted, never silently', async (t) => {
  const errors = new ErrorCounter();
  const f = new WearerFeatures({ wearer: 'op-0001', errors });
  f.pushGaze(gaze(0, 1000, () => ({})));
  f.pushGaze(gaze(500, 600, () => ({})));
  t.equal(f.droppedOutOfOrder, 10);
  t.equal(errors.get('AFG_E_SAMPLE_ORDER'), 10);
  f.pushRr(rrBatch([{ t: 2000, rr: 800 }, { t: 1500, rr: 800 }]));
  t.equal(f.droppedOutOfOrder, 11);
});

/** A random wearer stream: gaze (fixations, saccades, blinks, losses, AOI glances), beats, acceleration. */
function randomStream(seed: number, ms: number) {
  let a = seed >>> 0;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const lossEvery = 5000 + r() * 20_000;
  const lossLen = r() * 3000;
  let gx = 0;
  let nextJump = 0;
  const g = gaze(0, ms, (tt) => {
    if (tt >= nextJump) {
      gx = (r() - 0.3) * 50;
      nextJump = tt + 100 + r() * 900;
    }
    return { x: gx, y: (r() - 0.5) * 0.2, open: r() < 0.02 ? 0.05 : 0.9, valid: tt % lossEvery > lossLen };
  });
  const b = beats(0, ms, () => 700 + r() * 200 + (r() < 0.03 ? 500 : 0));
  const na = Math.floor(ms / 20);
  const acc: AccBatch = { kind: 'acc', device: 'h10', clock: 'gateway', n: na, t: new Float64Array(na), x: new Float32Array(na), y: new Float32Array(na), z: new Float32Array(na) };
  for (let i = 0; i < na; i++) {
    acc.t[i] = i * 20;
    acc.x[i] = (r() - 0.5) * 200;
    acc.y[i] = (r() - 0.5) * 200;
    acc.z[i] = 1000 + (r() - 0.5) * 200;
  }
  return { g, b, acc };
}

function sliceGaze(b: GazeBatch, from: number, to: number): GazeBatch {
  return { ...b, n: to - from, t: b.t.subarray(from, to), x: b.x.subarray(from, to), y: b.y.subarray(from, to), pupil: b.pupil.subarray(from, to), openness: b.openness.subarray(from, to), valid: b.valid.subarray(from, to) };
}

/** Feeds everything with time < tMs not fed yet, in pieces cut at `cuts` (sample indices). */
function feeder(f: WearerFeatures, s: ReturnType<typeof randomStream>, cuts: number[]) {
  let gi = 0;
  let bi = 0;
  let ai = 0;
  const sorted = [...cuts].sort((x, y) => x - y);
  return (tMs: number) => {
    let end = gi;
    while (end < s.g.n && s.g.t[end]! < tMs) end++;
    const points = [gi, ...sorted.filter((c) => c > gi && c < end), end];
    for (let k = 0; k + 1 < points.length; k++) f.pushGaze(sliceGaze(s.g, points[k]!, points[k + 1]!));
    gi = end;
    const bs: { t: number; rr: number }[] = [];
    while (bi < s.b.length && s.b[bi]!.t < tMs) bs.push(s.b[bi++]!);
    if (bs.length) f.pushRr(rrBatch(bs));
    let ae = ai;
    while (ae < s.acc.n && s.acc.t[ae]! < tMs) ae++;
    if (ae > ai) f.pushAcc({ ...s.acc, n: ae - ai, t: s.acc.t.subarray(ai, ae), x: s.acc.x.subarray(ai, ae), y: s.acc.y.subarray(ai, ae), z: s.acc.z.subarray(ai, ae) });
    ai = ae;
  };
}

t.test('every feature: NaN exactly when its quality is Unknown; values in their ranges', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 1e9 }), async (seed) => {
      const s = randomStream(seed, 200_000);
      const f = new WearerFeatures({ wearer: 'dr-0001', aois: AOIS, tickWindowMs: 50 });
      const feed = feeder(f, s, []);
      for (let tt = 1000; tt <= 200_000; tt += 7_350) {
        feed(tt);
        const fr = f.frame(tt);
        for (let i = 0; i < FEATURE_NAMES.length; i++) {
          const x = fr.values[i]!;
          if (Number.isNaN(x) !== (fr.quality[i] === FeatureQuality.Unknown)) throw new Error(`${FEATURE_NAMES[i]} = ${x} with quality ${fr.quality[i]} at ${tt}`);
          if (!Number.isNaN(x) && !Number.isFinite(x)) throw new Error(`${FEATURE_NAMES[i]} is ${x}`);
        }
        for (let i = 0; i < fr.aoi!.values.length; i++) if (Number.isNaN(fr.aoi!.values[i]!) !== (fr.aoi!.quality[i] === FeatureQuality.Unknown)) throw new Error(`AOI field ${i}`);
        for (const name of ['perclos', 'aoi_road_ahead_share', 'gaze_valid_ratio', 'rr_artefact_share']) {
          const x = v(fr, name);
          if (x < 0 || x > 1) throw new Error(`${name} = ${x} outside [0, 1]`);
        }
        for (const name of ['blink_rate_per_min', 'fixation_rate_per_min', 'saccade_rate_per_min', 'rmssd_ms', 'sdnn_ms', 'lf_ms2', 'hf_ms2', 'gaze_dispersion_deg', 'activity_mg', 'off_road_glance_max_s']) {
          if (v(fr, name) < 0) throw new Error(`${name} = ${v(fr, name)} < 0`);
        }
        if (v(fr, 'blink_p90_ms') < v(fr, 'blink_mean_ms') * 0.5) throw new Error('p90 below half the mean');
      }
    }),
    { numRuns: 12 },
  );
});

t.test('same frames whatever the batch boundaries (gaze, beats and acceleration), frame by frame', async (t) => {
  const s = randomStream(42, 130_000);
  const ticks: number[] = [];
  for (let tt = 50; tt <= 130_000; tt += 50) ticks.push(tt);
  const checkAt = new Set(ticks.filter((tt) => tt % 10_050 === 0 || tt === 130_000));
  const framesOf = (cuts: number[]) => {
    const f = new WearerFeatures({ wearer: 'dr-0001', aois: AOIS, tickWindowMs: 50 });
    const feed = feeder(f, s, cuts);
    const out: number[][] = [];
    for (const tt of ticks) {
      feed(tt);
      const fr = f.frame(tt);
      if (checkAt.has(tt)) out.push([...Array.from(fr.values), ...Array.from(fr.quality), ...Array.from(fr.aoi!.values)]);
    }
    return out;
  };
  const want = JSON.stringify(framesOf([]));
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: s.g.n - 1 }), { minLength: 1, maxLength: 200 }), async (cuts) => {
      if (JSON.stringify(framesOf(cuts)) !== want) throw new Error('frames differ');
    }),
    { numRuns: 8 },
  );
});

t.test('windowed features do not depend on how often frames are read', async (t) => {
  // frames every 50 ms vs only every 1 s: at the 1 s points the windowed features agree
  const s = randomStream(7, 120_000);
  const every = (stepMs: number) => {
    const f = new WearerFeatures({ wearer: 'dr-0001', aois: AOIS, tickWindowMs: 50 });
    const feed = feeder(f, s, []);
    const out = new Map<number, Float32Array>();
    for (let tt = stepMs; tt <= 120_000; tt += stepMs) {
      feed(tt);
      const fr = f.frame(tt);
      if (tt % 1000 === 0) out.set(tt, fr.values);
    }
    return out;
  };
  const a = every(50);
  const b = every(1000);
  let compared = 0;
  for (const [tt, va] of a) {
    const vb = b.get(tt)!;
    for (let i = 0; i < FEATURE_NAMES.length; i++) {
      const x = va[i]!;
      const y = vb[i]!;
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      compared++;
      if (!(Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(x)))) t.fail(`${FEATURE_NAMES[i]} at ${tt}: ${x} vs ${y}`);
    }
  }
  t.ok(compared > 1000, `${compared} known values compared`);
});
