import type { Scenario } from '../../firmware-bridge/simulator/scenario.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { EventBus } from '../core/event-bus.ts';
import { ErrorCounter } from '../core/errors.ts';
import type { Alert } from '../core/types.ts';
import type { AttentionEstimator } from '../estimator/attention-estimator.ts';
import { FleetPipeline } from '../pipeline/fleet-pipeline.ts';
import { recordFleet } from '../record/recording.ts';
import { applyScenarioFloor } from './scenario-fleet-config.ts';
import { buildSimulatedFleet, type SimulatedWearer } from './simulated-fleet.ts';

/**
 * Runs a simulated floor in virtual time, as fast as the CPU allows, through the same emulated
 * devices, codecs and pipeline as the live gateway. Deterministic for a seed: used by golden
 * tests, for training data and benchmarks. Optionally records what the codecs produced.
 *
 * @example
 *   const { alerts } = await runOfflineSimulation({ config, scenario, durationMs: 30_000 });
 */
export async function runOfflineSimulation(o: {
  config: GatewayConfig;
  scenario: Scenario;
  durationMs: number;
  epochAtZeroMs?: number;
  record?: string;
  bus?: EventBus;
  /** default: the rule-based estimator */
  estimator?: AttentionEstimator;
  /** after each tick, with the wearers' simulators (labels for training: sim.truth(t)) */
  onTick?: (tMs: number, sims: ReadonlyMap<string, SimulatedWearer>) => void;
}): Promise<{ alerts: Alert[]; errors: ErrorCounter; bus: EventBus }> {
  const config = applyScenarioFloor(o.config, o.scenario);
  const bus = o.bus ?? new EventBus();
  const epoch = o.epochAtZeroMs ?? 0;
  const fleet = new FleetPipeline({ config, bus, toEpochMs: (t) => epoch + t, ...(o.estimator ? { estimator: o.estimator } : {}) });
  const alerts: Alert[] = [];
  bus.on('alert', (a) => alerts.push(a));
  const recorder = o.record ? await recordFleet(fleet, o.record, epoch, config) : null;
  const errors = new ErrorCounter();
  const sims = buildSimulatedFleet({ scenario: o.scenario, seed: config.simulation.seed, gazeRateHz: config.simulation.gazeRateHz, startMs: 0, errors, sink: (w, b) => fleet.ingest(w, b) });
  for (const s of sims.values()) for (const d of s.devices) await d.start();
  const drivers = new Set(config.wearers.filter((w) => w.role === 'driver').map((w) => w.id));
  for (let t = config.tickMs; t <= o.durationMs; t += config.tickMs) {
    for (const [w, s] of sims) {
      for (const d of s.devices) d.poll(t);
      if (drivers.has(w)) fleet.setVehicleSpeed(w, s.sim.speedAt(t));
    }
    await fleet.tick(t);
    o.onTick?.(t, sims);
  }
  await recorder?.close();
  return { alerts, errors, bus };
}
