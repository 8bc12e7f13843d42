import t from 'tap';
import { DriverPolicy } from '../../gateway/policy/driver-policy.ts';
import { of, run } from './driver-scenario.ts';

// Phases start after t = 0; the first tick of a phase beginning at T is T + 0.05.
// "Within one tick" below means the exact tick: the policy counts 0.05 s per tick.

t.test('continuous distraction while moving: levels 1, 2, 3 at 3 s, 5 s, 11 s', async (t) => {
  const trs = run([{ s: 1 }, { s: 12, eyesOnRoad: false }]);
  // distraction starts at tick 1.05; after 60 ticks (3 s) the buffer has spent 3 s: t = 4.0
  t.same(of(trs, 'distraction'), [[4, 1], [6, 2], [12, 3]]);
});

t.test('levels 1-2 follow the buffer back down; level 3 stays', async (t) => {
  const trs = run([{ s: 6, eyesOnRoad: false }, { s: 5 }]);
  const d = of(trs, 'distraction');
  t.same(d.slice(0, 2), [[3, 1], [5, 2]]);
  t.equal(d[2]![1], 1, 'back to level 1 while recovering');
  t.equal(d[3]![1], 0, 'then cleared');
  t.ok(d[2]![0] > 6 && d[3]![0] > d[2]![0]);
  const sticky = run([{ s: 11, eyesOnRoad: false }, { s: 10 }]);
  t.same(of(sticky, 'distraction'), [[3, 1], [5, 2], [11, 3]], 'level 3 does not follow the buffer back');
});

t.test('2 s of continuous standstill clears the sticky level 3', async (t) => {
  const trs = run([{ s: 11, eyesOnRoad: false }, { s: 1 }, { s: 3, speedMps: 0 }]);
  const d = of(trs, 'distraction');
  t.same(d.slice(0, 3), [[3, 1], [5, 2], [11, 3]]);
  t.same(d[3], [14, 0], 'cleared after 2 s standstill (standstill starts at 12.05)');
});

t.test('ack at an attentive tick clears level 3 and refills the buffer; ack while distracted does nothing', async (t) => {
  const p = new DriverPolicy();
  const trs = run([{ s: 11, eyesOnRoad: false }, { s: 0.5, eyesOnRoad: false, ack: true }, { s: 0.05 }, { s: 0.05, ack: true }, { s: 2 }], p);
  const d = of(trs, 'distraction');
  t.same(d, [[3, 1], [5, 2], [11, 3], [11.6, 0]]);
  t.equal(p.awareness, 1);
});

t.test('distraction at standstill does not drain the buffer', async (t) => {
  const trs = run([{ s: 20, eyesOnRoad: false, speedMps: 0 }]);
  t.same(of(trs, 'distraction'), []);
  t.same(of(trs, 'vats'), [], 'no off-road time counted while stopped');
});

t.test('moving speed threshold is 0.5 m/s', async (t) => {
  t.same(of(run([{ s: 4, eyesOnRoad: false, speedMps: 0.49 }]), 'distraction'), []);
  t.same(of(run([{ s: 4, eyesOnRoad: false, speedMps: 0.5 }]), 'distraction'), [[3, 1]]);
});

t.test('VATS: 10 s off road within 30 s by repeated 2 s glances raises vats', async (t) => {
  // 2 s away, 1.5 s back (too short to reset): every 3.5 s, off-road 2 s; 10 s after 5 glances
  const glances = Array.from({ length: 6 }, () => [{ s: 2, eyesOnRoad: false }, { s: 1.5 }]).flat();
  const trs = run(glances);
  const v = of(trs, 'vats');
  t.equal(v.length, 1);
  t.same(v[0], [16, 1], 'fifth glance completes 10 s off road at 4 x 3.5 + 2 = 16 s');
  t.same(of(trs, 'distraction'), [], 'no single glance reaches 3 s');
});

