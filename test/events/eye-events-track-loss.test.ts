import t from 'tap';
import { labelRecordingAsync } from '../../gateway/events/async-event-detector.ts';
import { EventLabel as L } from '../../gateway/events/event-labels.ts';
import { loadEyeEventsDetector } from '../../gateway/events/eye-events-source.ts';
import { synthesize } from './synthetic-gaze.ts';

// Missing data is never a state of a person: a tracker loss between two clean fixations (no
// eyelid artefacts, no openness) is track loss, not a blink — apd's rule, and the product's.
// The committed eye-events model, left to itself, calls a 100-450 ms loss and ~200 ms of the
// clean tracked fixation around it a blink (it learnt from Lund 2013, where the SMI tracker loses
// the eye almost only in blinks); the detector now asks for the evidence of blink-evidence.ts.
t.test('eye-events: a loss between clean fixations is track loss, not a blink', async (t) => {
  const det = await loadEyeEventsDetector({ providers: ['cpu'] });
  for (const ms of [100, 300, 450]) {
    const g = synthesize([{ kind: 'fix', ms: 1000 }, { kind: 'loss', ms }, { kind: 'fix', ms: 1000 }], { rateHz: 500, noiseDeg: 0.02, seed: 2 });
    const lab = await labelRecordingAsync(det, g);
    let blink = 0;
    let lossAsLoss = 0;
    let lost = 0;
    for (let i = 0; i < g.n; i++) {
      if (lab[i] === L.Blink) blink++;
      if (g.truth[i] === L.TrackLoss) {
        lost++;
        if (lab[i] === L.TrackLoss) lossAsLoss++;
      }
    }
    t.ok(lab.includes(L.Fixation), `${ms} ms loss: the fixations are found (the model ran)`);
    t.equal(blink, 0, `${ms} ms loss: ${blink} samples labelled blink`);
    t.equal(lossAsLoss, lost, `${ms} ms loss: every lost sample is track loss`);
  }
});

t.test('eye-events: a loss with eyelid artefacts at its edges, or a closed eye reported, is still a blink', async (t) => {
  const det = await loadEyeEventsDetector({ providers: ['cpu'] });
  // the pupil centre dragged 1 deg down over 60 ms before and after a 150 ms loss (synthetic-gaze.ts)
  const g = synthesize([{ kind: 'fix', ms: 1000 }, { kind: 'blink', ms: 150, lidMs: 60, lidDeg: 1 }, { kind: 'fix', ms: 1000 }], { rateHz: 500, noiseDeg: 0.02, seed: 2 });
  const lab = await labelRecordingAsync(det, g);
  let lostBlink = 0;
  let lost = 0;
  for (let i = 0; i < g.n; i++) {
    if (!Number.isFinite(g.x[i]!)) {
      lost++;
      if (lab[i] === L.Blink) lostBlink++;
    }
  }
  t.ok(lost > 50, 'the script has a loss');
  t.equal(lostBlink, lost, 'every lost sample of the blink is a blink');

  // the same clean loss as above, but the device reports the eye closed: a blink whatever the motion
  const c = synthesize([{ kind: 'fix', ms: 1000 }, { kind: 'loss', ms: 300 }, { kind: 'fix', ms: 1000 }], { rateHz: 500, noiseDeg: 0.02, seed: 2 });
  const openness = new Float32Array(c.n).fill(0.9);
  for (let i = 0; i < c.n; i++) if (!Number.isFinite(c.x[i]!)) openness[i] = 0.05;
  const lc = await labelRecordingAsync(det, { ...c, openness });
  let closedBlink = 0;
  let closed = 0;
  for (let i = 0; i < c.n; i++) {
    if (openness[i]! < 0.2) {
      closed++;
      if (lc[i] === L.Blink) closedBlink++;
    }
  }
  t.ok(closed > 100, 'the script has a closed eye');
  t.equal(closedBlink, closed, 'every closed sample is a blink');
});

t.test('eye-events: a blink the tracker breaks into losses between single wild samples is a blink throughout', async (t) => {
  // As SMI reports some blinks in Lund 2013 (UL39_img_konijntjes, 8.0-8.6 s): lid closing, a 4 ms
  // dropout, one wild sample, a 150 ms loss, two wild samples 4 ms apart, a 30 ms loss, lid
  // opening. The middle loss's edges are single samples: their motion is measured across the
  // dropouts next to them, which are no losses of their own.
  const t0: number[] = [];
  const x0: number[] = [];
  const y0: number[] = [];
  let seed = 7;
  const noise = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648 - 0.5) * 0.04;
  };
  const at = (tm: number, x: number, y: number): void => {
    t0.push(tm);
    x0.push(Number.isNaN(x) ? NaN : x + noise());
    y0.push(Number.isNaN(y) ? NaN : y + noise());
  };
  for (let tm = 0; tm < 1000; tm += 2) at(tm, 0, 0);
  for (let tm = 1000; tm <= 1060; tm += 2) at(tm, 0, -(((tm - 1000) / 60) ** 2)); // the lid drags the pupil centre down 1 deg
  at(1062, NaN, NaN);
  at(1064, 0.5, -4);
  for (let tm = 1066; tm <= 1214; tm += 2) at(tm, NaN, NaN);
  at(1216, 0.3, -3.5);
  at(1218, NaN, NaN);
  at(1220, 0.35, -3.3);
  for (let tm = 1222; tm <= 1250; tm += 2) at(tm, NaN, NaN);
  for (let tm = 1252; tm <= 1312; tm += 2) at(tm, 0, -((1 - (tm - 1252) / 60) ** 2));
  for (let tm = 1314; tm < 2400; tm += 2) at(tm, 0, 0);
  const g = { n: t0.length, t: Float64Array.from(t0), x: Float64Array.from(x0), y: Float64Array.from(y0) };
  const det = await loadEyeEventsDetector({ providers: ['cpu'] });
  const lab = await labelRecordingAsync(det, g);
  let lost = 0;
  let lostBlink = 0;
  for (let i = 0; i < g.n; i++) {
    if (Number.isNaN(g.x[i]!)) {
      lost++;
      if (lab[i] === L.Blink) lostBlink++;
    }
  }
  t.ok(lab.includes(L.Fixation), 'the fixations are found (the model ran)');
  t.equal(lostBlink, lost, `${lostBlink} of the ${lost} lost samples are blink`);
});
