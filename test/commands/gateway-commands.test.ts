import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import type { Alert, Decision } from '../../gateway/core/types.ts';
import { FleetPipeline } from '../../gateway/pipeline/fleet-pipeline.ts';
import { GatewayStore } from '../../gateway/store/gateway-store.ts';
import { createGatewayCommands } from '../../gateway/commands/command-wiring.ts';
import { CommandReply } from '../../gateway/commands/command-schemas.ts';
import type { CommandContext } from '../../gateway/commands/command-port.ts';
import type { DecisionDesk } from '../../gateway/commands/gateway-commands.ts';
import { AlertPayload } from '../../gateway/outputs/payload-schemas.ts';

const SUP: CommandContext = { actor: 'sup-01', role: 'supervisor', via: 'http' };
const LEAD: CommandContext = { actor: 'tl-07', role: 'team_lead', via: 'http' };
const LINE: CommandContext = { actor: 'mes-1', role: 'line_system', via: 'mqtt' };
const EPOCH0 = 1_767_225_600_000;

const ajv = new Ajv({ strict: false });
const validReply = ajv.compile(CommandReply);
const validAlert = ajv.compile(AlertPayload);

/**
 * A floor with one operator at a safety-critical station and one driver, fed no samples: both
 * raise sensor_lost (the operator's at 3.05 s, the driver's at 2 s). Everything is real: the
 * fleet's policies and trackers, a store in a temp dir, the bus.
 */
async function floor(t: Test, opts: { decisions?: DecisionDesk; timeoutMs?: number; dir?: string } = {}) {
  const config = validateConfig({
    stations: [{ id: 'st-01', name: 'Press', safetyCritical: true }],
    wearers: [
      { id: 'op-0001', role: 'operator', station: 'st-01' },
      { id: 'dr-0001', role: 'driver' },
    ],
  });
  const bus = new EventBus();
  const errors = new ErrorCounter();
  const store = await GatewayStore.open({ dir: opts.dir ?? tempDir(t), flushMs: 10 });
  t.teardown(() => store.close());
  const toEpochMs = (x: number) => EPOCH0 + x;
  const fleet = new FleetPipeline({ config, bus, toEpochMs });
  const alerts: Alert[] = [];
  const decisions: Decision[] = [];
  bus.on('alert', (a) => {
    alerts.push(a);
    store.recordAlert(a);
  });
  bus.on('decision', (d) => decisions.push(d));
  const { commands, thresholds } = createGatewayCommands({ fleet, store, bus, errors, toEpochMs, timeoutMs: opts.timeoutMs ?? 5000, ...(opts.decisions ? { decisions: opts.decisions } : {}) });
  t.teardown(() => commands.close());
  let now = 0;
  const tickTo = (ms: number) => {
    for (; now + 50 <= ms; ) fleet.tick((now += 50));
  };
  const opAlert = () => alerts.find((a) => a.role === 'operator' && a.kind === 'sensor_lost')!;
  const drAlert = () => alerts.find((a) => a.role === 'driver' && a.kind === 'sensor_lost')!;
  return { fleet, bus, errors, store, commands, thresholds, alerts, decisions, tickTo, opAlert, drAlert, now: () => now };
}

/** A folder that outlives the test's own teardowns (t.testdir is removed before them). */
function tempDir(t: Test): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-commands-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Executes, then ticks once so that the queued command is applied. */
async function run(f: Awaited<ReturnType<typeof floor>>, cmd: unknown, ctx: CommandContext) {
  const p = f.commands.execute(cmd, ctx);
  f.tickTo(f.now() + 50);
  const r = await p;
  t.ok(validReply(r), `reply matches the CommandReply schema: ${JSON.stringify(r)}`);
  return r;
}