t.test('VATS accumulator resets after 2 s continuously attentive', async (t) => {
  const glances = Array.from({ length: 8 }, () => [{ s: 2, eyesOnRoad: false }, { s: 2 }]).flat();
  t.same(of(run(glances), 'vats'), [], '2 s attentive between glances resets every time');
  const trs = run([...Array.from({ length: 5 }, () => [{ s: 2, eyesOnRoad: false }, { s: 1.5 }]).flat(), { s: 3 }]);
  const v = of(trs, 'vats');
  t.same(v[0], [16, 1]);
  t.same(v[1], [18, 0], 'cleared when the accumulator resets: attentive from 16.05, 2 s at 18.0');
});

t.test('VATS window slides: off-road time older than 30 s drops out', async (t) => {
  // 1.9 s away, 1.9 s back: the back periods never reach 2 s; per 30 s ~ 15 s away -> raises
  const near = Array.from({ length: 10 }, () => [{ s: 1.9, eyesOnRoad: false }, { s: 1.9 }]).flat();
  t.equal(of(run(near), 'vats').length, 1);
  // 1 s away every 4 s (back 3 s resets): never
  const sparse = Array.from({ length: 20 }, () => [{ s: 1, eyesOnRoad: false }, { s: 3 }]).flat();
  t.same(of(run(sparse), 'vats'), []);
});

t.test('eye closure while moving: microsleep at 1 s, sleep at 3 s, unresponsive at 6 s', async (t) => {
  const trs = run([{ s: 1 }, { s: 7, eyesClosed: true }, { s: 1 }]);
  t.same(of(trs, 'microsleep'), [[2, 2], [8.05, 0]], 'microsleep clears when the eyes open');
  t.same(of(trs, 'sleep'), [[4, 3]], 'sleep is sticky');
  t.same(of(trs, 'unresponsive'), [[7, 3]], 'unresponsive is sticky');
});

t.test('short closures (blinks) raise nothing; closure at standstill raises nothing', async (t) => {
  const blinks = Array.from({ length: 20 }, () => [{ s: 0.3, eyesClosed: true }, { s: 2 }]).flat();
  t.same(run(blinks), []);
  t.same(run([{ s: 5, eyesClosed: true, speedMps: 0 }]), []);
});

t.test('invalid ticks freeze the closure timer and never count as closed', async (t) => {
  // 0.8 s closed, 1.5 s invalid, 0.25 s closed: 1.05 s of closure in total -> microsleep, late
  const trs = run([{ s: 1 }, { s: 0.8, eyesClosed: true }, { s: 1.5, valid: false }, { s: 0.25, eyesClosed: true }, { s: 0.5 }]);
  t.same(of(trs, 'microsleep'), [[3.5, 2], [3.6, 0]], 'cleared at the first open tick, 3.6');
  t.same(of(trs, 'sensor_lost'), [], '1.5 s of loss is below the 2 s threshold');
});

t.test('sensor loss: sensor_lost at 2 s, cleared at the first valid tick; never distraction or closure', async (t) => {
  const trs = run([{ s: 1 }, { s: 10, valid: false, eyesOnRoad: false, eyesClosed: true }, { s: 1 }]);
  t.same(trs, [{ t: 3, kind: 'sensor_lost', level: 1 }, { t: 11.05, kind: 'sensor_lost', level: 0 }]);
});

t.test('loss in the middle of a distraction freezes the buffer', async (t) => {
  // 2 s away, 5 s lost, 1.5 s away: 3.5 s of distraction in total -> level 1 at 1 + 2 + 5 + 1 s
  const trs = run([{ s: 1 }, { s: 2, eyesOnRoad: false }, { s: 5, valid: false }, { s: 1.5, eyesOnRoad: false }]);
  t.same(of(trs, 'distraction'), [[9, 1]]);
  t.same(of(trs, 'sensor_lost'), [[5, 1], [8.05, 0]]);
});

