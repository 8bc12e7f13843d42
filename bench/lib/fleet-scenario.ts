import { writeFileSync } from 'node:fs';

/**
 * A simulator scenario (firmware-bridge/simulator/scenario.ts) for `n` wearers, operators and
 * drivers alternating, repeating every `loopS` seconds, with events staggered over the loop so
 * that alerts keep coming: drivers look away from the road for 6 s (distraction) and doze off
 * with a 2.5 s microsleep; operators lose the tracker for 4 s (sensor_lost), glance away from
 * the workpiece and get overloaded. The live gateway runs it with `simulation.enabled`.
 *
 * @example
 *   writeFleetScenario('/tmp/x/floor.json', 100);
 */
export function fleetScenario(n: number, loopS = 60): Record<string, unknown> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError('n must be a positive integer');
  const stations = Array.from({ length: Math.ceil(n / 2) }, (_, s) => ({ id: `st-${s}`, name: `Station ${s}`, x: 2 + (s % 20) * 2, y: 2 + Math.floor(s / 20) * 3, safetyCritical: s % 4 === 0 }));
  const wearers = Array.from({ length: n }, (_, i) => {
    const driver = i % 2 === 1;
    const off = (i * 7) % Math.max(1, loopS - 40);
    const segments = driver
      ? [
          { at: 2 + off, duration: 6, state: 'glance_away', params: { targetDeg: [35, -15] } },
          { at: 14 + off, duration: 10, state: 'drowsy', params: { microsleepAtS: 5, microsleepS: 2.5 } },
        ]
      : [
          { at: 2 + off, duration: 4, state: 'sensor_loss', params: { sensors: 'gaze' } },
          { at: 10 + off, duration: 5, state: 'glance_away', params: { targetDeg: [35, 5] } },
          { at: 20 + off, duration: 15, state: 'overload' },
        ];
    return { wearer: `${driver ? 'dr' : 'op'}-${(0x2000 + i).toString(16)}`, role: driver ? 'driver' : 'operator', ...(driver ? {} : { station: `st-${i / 2}` }), seed: 500 + i, segments };
  });
  return { loopS, stations, wearers };
}

export function writeFleetScenario(file: string, n: number, loopS = 60): string {
  writeFileSync(file, `${JSON.stringify(fleetScenario(n, loopS))}\n`);
  return file;
}