t.test('schema first: malformed commands are refused with the field path, counted, never thrown', async (t) => {
  const f = await floor(t);
  const cases: [unknown, RegExp][] = [
    [null, /JSON object/],
    [[1, 2], /JSON object/],
    ['alert.ack', /JSON object/],
    [{ command: 'alert.nuke', correlationId: 'c1' }, /^\/command must be one of/],
    [{ command: 'alert.ack', correlationId: 'c1' }, /^\/alertId is required/],
    [{ command: 'alert.ack', correlationId: 'c1', alertId: 'a', extra: 1 }, /^\/extra is not a field/],
    [{ command: 'alert.shelve', correlationId: 'c1', alertId: 'a', forS: -5 }, /^\/forS /],
    [{ command: 'alert.shelve', correlationId: 'c1', alertId: 'a', forS: 9 * 3600 }, /^\/forS /],
    [{ command: 'threshold.set', correlationId: 'c1', name: 'operator.enterProb', value: '0.7' }, /^\/value /],
    [{ command: 'decision.accept', correlationId: '', decisionId: 'd' }, /^\/correlationId /],
    [{ command: 'alert.ack', correlationId: 'c1', alertId: 'a', note: 'x'.repeat(501) }, /^\/note /],
  ];
  for (const [cmd, reason] of cases) {
    const r = await f.commands.execute(cmd, SUP);
    t.equal(r.ok, false);
    t.equal(r.code, 'AFG_E_COMMAND_INVALID', JSON.stringify(cmd)?.slice(0, 60));
    t.match(r.reason, reason);
    t.ok(validReply(r));
  }
  t.equal(f.errors.get('AFG_E_COMMAND_INVALID'), cases.length, 'each refusal counted');
  const r = await f.commands.execute({ command: 'alert.ack', correlationId: 'c-9', alertId: 'a', bogus: true }, SUP);
  t.same([r.correlationId, r.command], ['c-9', 'alert.ack'], 'the reply repeats what could be read');
  const none = await f.commands.execute(42, SUP);
  t.same([none.correlationId, none.command], [null, null]);
});

t.test('property: any input resolves to a schema-valid reply, never a throw or a rejection', async (t) => {
  const f = await floor(t, { timeoutMs: 50 });
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.anything(),
        fc.record({ command: fc.constantFrom('alert.ack', 'alert.shelve', 'decision.accept', 'decision.reject', 'threshold.set', 'x'), correlationId: fc.string(), alertId: fc.string(), forS: fc.double(), name: fc.string(), value: fc.double(), decisionId: fc.string() }, { requiredKeys: ['command'] }),
      ),
      fc.oneof(fc.constant(SUP), fc.constant(LINE), fc.anything()),
      async (cmd, ctx) => {
        const p = f.commands.execute(cmd, ctx as CommandContext);
        f.tickTo(f.now() + 50);
        const r = await p;
        return validReply(r) && (r.ok || (typeof r.code === 'string' && r.code.startsWith('AFG_E_COMMAND_')));
      },
    ),
    { numRuns: 300, seed: 3 },
  );
  t.pass('300 random inputs');
});

t.test('authorisation by role; unauthorised attempts are audited', async (t) => {
  const f = await floor(t);
  f.tickTo(4000);
  const id = f.opAlert().id;
  const r1 = await f.commands.execute({ command: 'alert.ack', correlationId: 'c1', alertId: id }, LINE);
  t.same([r1.ok, r1.code], [false, 'AFG_E_COMMAND_UNAUTHORISED']);
  t.match(r1.reason, /line_system may not send alert.ack/);
  const r2 = await f.commands.execute({ command: 'threshold.set', correlationId: 'c2', name: 'operator.enterProb', value: 0.7 }, LEAD);
  t.equal(r2.code, 'AFG_E_COMMAND_UNAUTHORISED');
  const r3 = await f.commands.execute({ command: 'decision.accept', correlationId: 'c3', decisionId: 'd' }, LEAD);
  t.equal(r3.code, 'AFG_E_COMMAND_UNAUTHORISED', 'team leads do not decide for the line');
  const bad = await f.commands.execute({ command: 'alert.ack', correlationId: 'c4', alertId: id }, { actor: 'x', role: 'operator' as never, via: 'http' });
  t.equal(bad.code, 'AFG_E_COMMAND_UNAUTHORISED', 'unknown role');
  const noActor = await f.commands.execute({ command: 'alert.ack', correlationId: 'c5', alertId: id }, { actor: '', role: 'supervisor', via: 'http' });
  t.equal(noActor.code, 'AFG_E_COMMAND_UNAUTHORISED', 'no actor');
  const audit = f.store.auditOf(id);
  t.same(audit.map((e) => [e.actor, e.role, e.via, e.action, e.ok, e.code]), [['mes-1', 'line_system', 'mqtt', 'alert.ack', false, 'AFG_E_COMMAND_UNAUTHORISED']]);
  t.equal(f.errors.get('AFG_E_COMMAND_UNAUTHORISED'), 5);
  t.equal(f.opAlert().state, 'active', 'nothing changed');
});

