import t from 'tap';
import { DriverPolicy } from '../../gateway/policy/driver-policy.ts';
import { observations, of, run, type Phase } from './driver-scenario.ts';

/*
 * The issue-7 table, row by row, with exact transition ticks. Ticks are at k x 0.05 s; a phase
 * that begins at T has its first tick at T + 0.05. Defaults: attentive, moving at 3 m/s.
 * Expected times are derived from the table's words in the comments, not read off the code.
 */

const AWAY: Phase = { s: 0, eyesOnRoad: false };
const away = (s: number, extra: Partial<Phase> = {}): Phase => ({ ...AWAY, ...extra, s });
const closed = (s: number, extra: Partial<Phase> = {}): Phase => ({ s, eyesClosed: true, ...extra });
const lost = (s: number, extra: Partial<Phase> = {}): Phase => ({ s, valid: false, ...extra });
const stop = (s: number, extra: Partial<Phase> = {}): Phase => ({ s, speedMps: 0, ...extra });
const look = (s: number, extra: Partial<Phase> = {}): Phase => ({ s, ...extra });

/** The table's recovery step, restated: a + ((5 - 1.25)(1 - a) + 1.25) s with s = dt / 11. */
function recoverTick(a: number, dt = 0.05): number {
  return Math.min(1, a + ((5 - 1.25) * (1 - a) + 1.25) * (dt / 11));
}

