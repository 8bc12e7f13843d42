import t from 'tap';
import { ApdDetector } from '../../gateway/events/apd-detector.ts';
import { EventLabel as L } from '../../gateway/events/event-labels.ts';
import { labelRecording, type GazeColumns } from '../../gateway/events/gaze-event-detector.ts';
import { synthesize, type Segment, type SyntheticGaze } from './synthetic-gaze.ts';

/** runs of one label: [label, first time, last time] */
function runs(labels: ArrayLike<number>, tt: ArrayLike<number>): [number, number, number][] {
  const r: [number, number, number][] = [];
  let s = 0;
  for (let i = 1; i <= labels.length; i++) {
    if (i === labels.length || labels[i] !== labels[s]) {
      r.push([labels[s]!, tt[s]!, tt[i - 1]!]);
      s = i;
    }
  }
  return r;
}

const label = (g: SyntheticGaze | GazeColumns, det = new ApdDetector()) => labelRecording(det, g);

// fixation, a 10 deg saccade with PSO, a 4 deg saccade, 10 deg/s pursuit with a catch-up
// saccade, a blink with eyelid artefacts, 800 ms of track loss, a 15 deg saccade with PSO
const SCRIPT: Segment[] = [
  { kind: 'fix', ms: 600 },
  { kind: 'sacc', ampDeg: 10, dirDeg: 0, overshootDeg: 0.6, psoMs: 24 },
  { kind: 'fix', ms: 400 },
  { kind: 'sacc', ampDeg: 4, dirDeg: 120 },
  { kind: 'fix', ms: 300 },
  { kind: 'pursuit', ms: 800, speedDegS: 10, dirDeg: 200 },
  { kind: 'sacc', ampDeg: 2, dirDeg: 200 },
  { kind: 'pursuit', ms: 600, speedDegS: 10, dirDeg: 200 },
  { kind: 'fix', ms: 400 },
  { kind: 'blink', ms: 150, lidMs: 40, lidDeg: 3 },
  { kind: 'fix', ms: 500 },
  { kind: 'loss', ms: 800 },
  { kind: 'fix', ms: 500 },
  { kind: 'sacc', ampDeg: 15, dirDeg: 270, overshootDeg: 1, psoMs: 30 },
  { kind: 'fix', ms: 500 },
];

