import t from 'tap';
import fc from 'fast-check';
import { labelRecordingAsync } from '../../gateway/events/async-event-detector.ts';
import { EventLabel } from '../../gateway/events/event-labels.ts';
import { loadEyeEventsDetector } from '../../gateway/events/eye-events-source.ts';
import { sliceInto } from '../../gateway/events/gaze-event-detector.ts';
import { batchCuts, gaze, recording } from './gaze-arbitraries.ts';

// The streaming contract (gaze-event-detector.ts, async-event-detector.ts) for the learned
// detector, on the committed models/eye-events.onnx through a real onnxruntime session (CPU):
// labels do not depend on how the stream is cut into batches (and so into model runs), each is
// released within lookAheadMs once pushed and settled, refused timestamps are labelled in place.
// Fewer runs than the rule-based detectors' contract: every case runs the model.

const make = () => loadEyeEventsDetector({ providers: ['cpu'] });

t.test('eye-events: the same labels whatever the batch sizes', async (t) => {
  await fc.assert(
    fc.asyncProperty(recording, async (r) => {
      const g = gaze(r);
      if (g.n === 0) return true;
      const whole = await labelRecordingAsync(await make(), g, g.n);
      const det = await make();
      const out = new Uint8Array(g.n);
      let got = 0;
      let from = 0;
      for (const c of [...batchCuts(r.cuts, g.n), g.n]) {
        det.push(sliceInto(g, from, c));
        await det.settle();
        got += det.read(out.subarray(got));
        from = c;
      }
      det.end();
      await det.settle();
      got += det.read(out.subarray(got));
      if (got !== g.n) throw new Error(`released ${got} of ${g.n}`);
      for (let i = 0; i < g.n; i++) if (out[i] !== whole[i]) throw new Error(`sample ${i} (t=${g.t[i]}): ${out[i]} in batches, ${whole[i]} whole`);
      return true;
    }),
    { numRuns: 40 },
  );
  t.pass('property held');
});

t.test('eye-events: every label is released within lookAheadMs of its sample', async (t) => {
  await fc.assert(
    fc.asyncProperty(recording, async (r) => {
      const g = gaze(r);
      const det = await make();
      const buf = new Uint8Array(g.n + 1);
      let released = 0;
      const one = { n: 1, t: new Float64Array(1), x: new Float64Array(1), y: new Float64Array(1) };
      for (let i = 0; i < g.n; i++) {
        one.t[0] = g.t[i]!;
        one.x[0] = g.x[i]!;
        one.y[0] = g.y[i]!;
        det.push(one);
        await det.settle();
        released += det.read(buf);
        if (released < i && g.t[released]! + det.lookAheadMs <= g.t[i]!) throw new Error(`sample ${released} (t=${g.t[released]}) still held at t=${g.t[i]} (lookAhead ${det.lookAheadMs} ms)`);
      }
      det.end();
      await det.settle();
      released += det.read(buf);
      if (released !== g.n) throw new Error(`released ${released} of ${g.n}`);
      return true;
    }),
    { numRuns: 15 },
  );
  t.pass('property held');
});

t.test('eye-events: refused timestamps get Undefined in place, the rest is unchanged', async (t) => {
  const g = gaze({ script: [{ kind: 'fix', ms: 300 }, { kind: 'sacc', ampDeg: 8 }, { kind: 'fix', ms: 300 }], rateHz: 500, jitter: 0, noiseDeg: 0.01, seed: 3 });
  const clean = await labelRecordingAsync(await make(), g);
  const idx = [...Array(g.n).keys()];
  const tt = idx.flatMap((i) => (i === 100 ? [g.t[i]!, g.t[i]!] : i === 200 ? [g.t[i]!, NaN] : [g.t[i]!]));
  const xx = idx.flatMap((i) => (i === 100 || i === 200 ? [g.x[i]!, 0] : [g.x[i]!]));
  const yy = idx.flatMap((i) => (i === 100 || i === 200 ? [g.y[i]!, 0] : [g.y[i]!]));
  const det = await make();
  const lab = await labelRecordingAsync(det, { n: tt.length, t: tt, x: xx, y: yy });
  t.equal(det.rejected, 2);
  t.equal(lab[101], EventLabel.Undefined);
  t.equal(lab[202], EventLabel.Undefined);
  t.same([...lab.subarray(0, 101), ...lab.subarray(102, 202), ...lab.subarray(203)], [...clean]);
  t.ok(clean.includes(EventLabel.Saccade), 'the scripted saccade is found (the model really ran)');
});