t.test('unresponsive after the level-3 warning without an attentive tick within 3 s', async (t) => {
  const trs = run([{ s: 15, eyesOnRoad: false }]);
  t.same(of(trs, 'distraction'), [[3, 1], [5, 2], [11, 3]]);
  t.same(of(trs, 'unresponsive'), [[14, 3]]);
  const answered = run([{ s: 11, eyesOnRoad: false }, { s: 0.05 }, { s: 4, eyesOnRoad: false }]);
  t.same(of(answered, 'unresponsive'), [], 'one attentive tick after the warning is an answer');
});

t.test('drowsiness from KSS with hysteresis', async (t) => {
  const trs = run([{ s: 1, kss: 5 }, { s: 1, kss: 7 }, { s: 1, kss: 8.2 }, { s: 1, kss: 7.5 }, { s: 1, kss: 6.8 }, { s: 1, kss: 6.4 }, { s: 1 }]);
  t.same(of(trs, 'drowsy'), [[1.05, 1], [2.05, 2], [3.05, 1], [5.05, 0]]);
});

t.test('combination: distraction then closure while moving, standstill clears the sticky ones', async (t) => {
  const trs = run([{ s: 11, eyesOnRoad: false }, { s: 4, eyesClosed: true }, { s: 3, speedMps: 0 }, { s: 1 }]);
  // the sticky level 3 clears at 17.0; the buffer has refilled only to ~0.66 after 2 s of
  // standstill, so the level that follows it is 1 until 17.3 (levels 1-2 follow the buffer)
  t.same(of(trs, 'distraction'), [[3, 1], [5, 2], [11, 3], [17, 1], [17.3, 0]]);
  t.same(of(trs, 'vats'), [[10, 1], [17, 0]], '10 s off road within 30 s, reset by 2 s attentive at standstill');
  t.same(of(trs, 'sleep'), [[14, 3], [17, 0]]);
  t.same(of(trs, 'microsleep'), [[12, 2], [15.05, 0]]);
  t.same(of(trs, 'unresponsive'), [[14, 3], [17, 0]], 'no attentive tick 3 s after level 3 (closed eyes are not an answer)');
});

t.test('repeated or backwards ticks change nothing; settings are validated', async (t) => {
  const p = new DriverPolicy();
  p.step({ t: 1, valid: true, eyesOnRoad: false, eyesClosed: false, speedMps: 3 });
  t.same(p.step({ t: 1, valid: true, eyesOnRoad: false, eyesClosed: false, speedMps: 3 }), []);
  t.same(p.step({ t: 0.5, valid: false, eyesOnRoad: false, eyesClosed: false, speedMps: 3 }), []);
  t.throws(() => new DriverPolicy({ bufferS: 0 }), RangeError);
  t.throws(() => new DriverPolicy({ sleepS: NaN }), RangeError);
  t.throws(() => p.step({ t: NaN, valid: true, eyesOnRoad: true, eyesClosed: false, speedMps: 0 }), RangeError);
});

t.test('VATS stays raised when old glances slide out of the window; only 2 s attentive clears it', async (t) => {
  // 10 s away while moving, then stopped and still looking away: the window slides past the
  // first off-road tick at 30.05, but the table clears vats only by the attentive reset
  const trs = run([{ s: 10, eyesOnRoad: false }, { s: 25, eyesOnRoad: false, speedMps: 0 }, { s: 2, speedMps: 0 }]);
  t.same(of(trs, 'vats'), [[10, 1], [37, 0]], 'cleared at 35.05 + 2 s attentive (at standstill counts)');
  t.same(of(trs, 'distraction').slice(0, 2), [[3, 1], [5, 2]]);
  t.same(of(trs, 'distraction').at(-1)?.[1], 0, 'the buffer refills at standstill');
});

