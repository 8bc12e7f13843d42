import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { AlertDesk } from '../alerts/alert-desk.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { ErrorCode, ErrorCounter } from '../core/errors.ts';
import type { Decision } from '../core/types.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { ThresholdRegistry } from './adjustable-thresholds.ts';
import { ACTOR_ROLES, mayExecute, SHELVE_LIMIT_S } from './command-permissions.ts';
import type { CommandContext, CommandPort } from './command-port.ts';
import {
  AcceptDecisionCommand,
  AckAlertCommand,
  COMMAND_NAMES,
  RejectDecisionCommand,
  SetThresholdCommand,
  ShelveAlertCommand,
  type CommandName,
  type CommandReply,
  type GatewayCommand,
} from './command-schemas.ts';

/** What commands may do to decisions (the scheduler implements it), at a tick boundary. */
export interface DecisionDesk {
  get(decisionId: string): Decision | undefined;
  /** the decided decision, or null when it is not pending (nothing changed) */
  decide(decisionId: string, verdict: 'accepted' | 'rejected', tMs: number, by: string): Decision | null;
}

export interface GatewayCommandsOptions {
  store: GatewayStore;
  bus: EventBus;
  errors: ErrorCounter;
  alerts: AlertDesk;
  decisions?: DecisionDesk;
  thresholds: ThresholdRegistry;
  /** gateway ms -> epoch ms (audit timestamps) */
  toEpochMs: (t: number) => number;
  /** epoch ms for reply timestamps (the I/O side's clock); default Date.now */
  now?: () => number;
  /** a command not applied within this time is refused AFG_E_COMMAND_UNAVAILABLE and dropped (ms) */
  timeoutMs?: number;
  /** commands waiting for the next tick at most; more are refused AFG_E_COMMAND_UNAVAILABLE */
  maxQueued?: number;
}

type Result = NonNullable<CommandReply['result']>;

interface Queued {
  command: GatewayCommand;
  ctx: CommandContext;
  resolve: (r: CommandReply) => void;
  timer: NodeJS.Timeout | null;
  done: boolean;
}

const SCHEMAS: Record<CommandName, object> = {
  'alert.ack': AckAlertCommand,
  'alert.shelve': ShelveAlertCommand,
  'decision.accept': AcceptDecisionCommand,
  'decision.reject': RejectDecisionCommand,
  'threshold.set': SetThresholdCommand,
};

/**
 * The gateway's CommandPort (gateway/commands/command-port.ts): MQTT `cmd/<name>` topics and
 * the dashboard's write routes both call `execute`.
 *
 * 1. schema (ajv over the typebox schemas) -> AFG_E_COMMAND_INVALID with the field's path;
 * 2. authorisation by role (COMMAND_PERMISSIONS) -> AFG_E_COMMAND_UNAUTHORISED, audited;
 * 3. queued; at the next tick boundary `applyDue(tMs)` checks meaning against the state of that
 *    moment (alert exists -> AFG_E_COMMAND_NOT_FOUND; open and in a state the command applies
 *    to -> AFG_E_COMMAND_CONFLICT; value in range -> AFG_E_COMMAND_INVALID), applies it, audits
 *    it in the store (who, role, via, when, what, note), emits the resulting alert / decision
 *    revisions on the bus (so they go through the outbox to MQTT, the store and the dashboard)
 *    and resolves the reply. Policies are stepped by time and never poked from I/O: a command
 *    takes effect between two ticks, so a run is a function of its inputs and the commands at
 *    their ticks.
 * Every refusal is a reply with ok: false, a stable code and the reason, counted per code in
 * the ErrorCounter (afg_errors_total{code}); `execute` never throws and never rejects.
 *
 * Driver alerts are refused for every role (AFG_E_COMMAND_UNAUTHORISED). Safety reasoning: the
 * in-cab policy clears its sticky level-3 alerts (sleep, unresponsive, distraction 3) only on
 * the driver's own ack at an attentive tick — proof that the driver is awake and looking at the
 * road — or after 2 s of standstill. A remote person cannot give that proof; a remote ack or
 * shelve would silence an in-cab warning while the driver may still be asleep. The lower
 * levels follow the driver's state by definition, so a remote ack would mean nothing there.
 * A supervisor reacts to a driver alert outside the gateway (radio, stopping the vehicle).
 *
 * Cost: one ajv validation per command; application O(wearers) to find an alert.
 *
 * @example
 *   const commands = new GatewayCommands({ store, bus, errors, alerts: new FleetAlertDesk(fleet), thresholds, toEpochMs });
 *   fleet.onTick((t) => commands.applyDue(t));
 *   const reply = await commands.execute({ command: 'alert.ack', correlationId: 'c1', alertId }, { actor: 'sup-01', role: 'supervisor', via: 'http' });
 */
