import t from 'tap';
import { ScenarioTimeline } from '../../firmware-bridge/simulator/scenario-timeline.ts';
import { parseScenario } from '../../firmware-bridge/simulator/scenario.ts';
import { targetAt } from '../../models/train/attention-state/attention-labels.ts';
import { generateScenario } from '../../models/train/attention-state/scenario-generator.ts';

const sc = parseScenario(`
wearers:
  - wearer: dr-0001
    role: driver
    segments:
      - { at: 10, duration: 1.5, state: glance_away, params: { targetDeg: [35, -15] } }
      - { at: 20, duration: 6, state: glance_away, params: { targetDeg: [35, -15] } }
      - { at: 30, duration: 10, state: sensor_loss, params: { sensors: gaze } }
      - { at: 45, duration: 10, state: sensor_loss, params: { sensors: heart } }
      - { at: 60, duration: 100, state: drowsy, params: { rampS: 100, severity: 1, microsleepS: 3, microsleepAtS: 10 } }
      - { at: 200, duration: 60, state: overload, params: { rampS: 10 } }
      - { at: 300, duration: 20, state: idle }
`);
const tl = new ScenarioTimeline(sc.wearers[0]!);
const at = (s: number) => targetAt(tl, s * 1000);

t.test('labels follow the scripted conditions, with the stated rules', async (t) => {
  t.equal(at(5)!.label, 'attentive');
  t.equal(at(5)!.score, 1);
  t.equal(at(10.8)!.label, 'attentive', 'a 1.5 s glance is a check, not distraction');
  t.equal(at(20.5)!.label, 'attentive', 'the first second of a long glance');
  t.equal(at(22)!.label, 'distracted');
  t.equal(at(22)!.score, 0.1);
  t.equal(at(35), null, 'gaze lost: no target (the gateway answers sensor_lost)');
  t.equal(at(50)!.label, 'attentive', 'a lost strap is not a state');
  t.equal(at(71)!.label, 'drowsy', 'microsleep');
  t.equal(at(71)!.score, 0);
  t.equal(at(80)!.label, 'attentive', 'severity 0.2 on the ramp: not drowsy yet');
  t.equal(at(100)!.label, 'drowsy', 'severity 0.4');
  t.ok(Math.abs(at(100)!.score - (1 - 0.8 * 0.4)) < 1e-9);
  t.equal(at(201)!.label, 'attentive', 'load still building');
  t.equal(at(230)!.label, 'overloaded');
  t.equal(at(310)!.label, 'distracted', 'idle');
  t.equal(at(310)!.index, 1);
});

t.test('the generator is deterministic per seed and produces valid scripts of both families', async (t) => {
  const a = generateScenario({ family: 'mixed', seed: 7, wearers: 6, durationS: 360 });
  const b = generateScenario({ family: 'mixed', seed: 7, wearers: 6, durationS: 360 });
  t.same(a, b);
  t.notSame(generateScenario({ family: 'mixed', seed: 8, wearers: 6, durationS: 360 }), a);
  const held = Array.from({ length: 10 }, (_, i) => generateScenario({ family: 'heldout', seed: 100 + i, wearers: 6, durationS: 360 }));
  const segs = held.flatMap((h) => h.wearers.flatMap((w) => w.segments.map((s) => ({ role: w.role, s }))));
  t.ok(segs.some((x) => x.role === 'driver' && x.s.state === 'overload'), 'held-out types include overload in drivers');
  t.ok(segs.some((x) => x.role === 'operator' && x.s.state === 'drowsy' && x.s.params?.microsleepS !== undefined), 'and operator microsleeps');
  const train = Array.from({ length: 10 }, (_, i) => generateScenario({ family: 'mixed', seed: 100 + i, wearers: 6, durationS: 360 }));
  const tsegs = train.flatMap((h) => h.wearers.flatMap((w) => w.segments.map((s) => ({ role: w.role, s }))));
  t.notOk(tsegs.some((x) => x.role === 'driver' && x.s.state === 'overload'), 'training never has overload in drivers');
  t.notOk(tsegs.some((x) => x.role === 'operator' && x.s.params?.microsleepS !== undefined), 'nor operator microsleeps');
  t.notOk(tsegs.some((x) => x.s.state === 'drowsy' && (x.s.params?.severity ?? 1) < 0.7), 'nor mild drowsiness');
  for (const w of a.wearers) t.ok(w.segments.every((s) => s.at + s.duration <= 360), `${w.wearer}: segments within the script`);
});
