import { SeededRandom } from '../../firmware-bridge/simulator/seeded-random.ts';
import { SignalSimulator } from '../../firmware-bridge/simulator/signal-simulator.ts';
import type { Scenario } from '../../firmware-bridge/simulator/scenario.ts';
import type { ErrorCounter } from '../core/errors.ts';
import type { BatchSink, DeviceRuntime } from './device-runtime.ts';
import { SimulatedEyeTracker } from './simulated-eye-tracker.ts';
import { SimulatedHrStrap } from './simulated-hr-strap.ts';
import { SimulatedPolarH10 } from './simulated-polar-h10.ts';

export interface SimulatedWearer {
  sim: SignalSimulator;
  devices: DeviceRuntime[];
}

/**
 * Builds the emulated devices of a scenario: per wearer one serial eye tracker, and a standard
 * HRS strap for operators or a Polar H10 (HR + ECG + acceleration) for drivers, each with its
 * own seeded clock error, all driven by the wearer's signal simulator.
 */
export function buildSimulatedFleet(opts: { scenario: Scenario; seed: number; gazeRateHz: number; startMs: number; errors: ErrorCounter; sink: BatchSink }): Map<string, SimulatedWearer> {
  const out = new Map<string, SimulatedWearer>();
  const rnd = new SeededRandom(opts.seed);
  opts.scenario.wearers.forEach((w, i) => {
    const h10 = w.role === 'driver';
    const simOpts: ConstructorParameters<typeof SignalSimulator>[0] = { scenario: w, seed: w.seed ?? opts.seed * 1000 + i, gazeRateHz: opts.gazeRateHz, ...(h10 ? { accRateHz: 200 } : {}) };
    if (opts.scenario.loopS !== undefined) simOpts.loopS = opts.scenario.loopS;
    const sim = new SignalSimulator(simOpts);
    const suffix = w.wearer.slice(3);
    const devices: DeviceRuntime[] = [
      new SimulatedEyeTracker({
        id: `et-${suffix}`,
        wearer: w.wearer,
        sim,
        gazeRateHz: opts.gazeRateHz,
        driftPpm: rnd.range(-80, 80), // crystal oscillators: tens of ppm
        bootOffsetUs: Math.round(rnd.range(1e6, 3.6e9)),
        startMs: opts.startMs,
        errors: opts.errors,
        sink: opts.sink,
      }),
      h10
        ? new SimulatedPolarH10({ id: `h10-${suffix}`, wearer: w.wearer, sim, driftPpm: rnd.range(-40, 40), startMs: opts.startMs, errors: opts.errors, sink: opts.sink })
        : new SimulatedHrStrap({ id: `hrs-${suffix}`, wearer: w.wearer, sim, startMs: opts.startMs, errors: opts.errors, sink: opts.sink }),
    ];
    out.set(w.wearer, { sim, devices });
  });
  return out;
}