for (const rate of [60, 250, 500, 1000, 2000]) {
  for (const jitter of [0, 0.3]) {
    t.test(`${rate} Hz${jitter ? ', irregular timestamps' : ''}: every scripted event is found, boundaries within tolerance`, async (t) => {
      const step = 1000 / rate;
      const g = synthesize(SCRIPT, { rateHz: rate, noiseDeg: rate <= 60 ? 0.03 : 0.01, jitterMs: jitter * step, seed: 7 });
      const lab = label(g);
      // the sequence of events is the script's; at 60 Hz a 24-30 ms PSO is one or two samples and
      // is not claimed (the wobble is below the sampling's resolution)
      const keep = (l: number) => rate > 60 || l !== L.Pso;
      const want = runs(g.truth, g.t).filter((r) => keep(r[0]));
      const merged = (rs: [number, number, number][]) => rs.filter((r, i) => i === 0 || r[0] !== rs[i - 1]![0]);
      const got = runs(lab, g.t);
      t.same(got.map((r) => r[0]), merged(want).map((r) => r[0]), `event order\n got ${JSON.stringify(got.map((r) => r[0]))}`);
      if (got.length !== merged(want).length) return;
      const truthRuns = runs(g.truth, g.t);
      // saccades: onset and end (the turning point) within 4 ms or 1.5 samples
      const tolS = Math.max(4, 1.5 * step) + jitter * step;
      const sacT = truthRuns.filter((r) => r[0] === L.Saccade);
      const sacG = got.filter((r) => r[0] === L.Saccade);
      t.equal(sacG.length, 4, 'four saccades');
      sacG.forEach((r, i) => {
        t.ok(Math.abs(r[1] - sacT[i]![1]) <= tolS, `saccade ${i} onset ${r[1].toFixed(1)} vs ${sacT[i]![1].toFixed(1)}`);
        // at 60 Hz an unresolved PSO may be counted into its saccade
        const pso = truthRuns.find((p) => p[0] === L.Pso && Math.abs(p[1] - sacT[i]![2]) <= 2 * step);
        const endOk = Math.abs(r[2] - sacT[i]![2]) <= tolS + step || (rate <= 60 && pso !== undefined && r[2] <= pso[2] + 2 * step);
        t.ok(endOk, `saccade ${i} end ${r[2].toFixed(1)} vs ${sacT[i]![2].toFixed(1)}`);
      });
      // PSO: starts right after the saccade, ends within 20 ms of the wobble's scripted end (its last swings are below noise)
      if (rate > 60) {
        const psoT = truthRuns.filter((r) => r[0] === L.Pso);
        const psoG = got.filter((r) => r[0] === L.Pso);
        t.equal(psoG.length, 2, 'two PSOs');
        psoG.forEach((r, i) => t.ok(Math.abs(r[2] - psoT[i]![2]) <= 20 + step, `PSO ${i} end ${r[2].toFixed(1)} vs ${psoT[i]![2].toFixed(1)}`));
      }
      // pursuit: the 400 ms window puts the boundaries within 120 ms of the ramp's
      const purT = truthRuns.filter((r) => r[0] === L.Pursuit);
      const purG = got.filter((r) => r[0] === L.Pursuit);
      t.equal(purG.length, 2, 'pursuit on both sides of the catch-up saccade');
      t.ok(Math.abs(purG[0]![1] - purT[0]![1]) <= 120, `pursuit onset ${purG[0]![1]} vs ${purT[0]![1]}`);
      t.ok(Math.abs(purG[1]![2] - purT[1]![2]) <= 120, `pursuit end ${purG[1]![2]} vs ${purT[1]![2]}`);
      // the blink covers the gap and its eyelid artefacts, within 40 ms each side
      const blT = truthRuns.filter((r) => r[0] === L.Blink);
      const blG = got.filter((r) => r[0] === L.Blink);
      t.equal(blG.length, 1);
      t.ok(Math.abs(blG[0]![1] - blT[0]![1]) <= 40 && Math.abs(blG[0]![2] - blT[blT.length - 1]![2]) <= 40, `blink ${blG[0]![1]}-${blG[0]![2]} vs ${blT[0]![1]}-${blT[blT.length - 1]![2]}`);
      // track loss is exactly the lost samples, and never blink
      for (let i = 0; i < g.n; i++) if (g.truth[i] === L.TrackLoss && lab[i] !== L.TrackLoss) t.fail(`lost sample ${i} labelled ${lab[i]}`);
      let same = 0;
      for (let i = 0; i < g.n; i++) if (lab[i] === g.truth[i]) same++;
      t.ok(same / g.n >= (rate <= 60 ? 0.93 : 0.95), `sample agreement ${(same / g.n).toFixed(3)}`);
    });
  }
}