export class GatewayCommands implements CommandPort {
  private readonly o: GatewayCommandsOptions;
  private readonly validators: Record<CommandName, ValidateFunction>;
  private readonly queue: Queued[] = [];
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly maxQueued: number;
  private closed = false;
  /** commands applied, and refusals per code (also counted in the ErrorCounter) */
  readonly counts = { applied: 0, refused: {} as Partial<Record<ErrorCode, number>> };

  constructor(opts: GatewayCommandsOptions) {
    this.o = opts;
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.maxQueued = opts.maxQueued ?? 1000;
    if (!(this.timeoutMs > 0) || !(this.maxQueued >= 1)) throw new RangeError('timeoutMs must be > 0 and maxQueued >= 1');
    const ajv = new Ajv({ strict: false, allErrors: false });
    this.validators = Object.fromEntries(COMMAND_NAMES.map((n) => [n, ajv.compile(SCHEMAS[n])])) as Record<CommandName, ValidateFunction>;
  }

  /** Commands waiting for the next tick. */
  get pending(): number {
    return this.queue.length;
  }

  execute(command: unknown, ctx: CommandContext): Promise<CommandReply> {
    try {
      return Promise.resolve(this.accept(command, ctx));
    } catch (err) {
      // a bug of ours must not escape to the MQTT or HTTP side as a rejection
      return Promise.resolve(this.refuse(idsOf(command), 'AFG_E_COMMAND_UNAVAILABLE', `internal error: ${(err as Error).message}`));
    }
  }

  private accept(command: unknown, ctx: CommandContext): CommandReply | Promise<CommandReply> {
    const ids = idsOf(command);
    if (!isContext(ctx)) return this.refuse(ids, 'AFG_E_COMMAND_UNAUTHORISED', `unknown sender: a command needs an actor, a role (${ACTOR_ROLES.join(', ')}) and a way in (mqtt, http)`);
    if (typeof command !== 'object' || command === null || Array.isArray(command)) return this.refuse(ids, 'AFG_E_COMMAND_INVALID', 'a command is a JSON object');
    const name = (command as { command?: unknown }).command;
    if (typeof name !== 'string' || !(COMMAND_NAMES as readonly string[]).includes(name)) {
      return this.refuse(ids, 'AFG_E_COMMAND_INVALID', `/command must be one of ${COMMAND_NAMES.join(', ')}`);
    }
    const validate = this.validators[name as CommandName];
    if (!validate(command)) return this.refuse(ids, 'AFG_E_COMMAND_INVALID', schemaReason(validate.errors?.[0]));
    const cmd = command as GatewayCommand;
    if (!mayExecute(ctx.role, cmd.command)) {
      const reply = this.refuse(ids, 'AFG_E_COMMAND_UNAUTHORISED', `role ${ctx.role} may not send ${cmd.command}`);
      this.auditRefusal(cmd, ctx, reply);
      return reply;
    }
    if (this.closed) return this.refuse(ids, 'AFG_E_COMMAND_UNAVAILABLE', 'the gateway is stopping');
    if (this.queue.length >= this.maxQueued) return this.refuse(ids, 'AFG_E_COMMAND_UNAVAILABLE', `${this.queue.length} commands are waiting for the pipeline; try again`);
    return new Promise<CommandReply>((resolve) => {
      const q: Queued = { command: cmd, ctx: { actor: ctx.actor, role: ctx.role, via: ctx.via }, resolve, timer: null, done: false };
      q.timer = setTimeout(() => {
        if (q.done) return;
        q.done = true;
        const i = this.queue.indexOf(q);
        if (i >= 0) this.queue.splice(i, 1);
        resolve(this.refuse(ids, 'AFG_E_COMMAND_UNAVAILABLE', `not applied within ${this.timeoutMs} ms: the pipeline is not ticking`));
      }, this.timeoutMs); // not unref'd: the sender is owed a reply
      this.queue.push(q);
    });
  }

