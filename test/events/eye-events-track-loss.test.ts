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