t.test('tracker loss during a closure: microsleep holds, sensor_lost rises, both clear at the first open valid tick in kind order', async (t) => {
  const trs = run([{ s: 1 }, { s: 1.5, eyesClosed: true }, { s: 3, valid: false, eyesClosed: true }, { s: 1 }]);
  t.same(trs, [
    { t: 2, kind: 'microsleep', level: 2 },
    { t: 4.5, kind: 'sensor_lost', level: 1 },
    { t: 5.55, kind: 'sensor_lost', level: 0 },
    { t: 5.55, kind: 'microsleep', level: 0 },
  ]);
  t.same(of(trs, 'sleep'), [], '1.5 s closed plus 3 s unknown is not 3 s closed');
});

t.test('unresponsive after warning: tracker loss freezes the 3 s answer window (timers freeze)', async (t) => {
  const trs = run([{ s: 11, eyesOnRoad: false }, { s: 4, valid: false }]);
  t.same(of(trs, 'unresponsive'), [], 'missing data is no evidence of unresponsiveness');
  t.same(of(trs, 'sensor_lost'), [[13, 1]], 'the loss itself is reported at 2 s');
  t.same(of(trs, 'distraction'), [[3, 1], [5, 2], [11, 3]], 'level 3 stays');
  const back = run([{ s: 11, eyesOnRoad: false }, { s: 4, valid: false }, { s: 3, eyesOnRoad: false }]);
  t.same(of(back, 'unresponsive'), [[18, 3]], 'the window resumes when the tracker is back: 3 s of valid ticks after 15.0');
});

t.test('a tick without kss holds the drowsy level', async (t) => {
  t.same(of(run([{ s: 1, kss: 8 }, { s: 5 }]), 'drowsy'), [[0.05, 2]]);
  t.same(of(run([{ s: 1, kss: 6.9 }, { s: 1, kss: 7 }, { s: 1, kss: 6.5 }, { s: 1, kss: 6.49 }]), 'drowsy'), [[1.05, 1], [3.05, 0]], 'band edges: 7 raises, 6.5 holds, 6.49 clears');
});

t.test('first tick counts dtS: distraction from t = 0 reaches 3 s at the tick 2.95', async (t) => {
  const p = new DriverPolicy();
  const seen: [number, number][] = [];
  for (let k = 0; k <= 240; k++) for (const tr of p.step({ t: k / 20, valid: true, eyesOnRoad: false, eyesClosed: false, speedMps: 10 })) if (tr.kind === 'distraction') seen.push([Math.round(tr.t * 100) / 100, tr.level]);
  t.same(seen, [[2.95, 1], [4.95, 2], [10.95, 3]]);
});

t.test('other tick rates: at 10 Hz the levels still come at exactly 3 s, 5 s and 11 s', async (t) => {
  const p = new DriverPolicy();
  const seen: [number, number][] = [];
  p.step({ t: 0, valid: true, eyesOnRoad: true, eyesClosed: false, speedMps: 10 });
  for (let k = 1; k <= 120; k++) for (const tr of p.step({ t: k / 10, valid: true, eyesOnRoad: false, eyesClosed: false, speedMps: 10 })) if (tr.kind === 'distraction') seen.push([tr.t, tr.level]);
  t.same(seen, [[3, 1], [5, 2], [11, 3]]);
});

t.test('sticky level 3 needs continuous standstill: two 1.5 s stops do not clear it', async (t) => {
  const trs = run([{ s: 11, eyesOnRoad: false }, { s: 1.5, speedMps: 0 }, { s: 0.5 }, { s: 1.5, speedMps: 0 }, { s: 1 }]);
  t.same(of(trs, 'distraction'), [[3, 1], [5, 2], [11, 3]]);
  t.same(of(trs, 'unresponsive'), [], 'attentive ticks after the warning answered it');
});