  /** Applies every queued command in arrival order, at the tick boundary tMs (gateway ms). */
  applyDue(tMs: number): void {
    while (this.queue.length) {
      const q = this.queue.shift()!;
      if (q.done) continue;
      q.done = true;
      if (q.timer) clearTimeout(q.timer);
      let reply: CommandReply;
      try {
        reply = this.apply(q.command, q.ctx, tMs);
      } catch (err) {
        reply = this.refuse(idsOf(q.command), 'AFG_E_COMMAND_UNAVAILABLE', `internal error: ${(err as Error).message}`);
      }
      q.resolve(reply);
    }
  }

  /** Refuses everything still queued (the gateway is stopping) and every later command. */
  close(): void {
    this.closed = true;
    for (const q of this.queue.splice(0)) {
      if (q.done) continue;
      q.done = true;
      if (q.timer) clearTimeout(q.timer);
      q.resolve(this.refuse(idsOf(q.command), 'AFG_E_COMMAND_UNAVAILABLE', 'the gateway is stopping; the command was not applied'));
    }
  }

  private apply(c: GatewayCommand, ctx: CommandContext, tMs: number): CommandReply {
    switch (c.command) {
      case 'alert.ack':
      case 'alert.shelve':
        return this.applyAlert(c, ctx, tMs);
      case 'decision.accept':
      case 'decision.reject':
        return this.applyDecision(c, ctx, tMs);
      case 'threshold.set':
        return this.applyThreshold(c, ctx, tMs);
    }
  }

  private applyAlert(c: Extract<GatewayCommand, { command: 'alert.ack' | 'alert.shelve' }>, ctx: CommandContext, tMs: number): CommandReply {
    const ids = { correlationId: c.correlationId, command: c.command };
    const open = this.o.alerts.find(c.alertId);
    const stored = this.o.store.data.alerts[c.alertId];
    const role = open?.role ?? stored?.role;
    if (!open && !stored) return this.refuse(ids, 'AFG_E_COMMAND_NOT_FOUND', `no alert ${c.alertId}`);
    if (role === 'driver') {
      const reply = this.refuse(ids, 'AFG_E_COMMAND_UNAUTHORISED', 'driver alerts are acknowledged by the driver in the cab (button at an attentive tick), never remotely');
      this.auditRefusal(c, ctx, reply);
      return reply;
    }
    if (!open) return this.refuse(ids, 'AFG_E_COMMAND_CONFLICT', `alert ${c.alertId} is ${stored!.state}`);
    let revs;
    if (c.command === 'alert.ack') {
      if (open.state === 'acked') return this.refuse(ids, 'AFG_E_COMMAND_CONFLICT', `alert ${c.alertId} is already acknowledged`);
      if (open.state === 'shelved') return this.refuse(ids, 'AFG_E_COMMAND_CONFLICT', `alert ${c.alertId} is shelved; it comes back when the shelve ends`);
      revs = this.o.alerts.ack(c.alertId, tMs, ctx.actor);
    } else {
      const limit = Math.min(this.o.alerts.maxShelveS(c.alertId), SHELVE_LIMIT_S[ctx.role] ?? Infinity);
      if (c.forS > limit) return this.refuse(ids, 'AFG_E_COMMAND_INVALID', `/forS must be at most ${limit} s for a ${ctx.role}`);
      revs = this.o.alerts.shelve(c.alertId, tMs, tMs + c.forS * 1000, ctx.actor);
    }
    if (!revs.length) return this.refuse(ids, 'AFG_E_COMMAND_CONFLICT', `alert ${c.alertId} did not change`);
    for (const a of revs) this.o.bus.emit('alert', a);
    const last = revs[revs.length - 1]!;
    const result: Result = { alertId: last.id, rev: last.rev, state: last.state, level: last.level, audience: last.audience ?? null };
    if (last.shelvedUntil !== undefined) result['shelvedUntil'] = last.shelvedUntil;
    return this.done(c, ctx, tMs, c.alertId, result);
  }

  private applyDecision(c: Extract<GatewayCommand, { command: 'decision.accept' | 'decision.reject' }>, ctx: CommandContext, tMs: number): CommandReply {
    const ids = { correlationId: c.correlationId, command: c.command };
    const desk = this.o.decisions;
    const cur = desk?.get(c.decisionId);
    const stored = this.o.store.data.decisions[c.decisionId];
    if (!cur && !stored) return this.refuse(ids, 'AFG_E_COMMAND_NOT_FOUND', `no decision ${c.decisionId}`);
    if (!cur || cur.state !== 'pending') return this.refuse(ids, 'AFG_E_COMMAND_CONFLICT', `decision ${c.decisionId} is ${(cur ?? stored)!.state}, not pending`);
    const d = desk!.decide(c.decisionId, c.command === 'decision.accept' ? 'accepted' : 'rejected', tMs, ctx.actor);
    if (!d) return this.refuse(ids, 'AFG_E_COMMAND_CONFLICT', `decision ${c.decisionId} is no longer pending`);
    this.o.bus.emit('decision', d);
    return this.done(c, ctx, tMs, c.decisionId, { decisionId: d.id, state: d.state, kind: d.kind });
  }

