import type { Scenario } from '../../firmware-bridge/simulator/scenario.ts';
import { ROAD_AHEAD_POLYGON_DEG } from '../../firmware-bridge/simulator/signal-simulator.ts';
import type { GatewayConfig } from '../config/schema.ts';

/**
 * The floor of a simulation: when the config lists no wearers, stations and wearers come from
 * the scenario, and drivers get the simulator's "road_ahead" AOI unless the config draws one.
 */
export function applyScenarioFloor(config: GatewayConfig, scenario: Scenario): GatewayConfig {
  const out = structuredClone(config);
  if (out.stations.length === 0) out.stations = scenario.stations.map((s) => ({ id: s.id, name: s.name, x: s.x, y: s.y, safetyCritical: s.safetyCritical }));
  if (out.wearers.length === 0) {
    out.wearers = scenario.wearers.map((w) => ({
      id: w.wearer,
      role: w.role,
      ...(w.station !== undefined ? { station: w.station } : {}),
      devices: [],
      vehicleSpeedMps: w.speedMps,
    }));
  }
  if (!out.aois.some((a) => a.name === 'road_ahead' && a.role === 'driver')) {
    out.aois.push({ name: 'road_ahead', role: 'driver', polygon: ROAD_AHEAD_POLYGON_DEG.map(([x, y]) => [x, y] as [number, number]) });
  }
  return out;
}
