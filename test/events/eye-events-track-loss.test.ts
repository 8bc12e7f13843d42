import t from 'tap';
import { labelRecordingAsync } from '../../gateway/events/async-event-detector.ts';
import { EventLabel as L } from '../../gateway/events/event-labels.ts';
import { loadEyeEventsDetector } from '../../gateway/events/eye-events-source.ts';
import { synthesize } from './synthetic-gaze.ts';

// Missing data is never a state of a person: a tracker loss between two clean fixations (no
// eyelid artefacts, no openness) is track loss, not a blink — apd's rule, and the product's.
// The committed eye-events model does not keep it (it learnt from Lund 2013, where the SMI
// tracker loses the eye almost only in blinks): it calls a 100-450 ms loss, and clean tracked
// samples around it, a blink. Its blink assertion is a visible todo (docs/event-detection.md, Known limits;
// models/eye-events.md, Limits) until the detector demands evidence for a blink.
const TODO = { todo: 'the model calls such a loss a blink (docs/event-detection.md, Known limits)' };
t.test('eye-events: a loss between clean fixations is track loss, not a blink', async (t) => {
  const det = await loadEyeEventsDetector({ providers: ['cpu'] });
  for (const ms of [100, 300]) {
    const g = synthesize([{ kind: 'fix', ms: 1000 }, { kind: 'loss', ms }, { kind: 'fix', ms: 1000 }], { rateHz: 500, noiseDeg: 0.02, seed: 2 });
    const lab = await labelRecordingAsync(det, g);
    let blink = 0;
    for (let i = 0; i < g.n; i++) if (lab[i] === L.Blink) blink++;
    t.ok(lab.includes(L.Fixation), `${ms} ms loss: the fixations are found (the model ran)`);
    t.equal(blink, 0, `${ms} ms loss: ${blink} samples labelled blink`, TODO);
  }
});
