import t from 'tap';
import fc from 'fast-check';
import type { GazeBatch } from '../../gateway/core/types.ts';
import { FeatureQuality } from '../../gateway/core/types.ts';
import { featureIndex } from '../../gateway/features/feature-names.ts';
import { WearerFeatures } from '../../gateway/features/wearer-features.ts';

const ROAD: [number, number][] = [[-20, -10], [20, -10], [20, 10], [-20, 10]];
const RATE = 100;

/** A synthetic stream at 100 Hz, described per sample by a function of time. */
function stream(ms: number, at: (t: number) => { x: number; y: number; open: number; valid: boolean }): GazeBatch {
  const n = Math.round((ms * RATE) / 1000);
  const b: GazeBatch = { kind: 'gaze', device: 'et', clock: 'gateway', units: 'deg', n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n).fill(3.5), openness: new Float32Array(n), valid: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const tt = (i * 1000) / RATE;
    const s = at(tt);
    b.t[i] = tt;
    b.x[i] = s.valid ? s.x : NaN;
    b.y[i] = s.valid ? s.y : NaN;
    b.openness[i] = s.valid ? s.open : NaN;
    b.valid[i] = s.valid ? 1 : 0;
  }
  return b;
}

function slice(b: GazeBatch, from: number, to: number): GazeBatch {
  return { ...b, n: to - from, t: b.t.subarray(from, to), x: b.x.subarray(from, to), y: b.y.subarray(from, to), pupil: b.pupil.subarray(from, to), openness: b.openness.subarray(from, to), valid: b.valid.subarray(from, to) };
}

const v = (f: { values: Float32Array }, name: string) => f.values[featureIndex(name)]!;

t.test('blinks of known duration are counted; PERCLOS from openness', async (t) => {
  // one 200 ms blink every 4 s, plus one 700 ms long blink at 61 s; 70 s in all
  const b = stream(70_000, (tt) => {
    const inBlink = tt % 4000 >= 1000 && tt % 4000 < 1200;
    const long = tt >= 61_000 && tt < 61_700;
    return { x: 0, y: 0, open: inBlink || long ? 0.05 : 0.9, valid: true };
  });
  const f = new WearerFeatures({ wearer: 'op-7f3a', aois: [{ name: 'road_ahead', polygon: ROAD }] });
  f.pushGaze(b);
  const fr = f.frame(70_000);
  // window [10 s, 70 s): closures start at 13, 17, ... 69 s: 15 episodes; the one at 61 s is
  // the 700 ms long blink (it swallows the regular one), so 14 x 200 ms + 700 ms closed
  t.equal(v(fr, 'blink_rate_per_min'), 15);
  t.equal(v(fr, 'long_blinks_per_min'), 1);
  t.ok(Math.abs(v(fr, 'perclos') - (14 * 200 + 700) / 60_000) < 0.001, `perclos ${v(fr, 'perclos')}`);
  t.equal(fr.quality[featureIndex('perclos')], FeatureQuality.Good);
  t.equal(v(fr, 'eye_closed_s'), 0);
  t.equal(v(fr, 'gaze_valid_ratio'), 1);
});

t.test('eyes closed 1.5 s with openness is a closure in progress', async (t) => {
  const f = new WearerFeatures({ wearer: 'dr-19c2' });
  f.pushGaze(stream(5_000, (tt) => ({ x: 0, y: 0, open: tt >= 3500 ? 0.02 : 0.9, valid: true })));
  t.ok(Math.abs(v(f.frame(5_000), 'eye_closed_s') - 1.49) < 0.02);
});

t.test('track loss is not closure: closure unknown, validity drops, PERCLOS unknown', async (t) => {
  const f = new WearerFeatures({ wearer: 'dr-19c2', aois: [{ name: 'road_ahead', polygon: ROAD }] });
  f.pushGaze(stream(40_000, (tt) => ({ x: 0, y: 0, open: 0.9, valid: tt < 10_000 })));
  const fr = f.frame(40_000);
  t.ok(Number.isNaN(v(fr, 'eye_closed_s')), 'closure unknown');
  t.equal(fr.quality[featureIndex('eye_closed_s')], FeatureQuality.Unknown);
  t.equal(v(fr, 'gaze_valid_ratio'), 0);
  t.ok(Number.isNaN(v(fr, 'perclos')), 'perclos unknown with 10 s of 60 valid');
  t.ok(Number.isNaN(v(fr, 'aoi_road_ahead_in')), 'eyes on road unknown');
});

t.test('without openness, short gaps are proxy blinks and long gaps are not', async (t) => {
  const f = new WearerFeatures({ wearer: 'op-7f3a' });
  f.pushGaze(stream(60_000, (tt) => {
    const gap = (tt % 5000 >= 2000 && tt % 5000 < 2150) || (tt >= 30_000 && tt < 32_000);
    return { x: 0, y: 0, open: NaN, valid: !gap };
  }));
  const fr = f.frame(60_000);
  t.equal(fr.quality[featureIndex('perclos')], FeatureQuality.Proxy);
  // gaps of 150 ms at 2.0, 7.0, ... 57.0 s: 12; the one at 32.0 s runs into the 2 s loss
  // (30.00-32.15 s, one 2150 ms invalid run > 500 ms: track loss, not a blink), leaving 11 blinks.
  // Seen time in [0, 60 s): the 5999 sample intervals (59 990 ms) less the 2150 ms of loss = 57 840 ms
  // (blink gaps count as seen-closed time); rate = 11 / 57.84 s * 60 = 11.411 per minute
  t.ok(Math.abs(v(fr, 'blink_rate_per_min') - (11 * 60) / 57.84) < 0.001, `rate ${v(fr, 'blink_rate_per_min')}`);
  // PERCLOS proxy: 11 x 150 ms closed of 57 840 ms seen
  t.ok(Math.abs(v(fr, 'perclos') - 1650 / 57_840) < 1e-4, `perclos ${v(fr, 'perclos')}`);
  t.equal(v(fr, 'blink_mean_ms'), 150);
});