t.test('ack with closed eyes is no answer; ack at an attentive tick clears sleep and unresponsive', async (t) => {
  const trs = run([{ s: 1 }, { s: 6.5, eyesClosed: true }, { s: 0.5, eyesClosed: true, ack: true }, { s: 1 }, { s: 0.05, ack: true }, { s: 1 }]);
  t.same(of(trs, 'sleep'), [[4, 3], [9.05, 0]]);
  t.same(of(trs, 'unresponsive'), [[7, 3], [9.05, 0]]);
  t.same(of(trs, 'microsleep'), [[2, 2], [8.05, 0]]);
});

t.test('levels() is a copy and matches the folded transitions; snapshot exposes the buffer', async (t) => {
  const p = new DriverPolicy();
  const trs = run([{ s: 6, eyesOnRoad: false }, { s: 1.2, eyesClosed: true }, { s: 3, valid: false }], p);
  const folded: Record<string, number> = { sensor_lost: 0, distraction: 0, vats: 0, microsleep: 0, sleep: 0, unresponsive: 0, drowsy: 0 };
  for (const tr of trs) folded[tr.kind] = tr.level;
  t.same(p.levels(), folded);
  p.levels().distraction = 99;
  t.not(p.levels().distraction, 99);
  const snap = p.snapshot();
  t.ok(snap.awareness > 0 && snap.awareness <= 1 - 5 / 11 + 1e-9);
  t.ok(Math.abs(snap.vatsOffRoadS - 6) < 1e-9);
  t.ok(Math.abs(snap.closedS - 1.2) < 1e-9, 'frozen by the invalid ticks');
});

t.test('property: input with no valid distracted or closed tick only ever raises sensor_lost', async (t) => {
  const { default: fc } = await import('fast-check');
  fc.assert(
    fc.property(fc.array(fc.record({ s: fc.integer({ min: 1, max: 80 }), valid: fc.boolean(), speed: fc.constantFrom(0, 0.3, 0.5, 12), closed: fc.boolean(), onRoad: fc.boolean() }), { maxLength: 30 }), (phases) => {
        const trs = run(phases.map((ph) => ({ s: ph.s / 20, speedMps: ph.speed, valid: ph.valid, eyesClosed: ph.valid ? false : ph.closed, eyesOnRoad: ph.valid ? true : ph.onRoad })));
        return trs.every((tr) => tr.kind === 'sensor_lost' && (tr.level === 0 || tr.level === 1));
      }),
    { numRuns: 200, seed: 7 },
  );
  t.pass('held for 200 random sequences');
});

t.test('property: transitions alternate levels per kind and levels stay in range', async (t) => {
  const { default: fc } = await import('fast-check');
  const allowed: Record<string, number[]> = { sensor_lost: [0, 1], distraction: [0, 1, 2, 3], vats: [0, 1], microsleep: [0, 2], sleep: [0, 3], unresponsive: [0, 3], drowsy: [0, 1, 2] };
  fc.assert(
    fc.property(fc.array(fc.record({ s: fc.integer({ min: 1, max: 200 }), valid: fc.boolean(), speed: fc.constantFrom(0, 12), closed: fc.boolean(), onRoad: fc.boolean(), ack: fc.boolean(), kss: fc.option(fc.double({ min: 1, max: 9, noNaN: true }), { nil: undefined }) }), { maxLength: 30 }), (phases) => {
        const p = new DriverPolicy();
        const trs = run(phases.map((ph) => ({ s: ph.s / 20, speedMps: ph.speed, valid: ph.valid, eyesClosed: ph.closed, eyesOnRoad: ph.onRoad, ack: ph.ack, ...(ph.kss === undefined ? {} : { kss: ph.kss }) })), p);
        const last: Record<string, number> = {};
        for (const tr of trs) {
          if (!allowed[tr.kind]!.includes(tr.level)) return false;
          if ((last[tr.kind] ?? 0) === tr.level) return false;
          last[tr.kind] = tr.level;
        }
        for (let i = 1; i < trs.length; i++) if (trs[i]!.t < trs[i - 1]!.t) return false;
        return true;
      }),
    { numRuns: 200, seed: 11 },
  );
  t.pass('held for 200 random sequences');
});