t.test('alert.ack is applied at the next tick: acked revision on the bus, audited, escalation stops', async (t) => {
  const f = await floor(t);
  f.tickTo(4000);
  const raised = f.opAlert();
  t.same([raised.rev, raised.level, raised.state, raised.audience], [0, 1, 'active', 'wearer'], 'level 1 addresses the wearer (haptic / station light)');
  const before = f.alerts.length;
  let settled = false;
  const p = f.commands.execute({ command: 'alert.ack', correlationId: 'ack-1', alertId: raised.id, note: 'checked the tracker' }, LEAD).then((r) => {
    settled = true;
    return r;
  });
  await new Promise((r) => setImmediate(r));
  t.equal(settled, false, 'not applied between ticks');
  t.equal(f.commands.pending, 1);
  t.equal(f.alerts.length, before, 'no alert change before the tick');
  f.tickTo(4050);
  const r = await p;
  t.equal(r.ok, true);
  t.same(r.result, { alertId: raised.id, rev: 1, state: 'acked', level: 1, audience: 'wearer' });
  t.equal(r.correlationId, 'ack-1');
  const acked = f.alerts.filter((a) => a.id === raised.id).at(-1)!;
  t.same([acked.rev, acked.state, acked.by, acked.raisedAt], [1, 'acked', 'tl-07', EPOCH0 + 4050], 'the revision says who, when');
  t.ok(validAlert({ ...acked, ts: 1 }), 'the acked revision is a valid AlertPayload');
  const audit = f.store.auditOf(raised.id);
  t.equal(audit.length, 1);
  t.match(audit[0], { at: EPOCH0 + 4050, actor: 'tl-07', role: 'team_lead', via: 'http', action: 'alert.ack', note: 'checked the tracker', correlationId: 'ack-1', ok: true });
  t.same(f.store.data.alerts[raised.id]!.history.map((h) => [h.rev, h.state, h.by ?? null]), [[0, 'active', null], [1, 'acked', 'tl-07']], 'store history with the actor');
  f.tickTo(400_000);
  const revs = f.alerts.filter((a) => a.id === raised.id);
  t.equal(revs.length, 2, 'no escalation after the ack (still lost, still acked)');
  const again = await run(f, { command: 'alert.ack', correlationId: 'ack-2', alertId: raised.id }, SUP);
  t.same([again.ok, again.code], [false, 'AFG_E_COMMAND_CONFLICT']);
});

t.test('without an ack the alert escalates: team lead at 120 s, supervisor at 300 s, each says whom it addresses', async (t) => {
  const f = await floor(t);
  f.tickTo(310_000);
  const revs = f.alerts.filter((a) => a.id === f.opAlert().id);
  t.same(
    revs.map((a) => [a.rev, a.level, a.audience, a.raisedAt - EPOCH0]),
    [
      [0, 1, 'wearer', 3050],
      [1, 2, 'team_lead', 123_050],
      [2, 3, 'supervisor', 303_050],
    ],
  );
  for (const a of revs) t.ok(validAlert({ ...a, ts: 1 }));
  t.ok(f.alerts.filter((a) => a.role === 'driver').every((a) => a.audience === 'wearer'), 'driver alerts address the driver in the cab');
});

t.test('driver alerts cannot be acknowledged or shelved remotely (safety), for any role', async (t) => {
  const f = await floor(t);
  f.tickTo(4000);
  const id = f.drAlert().id;
  for (const [cmd, ctx] of [
    [{ command: 'alert.ack', correlationId: 'd1', alertId: id }, SUP],
    [{ command: 'alert.shelve', correlationId: 'd2', alertId: id, forS: 60 }, SUP],
    [{ command: 'alert.ack', correlationId: 'd3', alertId: id }, LEAD],
  ] as const) {
    const r = await run(f, cmd, ctx);
    t.same([r.ok, r.code], [false, 'AFG_E_COMMAND_UNAUTHORISED']);
    t.match(r.reason, /in the cab/);
  }
  t.equal(f.store.auditOf(id).length, 3, 'each attempt audited');
  t.equal(f.alerts.filter((a) => a.id === id).length, 1, 'the alert did not change');
});