t.test('glance away from the road: share, current glance duration', async (t) => {
  const f = new WearerFeatures({ wearer: 'dr-19c2', aois: [{ name: 'road_ahead', polygon: ROAD }] });
  f.pushGaze(stream(20_000, (tt) => ({ x: tt >= 16_000 ? 35 : 0, y: 0, open: 0.9, valid: true })));
  const fr = f.frame(20_000);
  t.equal(v(fr, 'aoi_road_ahead_in'), 0);
  t.ok(Math.abs(v(fr, 'off_road_glance_s') - 4) < 0.02, `glance ${v(fr, 'off_road_glance_s')}`);
  t.ok(Math.abs(v(fr, 'aoi_road_ahead_share') - 0.8) < 0.02);
});

t.test('the same features whatever the batch boundaries', async (t) => {
  const whole = stream(30_000, (tt) => ({ x: 10 * Math.sin(tt / 700), y: (tt % 3000) / 300, open: tt % 4000 < 200 ? 0.05 : 0.9, valid: tt % 9000 > 300 }));
  const ref = new WearerFeatures({ wearer: 'op-7f3a', aois: [{ name: 'road_ahead', polygon: ROAD }] });
  ref.pushGaze(whole);
  const want = Array.from(ref.frame(30_000).values);
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: whole.n - 1 }), { maxLength: 20 }), async (cuts) => {
      const f = new WearerFeatures({ wearer: 'op-7f3a', aois: [{ name: 'road_ahead', polygon: ROAD }] });
      const points = [0, ...cuts.sort((a, b) => a - b), whole.n];
      for (let i = 0; i + 1 < points.length; i++) f.pushGaze(slice(whole, points[i]!, points[i + 1]!));
      t.same(Array.from(f.frame(30_000).values), want);
    }),
    { numRuns: 25 },
  );
});

t.test('a strap without skin contact gives unknown HR, never 0', async (t) => {
  const f = new WearerFeatures({ wearer: 'op-7f3a' });
  f.pushHr({ kind: 'hr', device: 'hrs', clock: 'gateway', n: 1, t: Float64Array.of(1000), bpm: Float32Array.of(0), contact: Uint8Array.of(1) });
  t.ok(Number.isNaN(v(f.frame(1500), 'hr_bpm')));
  f.pushHr({ kind: 'hr', device: 'hrs', clock: 'gateway', n: 1, t: Float64Array.of(2000), bpm: Float32Array.of(72), contact: Uint8Array.of(2) });
  t.equal(v(f.frame(2500), 'hr_bpm'), 72);
  t.ok(Number.isNaN(v(f.frame(9000), 'hr_bpm')), 'stale HR is unknown');
});

t.test('ECG fills in HRV when the strap sends no RR intervals; the strap is preferred when it does', async (t) => {
  const { EcgWaveform } = await import('../../firmware-bridge/simulator/ecg-waveform.ts');
  const FS = 130;
  const beats: number[] = [];
  for (let b = 400, k = 0; b < 90_000; k++, b += 800 + 40 * Math.sin(k / 2)) beats.push(b);
  const wave = new EcgWaveform();
  let next = 0;
  const n = Math.floor((90_000 * FS) / 1000);
  const ecg = { kind: 'ecg' as const, device: 'h10', clock: 'gateway' as const, n, t: new Float64Array(n), uV: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const tt = (i * 1000) / FS;
    while (next < beats.length && beats[next]! <= tt + 400) wave.addBeat(beats[next++]!);
    ecg.t[i] = tt;
    ecg.uV[i] = wave.sample(tt);
  }
  // the RMSSD of the true beats over the last 60 s
  const rr = beats.slice(1).map((b, i) => ({ t: b, rr: b - beats[i]! })).filter((x) => x.t > 30_000 && x.t <= 90_000);
  let ss = 0;
  for (let i = 1; i < rr.length; i++) ss += (rr[i]!.rr - rr[i - 1]!.rr) ** 2;
  const trueRmssd = Math.sqrt(ss / (rr.length - 1));
  const f = new WearerFeatures({ wearer: 'dr-19c2' });
  f.pushEcg(ecg);
  const got = v(f.frame(90_000), 'rmssd_ms');
  t.ok(Math.abs(got - trueRmssd) < 6, `RMSSD from ECG ${got.toFixed(1)} ms vs true ${trueRmssd.toFixed(1)} ms (peaks are quantised to 7.7 ms samples)`);

  const g = new WearerFeatures({ wearer: 'dr-19c2' });
  g.pushRr({ kind: 'rr', device: 'h10', clock: 'gateway', n: rr.length, t: Float64Array.from(rr.map((x) => x.t)), rrMs: Float32Array.from(rr.map((x) => x.rr)) });
  g.pushEcg(ecg);
  t.ok(Math.abs(v(g.frame(90_000), 'rmssd_ms') - trueRmssd) < 0.01, 'with strap RR, the exact strap intervals are used');
});
