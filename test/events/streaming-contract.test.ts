import t from 'tap';
import fc from 'fast-check';
import { EVENT_DETECTORS } from '../../gateway/events/detector-registry.ts';
import { EventLabel } from '../../gateway/events/event-labels.ts';
import { labelRecording, sliceInto } from '../../gateway/events/gaze-event-detector.ts';
import { batchCuts, gaze, recording } from './gaze-arbitraries.ts';

// The streaming contract of every registered detector (gaze-event-detector.ts): labels do not
// depend on batch sizes, each arrives within lookAheadMs, every sample gets exactly one.

for (const [name, entry] of Object.entries(EVENT_DETECTORS)) {
  t.test(`${name}: the same labels whatever the batch sizes`, async (t) => {
    fc.assert(
      fc.property(recording, (r) => {
        const g = gaze(r);
        if (g.n === 0) return true;
        const whole = labelRecording(entry.create(), g, g.n);
        const det = entry.create();
        const cuts = batchCuts(r.cuts, g.n);
        const out = new Uint8Array(g.n);
        let got = 0;
        let from = 0;
        for (const c of [...cuts, g.n]) {
          det.push(sliceInto(g, from, c));
          got += det.read(out.subarray(got));
          from = c;
        }
        det.end();
        got += det.read(out.subarray(got));
        if (got !== g.n) throw new Error(`released ${got} of ${g.n}`);
        for (let i = 0; i < g.n; i++) if (out[i] !== whole[i]) throw new Error(`sample ${i} (t=${g.t[i]}): ${out[i]} in batches, ${whole[i]} whole`);
        return true;
      }),
      { numRuns: 150 },
    );
    t.pass('property held');
  });

  t.test(`${name}: every label is released within lookAheadMs of its sample`, async (t) => {
    fc.assert(
      fc.property(recording, (r) => {
        const g = gaze(r);
        const det = entry.create();
        const buf = new Uint8Array(g.n + 1);
        let released = 0;
        const one = { n: 1, t: new Float64Array(1), x: new Float64Array(1), y: new Float64Array(1) };
        for (let i = 0; i < g.n; i++) {
          one.t[0] = g.t[i]!;
          one.x[0] = g.x[i]!;
          one.y[0] = g.y[i]!;
          det.push(one);
          released += det.read(buf);
          // every sample at least lookAheadMs older than the newest one must be out
          while (released < i && g.t[released]! + det.lookAheadMs <= g.t[i]!) throw new Error(`sample ${released} (t=${g.t[released]}) still held at t=${g.t[i]} (lookAhead ${det.lookAheadMs} ms)`);
        }
        return true;
      }),
      { numRuns: 100 },
    );
    t.pass('property held');
  });

  t.test(`${name}: refused timestamps get Undefined in place, the rest is unchanged`, async (t) => {
    const g = gaze({ script: [{ kind: 'fix', ms: 300 }, { kind: 'sacc', ampDeg: 8 }, { kind: 'fix', ms: 300 }], rateHz: 500, jitter: 0, noiseDeg: 0.01, seed: 3 });
    const clean = labelRecording(entry.create(), g);
    // insert a duplicate timestamp after sample 100 and a NaN timestamp after sample 200
    const idx = [...Array(g.n).keys()];
    const tt = idx.flatMap((i) => (i === 100 ? [g.t[i]!, g.t[i]!] : i === 200 ? [g.t[i]!, NaN] : [g.t[i]!]));
    const xx = idx.flatMap((i) => (i === 100 || i === 200 ? [g.x[i]!, 0] : [g.x[i]!]));
    const yy = idx.flatMap((i) => (i === 100 || i === 200 ? [g.y[i]!, 0] : [g.y[i]!]));
    const det = entry.create();
    const lab = labelRecording(det, { n: tt.length, t: tt, x: xx, y: yy });
    t.equal(det.rejected, 2);
    t.equal(lab[101], EventLabel.Undefined);
    t.equal(lab[202], EventLabel.Undefined);
    t.same([...lab.subarray(0, 101), ...lab.subarray(102, 202), ...lab.subarray(203)], [...clean]);
  });
}
