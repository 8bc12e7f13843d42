import t from 'tap';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import type { Alert, AttentionEstimate } from '../../gateway/core/types.ts';
import { FleetPipeline } from '../../gateway/pipeline/fleet-pipeline.ts';
import { OperatorPolicy, SAFETY_CRITICAL_OPERATOR_KINDS } from '../../gateway/policy/operator-policy.ts';

/*
 * Calibration (issue 7 §5): a wearer's first minutes form the baselines (pupil, blink, HR);
 * only safety-critical alerts fire. Operators: sensor_lost and distraction (watched at
 * safety-critical stations); fatigue and overload wait. Drivers: every in-cab kind is
 * safety-critical (it is the vehicle), so the driver policy has no calibration gate.
 */
const est = (t: number, p: Partial<Record<'attentive' | 'distracted' | 'drowsy' | 'overloaded', number>>): AttentionEstimate => {
  const probs = { attentive: 0, distracted: 0, drowsy: 0, overloaded: 0, ...p };
  return { wearer: 'op-0001', t, probs, score: probs.attentive, quality: 1, state: 'attentive', estimator: 'test' };
};

t.test('policy.calibrationS from the config reaches every operator policy; default 180 s', async (t) => {
  const floor = { stations: [{ id: 'st-01', name: 'Press', safetyCritical: true }], wearers: [{ id: 'op-0001', role: 'operator', station: 'st-01' }, { id: 'dr-0001', role: 'driver' }] };
  const dflt = new FleetPipeline({ config: validateConfig(floor), bus: new EventBus(), toEpochMs: (x) => x });
  t.equal(dflt.pipeline('op-0001')!.operator!.settings.calibrationS, 180);
  const cfg = validateConfig({ ...floor, policy: { calibrationS: 30, teamLeadAfterS: 60, supervisorAfterS: 90 } });
  const fleet = new FleetPipeline({ config: cfg, bus: new EventBus(), toEpochMs: (x) => x });
  const op = fleet.pipeline('op-0001')!.operator!;
  t.match(op.settings, { calibrationS: 30, teamLeadAfterS: 60, supervisorAfterS: 90 });
  t.equal(fleet.pipeline('dr-0001')!.operator, null);
  t.throws(() => validateConfig({ policy: { calibrationS: -1 } }), { code: 'AFG_E_CONFIG_INVALID', path: '/policy/calibrationS' });
  t.throws(() => validateConfig({ policy: { nope: 1 } }), { code: 'AFG_E_CONFIG_INVALID', path: '/policy/nope' });
});

t.test('operators: during calibration only the safety-critical kinds fire; the others start collecting evidence after it', async (t) => {
  t.same([...SAFETY_CRITICAL_OPERATOR_KINDS].sort(), ['distraction', 'sensor_lost']);
  const p = new OperatorPolicy({ safetyCritical: true, settings: { calibrationS: 60 } });
  const out: [number, string, number][] = [];
  for (let k = 0; k < 1200; k++) {
    const tMs = k * 100;
    // drowsy, overloaded and distracted from the start
    for (const tr of p.step(tMs, est(tMs, { drowsy: 0.9, overloaded: 0.9, distracted: 0.9 }))) if (tr.level === 1) out.push([tr.t, tr.kind, tr.level]);
    if (k === 599) t.ok(p.calibrating(tMs) && !p.calibrating(tMs + 100), 'calibration ends at 60 s');
  }
  // distraction after its 5 s enter time, within calibration; fatigue 20 s and overload 30 s after it ends
  t.same(out, [[5000, 'distraction', 1], [80_000, 'fatigue', 1], [90_000, 'overload', 1]]);
});

t.test('drivers: in-cab alerts fire from the first seconds (no calibration gate); the operator beside them waits', async (t) => {
  const cfg = validateConfig({ stations: [{ id: 'st-01', name: 'Press', safetyCritical: true }], wearers: [{ id: 'op-0001', role: 'operator', station: 'st-01' }, { id: 'dr-0001', role: 'driver' }] });
  const bus = new EventBus();
  const alerts: Alert[] = [];
  bus.on('alert', (a) => alerts.push(a));
  const fleet = new FleetPipeline({ config: cfg, bus, toEpochMs: (x) => x });
  for (let tMs = 50; tMs <= 5000; tMs += 50) await fleet.tick(tMs);
  t.match(alerts.find((a) => a.role === 'driver'), { kind: 'sensor_lost', raisedAt: 2000 }, 'the driver policy raises at 2 s, inside any calibration period');
  t.match(alerts.find((a) => a.role === 'operator'), { kind: 'sensor_lost' }, 'operator sensor loss is safety-critical: it fires during calibration too');
  t.ok(fleet.pipeline('op-0001')!.operator!.calibrating(5000));
});