t.test('a loss is a blink only with evidence: eyelid artefacts, or openness reported closed', async (t) => {
  // the same 150 ms loss inside a steady fixation, without artefacts
  const g = synthesize([{ kind: 'fix', ms: 800 }, { kind: 'loss', ms: 150 }, { kind: 'fix', ms: 800 }], { rateHz: 500, noiseDeg: 0.01, seed: 2 });
  const lost = [...g.truth].map((l, i) => (l === L.TrackLoss ? i : -1)).filter((i) => i >= 0);
  const plain = label(g);
  t.ok(lost.every((i) => plain[i] === L.TrackLoss), 'no evidence: track loss');
  // the device reports the eye closed during the loss: blink
  const openness = Float64Array.from(g.truth, (l) => (l === L.TrackLoss ? 0.05 : 0.9));
  const closed = label({ ...g, openness });
  t.ok(lost.every((i) => closed[i] === L.Blink), 'openness closed: blink');
  t.equal(closed[lost[0]! - 50], L.Fixation);
  // with lid artefacts but openness reported open: not a blink
  const lid = synthesize([{ kind: 'fix', ms: 800 }, { kind: 'blink', ms: 150, lidMs: 40, lidDeg: 3 }, { kind: 'fix', ms: 800 }], { rateHz: 500, noiseDeg: 0.01, seed: 2 });
  const gap = [...lid.truth].map((_l, i) => (Number.isNaN(lid.x[i]) ? i : -1)).filter((i) => i >= 0);
  t.ok(gap.every((i) => label(lid)[i] === L.Blink), 'lid artefacts: blink');
  const openLid = label({ ...lid, openness: new Float64Array(lid.n).fill(0.9) });
  t.ok(gap.every((i) => openLid[i] === L.TrackLoss), 'eye reported open: track loss');
  // 800 ms of loss with artefacts: too long for a blink without openness
  const long = synthesize([{ kind: 'fix', ms: 800 }, { kind: 'blink', ms: 800, lidMs: 40, lidDeg: 3 }, { kind: 'fix', ms: 800 }], { rateHz: 500, noiseDeg: 0.01, seed: 2 });
  const ll = label(long);
  t.ok([...long.x].every((x, i) => !Number.isNaN(x) || ll[i] === L.TrackLoss), 'long loss: track loss, never blink');
  // a closure of 3 s reported by openness is one blink/closure (and is released while it lasts)
  const shut = synthesize([{ kind: 'fix', ms: 500 }, { kind: 'loss', ms: 3000 }, { kind: 'fix', ms: 500 }], { rateHz: 250, seed: 3 });
  const sl = label({ ...shut, openness: Float64Array.from(shut.truth, (l) => (l === L.TrackLoss ? 0 : 1)) });
  t.same(runs(sl, shut.t).map((r) => r[0]), [L.Fixation, L.Blink, L.Fixation]);
});

t.test('a short dropout inside a fixation is filled (Olsen 2012 gap fill)', async (t) => {
  const g = synthesize([{ kind: 'fix', ms: 600 }, { kind: 'loss', ms: 40 }, { kind: 'fix', ms: 600 }], { rateHz: 500, noiseDeg: 0.01, seed: 4 });
  t.same(runs(label(g), g.t).map((r) => r[0]), [L.Fixation]);
});

t.test('noise sets the thresholds: a noisy 60 Hz fixation has no saccades, and a saccade in it is found', async (t) => {
  const g = synthesize([{ kind: 'fix', ms: 4000 }, { kind: 'sacc', ampDeg: 12 }, { kind: 'fix', ms: 2000 }], { rateHz: 60, noiseDeg: 0.15, seed: 5 });
  const det = new ApdDetector();
  const lab = labelRecording(det, g);
  const sacc = runs(lab, g.t).filter((r) => r[0] === L.Saccade);
  t.equal(sacc.length, 1, JSON.stringify(runs(lab, g.t)));
  t.ok(Math.abs(sacc[0]![1] - 4000) <= 34, `onset ${sacc[0]![1]}`);
  const quiet = synthesize([{ kind: 'fix', ms: 4000 }], { rateHz: 1000, noiseDeg: 0.005, seed: 5 });
  const d2 = new ApdDetector();
  d2.push(quiet);
  const noisy = det; // thresholds are learnt per stream and forgotten at end()
  t.ok(d2.thresholds().onset < 30, `clean 1000 Hz data lowers the onset threshold (${d2.thresholds().onset.toFixed(1)} deg/s)`);
  t.equal(noisy.thresholds().onset, 30, 'after end() the starting value holds again');
});