  private applyThreshold(c: Extract<GatewayCommand, { command: 'threshold.set' }>, ctx: CommandContext, tMs: number): CommandReply {
    const ids = { correlationId: c.correlationId, command: c.command };
    const reg = this.o.thresholds;
    if (!reg.spec(c.name)) return this.refuse(ids, 'AFG_E_COMMAND_NOT_FOUND', `'${c.name}' is not an adjustable threshold (adjustable: ${reg.list().map((x) => x.name).join(', ')})`);
    const why = reg.check(c.name, c.value);
    if (why) return this.refuse(ids, 'AFG_E_COMMAND_INVALID', `/value: ${why}`);
    let previous: number;
    try {
      previous = reg.set(c.name, c.value);
    } catch (err) {
      return this.refuse(ids, 'AFG_E_COMMAND_INVALID', `/value: ${(err as Error).message}`);
    }
    this.o.store.setThreshold(c.name, { value: c.value, by: ctx.actor, at: Math.round(this.o.toEpochMs(tMs)) });
    return this.done(c, ctx, tMs, c.name, { name: c.name, value: c.value, previous });
  }

  private done(c: GatewayCommand, ctx: CommandContext, tMs: number, target: string, result: Result): CommandReply {
    this.counts.applied++;
    this.o.store.audit({
      at: Math.round(this.o.toEpochMs(tMs)),
      actor: ctx.actor,
      role: ctx.role,
      via: ctx.via,
      action: c.command,
      target,
      correlationId: c.correlationId,
      ok: true,
      result,
      ...(c.note !== undefined && c.note !== '' ? { note: c.note } : {}),
    });
    return { correlationId: c.correlationId, command: c.command, ok: true, result, ts: this.now() };
  }

  private auditRefusal(c: GatewayCommand, ctx: CommandContext, reply: CommandReply): void {
    const target = 'alertId' in c ? c.alertId : 'decisionId' in c ? c.decisionId : c.name;
    this.o.store.audit({ at: reply.ts, actor: ctx.actor, role: ctx.role, via: ctx.via, action: c.command, target, correlationId: c.correlationId, ok: false, code: reply.code! });
  }

  private refuse(ids: { correlationId: string | null; command: string | null }, code: ErrorCode, reason: string): CommandReply {
    this.o.errors.count(code);
    this.counts.refused[code] = (this.counts.refused[code] ?? 0) + 1;
    return { correlationId: ids.correlationId, command: ids.command, ok: false, code, reason, ts: this.now() };
  }
}

/** The correlation id and command name of whatever came in, as far as they can be read. */
function idsOf(command: unknown): { correlationId: string | null; command: string | null } {
  if (typeof command !== 'object' || command === null) return { correlationId: null, command: null };
  const c = command as { correlationId?: unknown; command?: unknown };
  const cid = typeof c.correlationId === 'string' && c.correlationId.length >= 1 && c.correlationId.length <= 128 ? c.correlationId : null;
  const name = typeof c.command === 'string' && c.command.length <= 64 ? c.command : null;
  return { correlationId: cid, command: name };
}

function isContext(ctx: unknown): ctx is CommandContext {
  if (typeof ctx !== 'object' || ctx === null) return false;
  const c = ctx as Partial<CommandContext>;
  return typeof c.actor === 'string' && c.actor.length >= 1 && c.actor.length <= 128 && ACTOR_ROLES.includes(c.role as never) && (c.via === 'mqtt' || c.via === 'http');
}

function schemaReason(e: ErrorObject | undefined): string {
  if (!e) return 'the command does not match its schema';
  let at = e.instancePath || '';
  let what = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    at += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
    what = 'is not a field of this command';
  } else if (e.keyword === 'required') {
    at += `/${(e.params as { missingProperty: string }).missingProperty}`;
    what = 'is required';
  }
  return `${at || '/'} ${what}`;
}
