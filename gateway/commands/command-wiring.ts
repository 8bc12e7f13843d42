import { FleetAlertDesk } from '../alerts/alert-desk.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { ErrorCounter } from '../core/errors.ts';
import type { FleetPipeline } from '../pipeline/fleet-pipeline.ts';
import { bindOperatorThresholds } from '../policy/operator-thresholds.ts';
import type { OperatorPolicy } from '../policy/operator-policy.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import { ThresholdRegistry } from './adjustable-thresholds.ts';
import { GatewayCommands, type DecisionDesk } from './gateway-commands.ts';

/**
 * Builds the gateway's CommandPort over a fleet: alerts through the fleet's policies, the
 * adjustable operator thresholds, and (when given) the scheduler's decisions and thresholds.
 * Commands are applied at the start of every fleet tick. Threshold overrides kept in the store
 * are applied again first, so a supervisor's change survives a restart (a stored value that
 * is no longer acceptable is reported through `onStaleThreshold` and skipped).
 *
 * @example
 *   const commands = createGatewayCommands({ fleet, store, bus, errors, toEpochMs });
 *   const reply = await commands.execute(cmd, { actor: 'sup-01', role: 'supervisor', via: 'http' });
 */
export function createGatewayCommands(o: {
  fleet: FleetPipeline;
  store: GatewayStore;
  bus: EventBus;
  errors: ErrorCounter;
  toEpochMs: (t: number) => number;
  decisions?: DecisionDesk;
  /** more threshold bindings (the scheduler's) */
  bind?: (reg: ThresholdRegistry) => void;
  timeoutMs?: number;
  onStaleThreshold?: (name: string, why: string) => void;
}): { commands: GatewayCommands; thresholds: ThresholdRegistry } {
  const thresholds = new ThresholdRegistry();
  const operators = o.fleet
    .wearerIds()
    .map((w) => o.fleet.pipeline(w)!.operator)
    .filter((p): p is OperatorPolicy => p !== null);
  bindOperatorThresholds(thresholds, () => operators);
  o.bind?.(thresholds);
  for (const [name, ov] of Object.entries(o.store.data.thresholds)) {
    try {
      thresholds.set(name, ov.value);
    } catch (err) {
      o.onStaleThreshold?.(name, (err as Error).message);
    }
  }
  const commands = new GatewayCommands({
    store: o.store,
    bus: o.bus,
    errors: o.errors,
    alerts: new FleetAlertDesk(o.fleet),
    thresholds,
    toEpochMs: o.toEpochMs,
    ...(o.decisions ? { decisions: o.decisions } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  });
  o.fleet.onTick((t) => commands.applyDue(t));
  return { commands, thresholds };
}
