import t from 'tap';
import { BlinkEvidence } from '../../gateway/events/blink-evidence.ts';

t.test('BlinkEvidence: a loss is a blink only with a closed eye reported, or blink-long with lid motion at an edge', async (t) => {
  const ev = new BlinkEvidence({ minGapMs: 20, maxGapMs: 500 });
  t.equal(ev.isBlink(180, false, false, false, false), false, 'still gaze on both sides: track loss');
  t.equal(ev.isBlink(180, false, false, true, false), true, 'lid motion before');
  t.equal(ev.isBlink(180, false, false, false, true), true, 'lid motion after');
  t.equal(ev.isBlink(180, false, true, true, true), false, 'the device said the eye was open during it');
  t.equal(ev.isBlink(10, false, false, true, true), false, 'shorter than a lid closure: a dropout');
  t.equal(ev.isBlink(501, false, false, true, true), false, 'longer than a blink');
  t.equal(ev.isBlink(500, false, false, true, false), true, 'the bound itself is a blink');
  t.equal(ev.isBlink(NaN, false, false, true, true), false, 'no tracked edge: duration unknown');
  t.equal(ev.isBlink(NaN, true, false, false, false), true, 'a closed eye reported: a blink whatever else');
  t.equal(ev.isBlink(2000, true, true, false, false), true, 'closed reported, even long');
});

t.test('BlinkEvidence: arguments are checked', async (t) => {
  t.throws(() => new BlinkEvidence({ minGapMs: -1, maxGapMs: 500 }), RangeError);
  t.throws(() => new BlinkEvidence({ minGapMs: 100, maxGapMs: 50 }), RangeError);
  t.throws(() => new BlinkEvidence({ minGapMs: 20, maxGapMs: NaN }), RangeError);
});