t.test('unknown, cleared: NOT_FOUND and CONFLICT', async (t) => {
  const f = await floor(t);
  f.tickTo(4000);
  const nf = await run(f, { command: 'alert.ack', correlationId: 'n1', alertId: 'al-nope' }, SUP);
  t.same([nf.ok, nf.code], [false, 'AFG_E_COMMAND_NOT_FOUND']);
  // a cleared operator alert, as the store knows it
  f.store.recordAlert({ id: 'al-old', rev: 3, wearer: 'op-0001', role: 'operator', kind: 'fatigue', level: 0, raisedAt: EPOCH0, evidence: {}, state: 'cleared' });
  const cl = await run(f, { command: 'alert.ack', correlationId: 'n2', alertId: 'al-old' }, SUP);
  t.same([cl.ok, cl.code], [false, 'AFG_E_COMMAND_CONFLICT']);
  t.match(cl.reason, /cleared/);
  const nd = await run(f, { command: 'decision.accept', correlationId: 'n3', decisionId: 'dc-nope' }, LINE);
  t.equal(nd.code, 'AFG_E_COMMAND_NOT_FOUND', 'no scheduler: no decisions');
});

t.test('alert.shelve: time-limited per role, no escalation while shelved, back active when it ends', async (t) => {
  const f = await floor(t);
  f.tickTo(4000);
  const id = f.opAlert().id;
  const long = await run(f, { command: 'alert.shelve', correlationId: 's1', alertId: id, forS: 1800 }, LEAD);
  t.same([long.ok, long.code], [false, 'AFG_E_COMMAND_INVALID']);
  t.match(long.reason, /^\/forS must be at most 900 s for a team_lead/);
  const tooLongSup = await run(f, { command: 'alert.shelve', correlationId: 's2', alertId: id, forS: 7200 }, SUP);
  t.match(tooLongSup.reason, /at most 3600 s/, "the operator policy's maxShelveS bounds everybody");
  const ok = await run(f, { command: 'alert.shelve', correlationId: 's3', alertId: id, forS: 200, note: 'tracker being replaced' }, SUP);
  t.equal(ok.ok, true);
  const tShelve = f.now();
  t.same([ok.result!['state'], ok.result!['shelvedUntil']], ['shelved', EPOCH0 + tShelve + 200_000]);
  const ack = await run(f, { command: 'alert.ack', correlationId: 's4', alertId: id }, SUP);
  t.same([ack.ok, ack.code], [false, 'AFG_E_COMMAND_CONFLICT'], 'a shelved alert is not acknowledged');
  f.tickTo(tShelve + 199_950);
  t.equal(f.alerts.filter((a) => a.id === id).length, 2, 'no escalation while shelved (120 s passed)');
  f.tickTo(tShelve + 200_000);
  const back = f.alerts.filter((a) => a.id === id).at(-1)!;
  t.same([back.state, back.level, back.shelvedUntil], ['active', 1, undefined], 'the shelve ended, the condition still holds: active again');
  t.equal(back.raisedAt - EPOCH0, tShelve + 200_000);
  f.tickTo(tShelve + 200_000 + 120_000);
  t.same(f.alerts.filter((a) => a.id === id).at(-1)!.level, 2, 'escalation resumes from the end of the shelve');
  const audit = f.store.auditOf(id).filter((e) => e.ok);
  t.same(audit.map((e) => [e.action, e.note]), [['alert.shelve', 'tracker being replaced']]);
});

t.test('threshold.set: supervisors only, whitelisted, ranged, cross-checked, applied to every operator policy, kept over a restart', async (t) => {
  const dir = tempDir(t);
  const f = await floor(t, { dir });
  const policy = () => f.fleet.pipeline('op-0001')!.operator!;
  const r = await run(f, { command: 'threshold.set', correlationId: 't1', name: 'operator.enterProb', value: 0.7, note: 'night shift' }, SUP);
  const tSet = f.now();
  t.equal(r.ok, true);
  t.same(r.result, { name: 'operator.enterProb', value: 0.7, previous: 0.6 });
  t.equal(policy().settings.enterProb, 0.7);
  const range = await run(f, { command: 'threshold.set', correlationId: 't2', name: 'operator.enterProb', value: 0.99 }, SUP);
  t.same([range.code, range.reason], ['AFG_E_COMMAND_INVALID', '/value: operator.enterProb must be within 0.5..0.9 ratio']);
  const unknown = await run(f, { command: 'threshold.set', correlationId: 't3', name: 'driver.sleepS', value: 10 }, SUP);
  t.equal(unknown.code, 'AFG_E_COMMAND_NOT_FOUND', 'driver policy timings are not adjustable');
  t.match(unknown.reason, /operator\.enterProb/, 'the reply lists what is adjustable');
  const cross = await run(f, { command: 'threshold.set', correlationId: 't4', name: 'operator.teamLeadAfterS', value: 400 }, SUP);
  t.same([cross.code, policy().settings.teamLeadAfterS], ['AFG_E_COMMAND_INVALID', 120], 'teamLeadAfterS above supervisorAfterS: refused, nothing changed');
  t.same(f.store.data.thresholds['operator.enterProb'], { value: 0.7, by: 'sup-01', at: EPOCH0 + tSet }, 'stored with who and when');
  t.equal(f.store.auditOf('operator.enterProb')[0]!.note, 'night shift');
  await f.store.close();
  const g = await floor(t, { dir });
  t.equal(g.fleet.pipeline('op-0001')!.operator!.settings.enterProb, 0.7, 'a restart applies the stored override again');
});