t.test('pursuit at 5, 10 and 20 deg/s is pursuit; slow drift is fixation', async (t) => {
  for (const speed of [5, 10, 20]) {
    const g = synthesize([{ kind: 'fix', ms: 500 }, { kind: 'pursuit', ms: 1500, speedDegS: speed, dirDeg: 30 }, { kind: 'fix', ms: 500 }], { rateHz: 250, noiseDeg: 0.02, seed: speed });
    const lab = label(g);
    let inside = 0;
    let n = 0;
    for (let i = 0; i < g.n; i++) if (g.t[i]! > 650 && g.t[i]! < 1850) (n++, lab[i] === L.Pursuit && inside++);
    t.equal(inside, n, `${speed} deg/s: pursuit throughout the ramp's middle`);
  }
  const drift = synthesize([{ kind: 'fix', ms: 3000, driftDegS: 0.5 }], { rateHz: 500, noiseDeg: 0.02, seed: 9 });
  t.ok(label(drift).every((l) => l === L.Fixation), '0.5 deg/s drift is fixation');
});

t.test('settings are validated', async (t) => {
  t.throws(() => new ApdDetector({ settings: { smoothHalfMs: 0 } }), RangeError);
  t.throws(() => new ApdDetector({ settings: { pursuitMinCos: 2 } }), RangeError);
  t.throws(() => new ApdDetector({ settings: { psoMaxMs: Number.NaN } }), RangeError);
  t.throws(() => new ApdDetector({ maxRateHz: 0 }), RangeError);
  t.ok(new ApdDetector().lookAheadMs < 1600, 'the stated look-ahead');
});

// A quiet high-rate tracker (0.01 deg RMS at 1000 Hz, tower-mounted class): after some seconds
// of fixation the noise alone would put the thresholds at ~4 / ~7 deg/s, below a pursuit's
// speed, and a saccade into the pursuit would never end (it and the pursuit became undefined).
// The floors (Olsen's 30 deg/s for the peak, half of it for the onset) keep pursuit up to
// ~15 deg/s right; faster pursuit after a saccade still is not (docs/event-detection.md, Known
// limits), pinned as a visible todo.
function quietPursuit(speedDegS: number) {
  const warm: Segment[] = Array.from({ length: 10 }, (_, i): Segment[] => [{ kind: 'fix', ms: 800 }, { kind: 'sacc', ampDeg: 3 + (i % 4), dirDeg: i * 70 }]).flat();
  const g = synthesize([...warm, { kind: 'fix', ms: 500 }, { kind: 'sacc', ampDeg: 5, dirDeg: 0 }, { kind: 'pursuit', ms: 800, speedDegS, dirDeg: 0 }, { kind: 'fix', ms: 500 }], { rateHz: 1000, noiseDeg: 0.01, seed: 3 });
  const lab = label(g);
  const pursuit = g.spans[g.spans.length - 2]!;
  let n = 0;
  let ok = 0;
  for (let i = 0; i < g.n; i++) if (g.t[i]! > pursuit.from + 100 && g.t[i]! < pursuit.to - 100) (n++, lab[i] === L.Pursuit && ok++);
  const sacc = g.spans[g.spans.length - 3]!;
  return { share: ok / n, saccade: runs(lab, g.t).some((r) => r[0] === L.Saccade && Math.abs(r[1] - sacc.from) <= 4) };
}

t.test('quiet 1000 Hz tracker: a saccade into 5, 10 or 14 deg/s pursuit after 8 s of fixations', async (t) => {
  for (const speed of [5, 10, 14]) {
    const r = quietPursuit(speed);
    t.ok(r.share >= 0.9, `${speed} deg/s: pursuit labelled pursuit on ${(100 * r.share).toFixed(0)} % of its middle`);
    t.ok(r.saccade, `${speed} deg/s: the saccade into it is found`);
  }
});

t.test('quiet 1000 Hz tracker: a saccade into 20 deg/s pursuit', async (t) => {
  const todo = { todo: 'onset floor 15 deg/s < pursuit: the saccade and the pursuit become undefined (docs/event-detection.md, Known limits)' };
  const r = quietPursuit(20);
  t.ok(r.share >= 0.9, `pursuit labelled pursuit on ${(100 * r.share).toFixed(0)} % of its middle`, todo);
  t.ok(r.saccade, 'the saccade into it is found', todo);
});
