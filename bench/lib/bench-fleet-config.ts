import { validateConfig } from '../../gateway/config/load-config.ts';
import type { GatewayConfig } from '../../gateway/config/schema.ts';
import type { Role } from '../../gateway/core/types.ts';
import { ROAD_AHEAD_POLYGON_DEG } from '../../firmware-bridge/simulator/regions.ts';

/** Pseudonym of bench wearer i: operators and drivers alternate (even: operator), or all drivers. */
export function benchWearer(i: number, allDrivers = false): { id: string; role: Role } {
  const role: Role = allDrivers || i % 2 === 1 ? 'driver' : 'operator';
  return { id: `${role === 'driver' ? 'dr' : 'op'}-${(0x1000 + i).toString(16)}`, role };
}

/**
 * A validated gateway config for `n` bench wearers: operators at stations (every fourth one
 * safety-critical), drivers with the simulator's road-ahead AOI. Devices are not listed: the
 * benchmarks feed the pipeline themselves.
 */
export function benchFleetConfig(n: number, extra: Record<string, unknown> = {}, allDrivers = false): GatewayConfig {
  if (!Number.isInteger(n) || n < 1) throw new RangeError('n must be a positive integer');
  const stations = Array.from({ length: Math.ceil(n / 2) }, (_, s) => ({ id: `st-${s}`, name: `Station ${s}`, x: s % 20, y: Math.floor(s / 20), safetyCritical: s % 4 === 0 }));
  const wearers = Array.from({ length: n }, (_, i) => {
    const w = benchWearer(i, allDrivers);
    return w.role === 'operator' ? { id: w.id, role: w.role, station: `st-${i / 2}` } : { id: w.id, role: w.role };
  });
  return validateConfig({
    site: 'bench',
    gateway: 'gw-bench',
    stations,
    wearers,
    aois: [{ name: 'road_ahead', role: 'driver', polygon: ROAD_AHEAD_POLYGON_DEG.map(([x, y]) => [x, y]) }],
    ...extra,
  });
}