/** Ticks of attentive recovery from buffer a0 until (1 - a) x 11 drops below `spentS`. */
function ticksUntilSpentBelow(a0: number, spentS: number): number {
  let a = a0;
  let n = 0;
  while ((1 - a) * 11 >= spentS - 1e-9) {
    a = recoverTick(a);
    n++;
  }
  return n;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

t.test('row awareness: drain, recovery formula, frozen when invalid or closed, standstill recovers', async (t) => {
  t.test('moving and distracted: a falls by dt / 11 per tick and stops at 0', async (t) => {
    const p = new DriverPolicy();
    for (const o of observations([away(2)])) p.step(o);
    t.ok(Math.abs(p.awareness - (1 - 2 / 11)) < 1e-12, `after 2 s: ${p.awareness}`);
    for (const o of observations([away(20)]).map((o) => ({ ...o, t: o.t + 2 }))) p.step(o);
    t.equal(p.awareness, 0, 'floored at 0');
  });

  t.test('attentive: every tick follows the recovery formula exactly, capped at 1', async (t) => {
    const p = new DriverPolicy();
    const obs = observations([away(6), look(10)]);
    let expected = NaN;
    let checked = 0;
    for (const o of obs) {
      const before = p.awareness;
      p.step(o);
      if (o.t > 6 + 1e-9) {
        expected = recoverTick(before);
        if (Math.abs(p.awareness - expected) > 1e-12) t.fail(`tick ${o.t}: ${p.awareness} != ${expected}`);
        checked++;
      }
    }
    t.equal(checked, 200);
    t.equal(p.awareness, 1, 'capped at 1');
  });

  t.test('not valid, or closed: unchanged (moving or not); distracted at standstill recovers as if attentive', async (t) => {
    for (const [name, ph] of [
      ['lost while moving', lost(3, { eyesOnRoad: false })],
      ['closed while moving', closed(0.5)],
      ['lost at standstill', lost(3, { speedMps: 0 })],
      ['closed at standstill', closed(3, { speedMps: 0 })],
    ] as const) {
      const p = new DriverPolicy();
      for (const o of observations([away(4), ph])) p.step(o);
      t.ok(Math.abs(p.awareness - (1 - 4 / 11)) < 1e-12, `${name}: buffer kept at ${p.awareness}`);
    }
    const att = new DriverPolicy();
    const still = new DriverPolicy();
    for (const o of observations([away(4), look(1)])) att.step(o);
    for (const o of observations([away(4), stop(1, { eyesOnRoad: false })])) still.step(o);
    t.equal(still.awareness, att.awareness, 'standstill looking away = attentive, tick for tick');
  });

  t.test('moving means speed >= 0.5 m/s', async (t) => {
    t.same(of(run([away(4, { speedMps: 0.49 })]), 'distraction'), []);
    t.same(of(run([away(4, { speedMps: 0.5 })]), 'distraction'), [[3, 1]]);
  });
});

t.test('row distraction levels: 3 s / 5 s / 11 s, levels 1-2 follow a both ways, 3 is sticky', async (t) => {
  t.test('continuous distraction: exactly at 3 s, 5 s and 11 s', async (t) => {
    t.same(of(run([look(2), away(12)]), 'distraction'), [[5, 1], [7, 2], [13, 3]]);
  });

  t.test('level 2 back to 1 and to 0 at the ticks the recovery formula gives', async (t) => {
    const a0 = 1 - 6 / 11; // after 6 s away
    const to1 = ticksUntilSpentBelow(a0, 5);
    const to0 = ticksUntilSpentBelow(a0, 3);
    const trs = run([away(6), look(5)]);
    t.same(of(trs, 'distraction'), [[3, 1], [5, 2], [r2(6 + to1 * 0.05), 1], [r2(6 + to0 * 0.05), 0]]);
    t.ok(to1 < to0 && to0 * 0.05 < 5, `back to 1 after ${to1} ticks, to 0 after ${to0}`);
  });

  t.test('following a up again: level 1, back to 0 after a short look, level 1 again without reaching 2', async (t) => {
    const a0 = 1 - 4 / 11;
    const down = ticksUntilSpentBelow(a0, 3);
    let a = a0;
    for (let i = 0; i < 10; i++) a = recoverTick(a); // 0.5 s of looking
    const upTicks = Math.ceil(((3 - (1 - a) * 11) * 20) - 1e-9); // distraction ticks to spend 3 s again
    const trs = run([away(4), look(0.5), away(2)]);
    t.same(of(trs, 'distraction'), [[3, 1], [r2(4 + down * 0.05), 0], [r2(4.5 + upTicks * 0.05), 1]]);
  });

  t.test('level 3 does not follow a back down, not even after minutes attentive while moving', async (t) => {
    t.same(of(run([away(11), look(120)]), 'distraction'), [[3, 1], [5, 2], [11, 3]]);
  });

  t.test('a second level 3 after a clear is raised again at a <= 0', async (t) => {
    const trs = run([away(11), look(0.05, { ack: true }), away(11.5)]);
    t.same(of(trs, 'distraction'), [[3, 1], [5, 2], [11, 3], [11.05, 0], [14.05, 1], [16.05, 2], [22.05, 3]]);
  });
});

t.test('row VATS: 10 s off road in the last 30 s, reset after 2 s continuously attentive', async (t) => {
  const glances = (n: number, awayS: number, backS: number): Phase[] => Array.from({ length: n }, () => [away(awayS), look(backS)]).flat();

  t.test('raised at the tick where the off-road time reaches 10 s', async (t) => {
    // 2.5 s away, 1.5 s back: off-road reaches 10 s at the end of the 4th glance, 3 x 4 + 2.5
    t.same(of(run(glances(4, 2.5, 1.5)), 'vats'), [[14.5, 1]]);
  });

  t.test('latched: stays raised while glances continue below 10 s per 30 s, cleared at exactly 2 s attentive', async (t) => {
    // raised at 14.5; then 20 short glances (0.5 s away, 1.9 s back: ~6 s per 30 s, so the
    // window falls well below 10 s) and never 2 s attentive; the last glance ends at
    // 16 + 19 x 2.4 + 0.5, and 2 s of looking after it reset the accumulator
    const trs = run([...glances(4, 2.5, 1.5), ...glances(20, 0.5, 1.9), look(2)]);
    const lastGlanceEnd = 16 + 19 * 2.4 + 0.5;
    t.same(of(trs, 'vats'), [[14.5, 1], [r2(lastGlanceEnd + 2), 0]], 'one raise and one clear');
  });

  t.test('off-road time hovering around 10 s: one raise, where a level following the window would flicker', async (t) => {
    const phases = glances(60, 0.95, 1.95);
    // the windowed off-road time, restated from the table: distracted moving ticks in (t - 30, t]
    const obs = observations(phases);
    let crossings = 0;
    let above = false;
    for (let i = 0; i < obs.length; i++) {
      let sum = 0;
      for (let j = i; j >= 0 && obs[j]!.t > obs[i]!.t - 30 + 1e-9; j--) if (!obs[j]!.eyesOnRoad) sum += 0.05;
      const now = sum >= 10 - 1e-9;
      if (now !== above) crossings++;
      above = now;
    }
    t.ok(crossings >= 6, `the window crosses 10 s ${crossings} times`);
    t.same(of(run(phases), 'vats').length, 1, 'the policy raises vats once and holds it');
  });

  t.test('the reset empties the accumulator: it starts again from zero', async (t) => {
    // 4 glances of 2 s (8 s), a 2 s attentive reset, then 4 more glances: never 10 s
    const eight = [...glances(3, 2, 1.5), away(2)]; // 8 s off road by 12.5
    t.same(of(run([...eight, look(2), ...glances(4, 2, 1.5)]), 'vats'), [], '8 s, reset, 8 s');
    t.same(of(run([...eight, look(1.9), away(2)]), 'vats'), [[16.4, 1]], 'control: 1.9 s does not reset; the 5th glance makes 10 s at 12.5 + 1.9 + 2');
  });

  t.test('the window is 30 s: off-road time older than that no longer counts', async (t) => {
    // 9.5 s off road by t = 19, then 30 s at standstill looking away (not counted, no reset),
    // then one more 1.9 s glance while moving: 1.9 s in the window, no vats
    const base = glances(5, 1.9, 1.9);
    t.same(of(run([...base, stop(30, { eyesOnRoad: false }), away(1.9)]), 'vats'), []);
    t.same(of(run([...base, stop(5, { eyesOnRoad: false }), away(1.9)]), 'vats'), [[24.5, 1]], 'control: 5 s later the first glances still count');
  });

  t.test('off-road time at standstill does not count; standstill looking ahead resets', async (t) => {
    t.same(of(run([stop(40, { eyesOnRoad: false })]), 'vats'), []);
    t.same(of(run([away(2.5), stop(2), away(2.5), look(1), away(2.5), look(1), away(2.5)]), 'vats'), [], 'the 2 s stop looking ahead is an attentive reset');
  });

  t.test('tracker loss freezes the attentive run; closed eyes break it', async (t) => {
    const pre = [...glances(3, 2.5, 1.5), away(2)]; // 9.5 s off road by 14.0
    t.same(of(run([...pre, look(1.5), lost(1), look(0.45), away(0.5)]), 'vats'), [[17.45, 1]], '1.5 + 0.45 s attentive is no reset: 9.5 + 0.5 s = 10 s at 14 + 3.45');
    t.same(of(run([...pre, look(1.5), lost(1), look(0.5), away(0.5)]), 'vats'), [], '1.5 + 0.5 s attentive around the loss is 2 s continuously attentive: reset');
    t.same(of(run([...pre, look(1.5), closed(0.1), look(0.5), away(0.5)]), 'vats'), [[r2(14 + 1.5 + 0.1 + 0.5 + 0.5), 1]], 'a closed tick breaks the run: no reset, 10 s reached');
  });

  t.test('one long distraction of 10 s raises vats together with distraction level 2', async (t) => {
    const trs = run([away(10), look(3)]);
    t.same(of(trs, 'vats'), [[10, 1], [12, 0]]);
    t.same(of(trs, 'distraction').slice(0, 2), [[3, 1], [5, 2]]);
  });
});

t.test('row eye closure: microsleep 1 s, sleep 3 s, unresponsive 6 s; invalid freezes, open or standstill resets', async (t) => {
  t.test('the three thresholds, sticky sleep and unresponsive, microsleep clears when the eyes open', async (t) => {
    const trs = run([look(1), closed(6.5), look(1)]);
    t.same(trs.filter((x) => x.kind !== 'vats' && x.kind !== 'distraction'), [
      { t: 2, kind: 'microsleep', level: 2 },
      { t: 4, kind: 'sleep', level: 3 },
      { t: 7, kind: 'unresponsive', level: 3 },
      { t: 7.55, kind: 'microsleep', level: 0 },
    ]);
  });

  t.test('0.95 s closed is not a microsleep; 1.0 s is', async (t) => {
    t.same(of(run([look(1), closed(0.95), look(1)]), 'microsleep'), []);
    t.same(of(run([look(1), closed(1), look(1)]), 'microsleep'), [[2, 2], [2.05, 0]]);
  });

  t.test('invalid ticks while moving freeze c: 0.6 s + (loss) + 0.4 s closed = 1 s', async (t) => {
    t.same(of(run([look(1), closed(0.6), lost(1.5, { eyesClosed: true }), closed(0.4), look(0.1)]), 'microsleep'), [[3.5, 2], [3.55, 0]]);
  });

  t.test('standstill resets c, also on an invalid tick', async (t) => {
    t.same(of(run([look(1), closed(0.8), closed(0.5, { speedMps: 0 }), closed(0.8)]), 'microsleep'), [], 'closed at standstill in between');
    t.same(of(run([look(1), closed(0.8), lost(0.5, { speedMps: 0 }), closed(0.8)]), 'microsleep'), [], 'invalid at standstill in between');
    t.same(of(run([look(1), closed(0.8), lost(0.5), closed(0.8)]), 'microsleep'), [[2.5, 2]], 'control: invalid while moving only freezes');
  });

  t.test('open eyes reset c: two 0.9 s closures one tick apart are no microsleep', async (t) => {
    t.same(of(run([look(1), closed(0.9), look(0.05), closed(0.9), look(1)]), 'microsleep'), []);
  });

  t.test('microsleep holds through a standstill with closed eyes and clears when they open', async (t) => {
    t.same(of(run([look(1), closed(1.5), closed(2, { speedMps: 0 }), stop(1)]), 'microsleep'), [[2, 2], [4.55, 0]]);
  });

  t.test('closed at standstill raises nothing, however long', async (t) => {
    t.same(run([stop(30, { eyesClosed: true })]), []);
  });
});

t.test('row unresponsive after warning: no attentive tick within 3 s of distraction level 3', async (t) => {
  t.test('exactly 3 s after the level-3 tick', async (t) => {
    t.same(of(run([look(1), away(15)]), 'unresponsive'), [[15, 3]]);
  });

  t.test('an attentive tick at 2.95 s answers; at 3.05 s it is too late', async (t) => {
    t.same(of(run([away(11), away(2.95), look(0.05), away(2)]), 'unresponsive'), []);
    const late = run([away(11), away(3), look(0.05), away(2)]);
    t.same(of(late, 'unresponsive'), [[14, 3]]);
    t.same(of(run([away(11), away(3), look(2)]), 'unresponsive'), [[14, 3]], 'sticky once raised: attentive ticks later do not clear it');
  });

  t.test('closed eyes are no answer; they raise microsleep too', async (t) => {
    const trs = run([away(11), closed(3)]);
    t.same(of(trs, 'unresponsive'), [[14, 3]]);
    t.same(of(trs, 'microsleep'), [[12, 2]]);
  });

  t.test('invalid ticks freeze the 3 s: 1 s loss moves it to 15 s', async (t) => {
    t.same(of(run([away(11), lost(1), away(3)]), 'unresponsive'), [[15, 3]]);
    t.same(of(run([away(11), lost(1), away(2.95), look(1)]), 'unresponsive'), [], 'answered within 3 s of valid time');
  });

  t.test('clearing level 3 before 3 s (2 s standstill) cancels it', async (t) => {
    const trs = run([away(11), stop(2, { eyesOnRoad: false }), away(5)]);
    t.same(of(trs, 'unresponsive'), []);
    let a = 0;
    for (let i = 0; i < 40; i++) a = recoverTick(a);
    const spent = (1 - a) * 11;
    const level = spent >= 5 ? 2 : spent >= 3 ? 1 : 0;
    t.same(of(trs, 'distraction').slice(2, 4), [[11, 3], [13, level]], `at the clear the level follows a (${a.toFixed(3)} after 2 s refilling from 0)`);
    t.equal(level, 1);
  });
});

t.test('row drowsiness: KSS >= 7 level 1, >= 8 level 2, clears below 6.5', async (t) => {
  t.test('levels at their thresholds', async (t) => {
    t.same(of(run([look(1, { kss: 6.99 }), look(1, { kss: 7 }), look(1, { kss: 7.99 }), look(1, { kss: 8 }), look(1, { kss: 9 })]), 'drowsy'), [[1.05, 1], [3.05, 2]]);
  });

  t.test('hysteresis band [6.5, 7): holds a raised alert at level 1; does not raise one', async (t) => {
    t.same(of(run([look(1, { kss: 8.2 }), look(1, { kss: 6.8 }), look(1, { kss: 6.5 }), look(1, { kss: 6.49 })]), 'drowsy'), [[0.05, 2], [1.05, 1], [3.05, 0]], 'level 2 needs kss >= 8');
    t.same(of(run([look(5, { kss: 6.9 })]), 'drowsy'), []);
  });

  t.test('no kss holds the level; drowsiness does not depend on speed or the tracker', async (t) => {
    t.same(of(run([look(1, { kss: 7.5 }), look(5), stop(1, { kss: 8.5 }), lost(1, { kss: 8.5 })]), 'drowsy'), [[0.05, 1], [6.05, 2]]);
  });
});

t.test('row sensor lost: invalid >= 2 s, cleared at the first valid tick; never closed, never on road', async (t) => {
  t.test('exactly at 2 s; 1.95 s raises nothing', async (t) => {
    t.same(run([look(1), lost(2), look(1)]), [{ t: 3, kind: 'sensor_lost', level: 1 }, { t: 3.05, kind: 'sensor_lost', level: 0 }]);
    t.same(run([look(1), lost(1.95), look(1)]), []);
  });

  t.test('invalid ticks whatever they claim (closed, off road) count neither way', async (t) => {
    const trs = run([away(2), lost(20, { eyesClosed: true }), lost(20, { eyesOnRoad: false }), away(1.5)]);
    t.same(of(trs, 'distraction'), [[43, 1]], '2 s + 1 s of distraction reach 3 s, 40 s of loss in between');
    t.same(of(trs, 'microsleep'), []);
    t.same(of(trs, 'sensor_lost'), [[4, 1], [42.05, 0]]);
  });

  t.test('an ack during loss is nothing', async (t) => {
    const trs = run([away(11), lost(1, { ack: true }), away(0.05)]);
    t.same(of(trs, 'distraction'), [[3, 1], [5, 2], [11, 3]]);
  });
});

t.test('row sticky level 3: cleared by 2 s continuous standstill or an ack at an attentive tick (a = 1)', async (t) => {
  t.test('2 s standstill clears all three at once, in kind order', async (t) => {
    const trs = run([away(11), closed(6), stop(2, { eyesClosed: true })]);
    t.same(
      trs.filter((x) => x.t === 19),
      [
        { t: 19, kind: 'distraction', level: 2 },
        { t: 19, kind: 'sleep', level: 0 },
        { t: 19, kind: 'unresponsive', level: 0 },
      ],
      'all three clear at 17 + 2 s; distraction then follows a, which closed eyes kept at 0: level 2 (levels 1-2 follow a)',
    );
    t.same(of(trs, 'microsleep'), [[12, 2]], 'microsleep is not sticky-cleared: the eyes are still closed');
  });

  t.test('1.95 s of standstill is not enough; a stop interrupted by one moving tick restarts', async (t) => {
    t.same(of(run([away(11), stop(1.95), look(5)]), 'distraction'), [[3, 1], [5, 2], [11, 3]]);
    t.same(of(run([away(11), stop(1.5), look(0.05), stop(1.5), look(1)]), 'distraction'), [[3, 1], [5, 2], [11, 3]]);
  });

  t.test('ack at an attentive tick: clears at that tick and refills the buffer', async (t) => {
    const p = new DriverPolicy();
    const trs = run([away(11), closed(3.5), look(0.5), look(0.05, { ack: true })], p);
    const at = 15.05;
    t.same(trs.filter((x) => x.t === at).map((x) => [x.kind, x.level]), [['distraction', 0], ['sleep', 0], ['unresponsive', 0]]);
    t.equal(p.awareness, 1);
  });

  t.test('ack while distracted, closed or lost does nothing', async (t) => {
    for (const ph of [away(1, { ack: true }), closed(0.5, { ack: true }), lost(1, { ack: true })]) {
      const trs = run([away(11), ph]);
      t.same(of(trs, 'distraction'), [[3, 1], [5, 2], [11, 3]], JSON.stringify(ph));
    }
  });

  t.test('ack with nothing sticky refills the buffer: distraction level 1 clears', async (t) => {
    const p = new DriverPolicy();
    const trs = run([away(4), look(0.05, { ack: true })], p);
    t.same(of(trs, 'distraction'), [[3, 1], [4.05, 0]]);
    t.equal(p.awareness, 1);
  });
});

t.test('combinations', async (t) => {
  t.test('distraction, then the tracker goes, then the eyes close: every row at its own tick', async (t) => {
    const trs = run([away(6), lost(2.5), closed(3.5), look(2)]);
    t.same(trs, [
      { t: 3, kind: 'distraction', level: 1 },
      { t: 5, kind: 'distraction', level: 2 },
      { t: 8, kind: 'sensor_lost', level: 1 },
      { t: 8.55, kind: 'sensor_lost', level: 0 },
      { t: 9.5, kind: 'microsleep', level: 2 },
      { t: 11.5, kind: 'sleep', level: 3 },
      { t: 12.05, kind: 'microsleep', level: 0 },
      ...of(trs, 'distraction')
        .slice(2)
        .map(([tt, level]) => ({ t: tt, kind: 'distraction' as const, level })),
    ].sort((a, b) => a.t - b.t || order(a.kind) - order(b.kind)));
    t.same(of(trs, 'distraction').slice(2).map((x) => x[1]), [1, 0], 'the frozen buffer recovers after the eyes open');
  });

  t.test('drowsy alongside a microsleep; in one tick the kinds come in the fixed order', async (t) => {
    const trs = run([look(1, { kss: 8 }), closed(1, { kss: 8 }), lost(2, { kss: 6 })]);
    t.same(trs, [
      { t: 0.05, kind: 'drowsy', level: 2 },
      { t: 2, kind: 'microsleep', level: 2 },
      { t: 2.05, kind: 'drowsy', level: 0 },
      { t: 4, kind: 'sensor_lost', level: 1 },
    ]);
  });

  t.test('VATS, distraction 3 and unresponsive in one drive, one ack clears distraction and unresponsive, vats after 2 s', async (t) => {
    const trs = run([away(15), look(0.05, { ack: true }), look(2)]);
    t.same(trs, [
      { t: 3, kind: 'distraction', level: 1 },
      { t: 5, kind: 'distraction', level: 2 },
      { t: 10, kind: 'vats', level: 1 },
      { t: 11, kind: 'distraction', level: 3 },
      { t: 14, kind: 'unresponsive', level: 3 },
      { t: 15.05, kind: 'distraction', level: 0 },
      { t: 15.05, kind: 'unresponsive', level: 0 },
      { t: 17, kind: 'vats', level: 0 },
    ]);
  });

  t.test('a stop at a crossing during a glance series: standstill time is neither off road nor a warning', async (t) => {
    const series = (mid: Phase[]) => run([away(2), look(1), away(2), ...mid, away(2), look(1), away(2)]);
    t.same(series([stop(20, { eyesOnRoad: false })]), [], '8 s off road while moving; 20 s looking around at standstill');
    t.same(of(series([look(1), away(2), look(1)]), 'vats'), [[14, 1]], 'control: a fifth glance while moving makes 10 s (glances end at 2, 5, 8, 11, 14)');
  });

  t.test('every transition pair alternates and levels stay within their kind across a long mixed drive', async (t) => {
    const phases: Phase[] = [];
    const kinds = [away(2.5), look(1), closed(1.2), lost(2.5), stop(3), away(12), look(0.05, { ack: true }), look(3, { kss: 7.4 }), closed(7), stop(2.5)];
    for (let i = 0; i < 30; i++) phases.push(kinds[(i * 7) % kinds.length]!);
    const trs = run(phases);
    const last: Record<string, number> = {};
    for (const x of trs) {
      t.not(last[x.kind] ?? 0, x.level, `${x.kind} changes at ${x.t}`);
      last[x.kind] = x.level;
    }
    t.ok(trs.length > 10);
  });
});

function order(kind: string): number {
  return ['sensor_lost', 'distraction', 'vats', 'microsleep', 'sleep', 'unresponsive', 'drowsy'].indexOf(kind);
}