t.test('a command not applied in time is refused and never applied later; close refuses what is queued', async (t) => {
  const f = await floor(t, { timeoutMs: 100 });
  f.tickTo(4000);
  const id = f.opAlert().id;
  const r = await f.commands.execute({ command: 'alert.ack', correlationId: 'late', alertId: id }, SUP);
  t.same([r.ok, r.code], [false, 'AFG_E_COMMAND_UNAVAILABLE']);
  f.tickTo(5000);
  t.equal(f.opAlert().state, 'active');
  t.equal(f.alerts.filter((a) => a.id === id).length, 1, 'the timed-out ack was dropped');
  const p = f.commands.execute({ command: 'alert.ack', correlationId: 'q', alertId: id }, SUP);
  f.commands.close();
  const q = await p;
  t.same([q.ok, q.code], [false, 'AFG_E_COMMAND_UNAVAILABLE']);
  const after = await f.commands.execute({ command: 'alert.ack', correlationId: 'q2', alertId: id }, SUP);
  t.equal(after.code, 'AFG_E_COMMAND_UNAVAILABLE');
  t.equal(f.store.auditOf(id).length, 0, 'nothing applied, nothing audited');
});

t.test('decision.accept / reject through the decision desk: emitted on the bus, audited; only pending ones', async (t) => {
  const d: Decision = { id: 'dc-1', kind: 'break', targets: ['op-0001'], reason: 'fatigue', inputs: {}, validUntil: EPOCH0 + 600_000, state: 'pending' };
  const desk: DecisionDesk = {
    get: (id) => (id === d.id ? d : undefined),
    decide: (id, verdict, tMs, by) => {
      if (id !== d.id || d.state !== 'pending') return null;
      d.state = verdict;
      d.decidedBy = by;
      d.decidedAt = EPOCH0 + tMs;
      return { ...d };
    },
  };
  const f = await floor(t, { decisions: desk });
  const r = await run(f, { command: 'decision.accept', correlationId: 'a1', decisionId: 'dc-1', note: 'line ok' }, LINE);
  t.equal(r.ok, true);
  t.same(r.result, { decisionId: 'dc-1', state: 'accepted', kind: 'break' });
  t.same(f.decisions.map((x) => [x.id, x.state, x.decidedBy]), [['dc-1', 'accepted', 'mes-1']]);
  t.match(f.store.auditOf('dc-1'), [{ actor: 'mes-1', role: 'line_system', via: 'mqtt', action: 'decision.accept', note: 'line ok' }]);
  const again = await run(f, { command: 'decision.reject', correlationId: 'a2', decisionId: 'dc-1' }, SUP);
  t.same([again.ok, again.code], [false, 'AFG_E_COMMAND_CONFLICT']);
  t.match(again.reason, /accepted, not pending/);
});

t.test('the in-cab button: fleet.driverAck goes into the next observation and clears a sticky alert at an attentive tick', async (t) => {
  const f = await floor(t);
  t.equal(f.fleet.driverAck('op-0001'), false, 'operators have no in-cab button');
  t.equal(f.fleet.driverAck('dr-0001'), true);
  const obs: Record<string, unknown>[] = [];
  f.bus.on('observation', (o) => {
    if (o.wearer === 'dr-0001') obs.push(o.values);
  });
  f.tickTo(100);
  t.equal(obs[0]!['ack'], true, 'the next observation carries ack');
  t.equal(obs[1]!['ack'], undefined, 'once');
});
