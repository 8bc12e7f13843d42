import { parseScenario, type Scenario } from '../../firmware-bridge/simulator/scenario.ts';
import { EcgWaveform } from '../../firmware-bridge/simulator/ecg-waveform.ts';
import { SignalSimulator } from '../../firmware-bridge/simulator/signal-simulator.ts';
import type { Role } from '../../gateway/core/types.ts';

/** ECG and accelerometer rates of a Polar H10 (Polar BLE SDK: ECG 130 Hz; ACC up to 200 Hz). */
export const ECG_HZ = 130;
export const ACC_HZ = 200;
/** every variant is one minute of signals, replayed in a loop with ever-increasing timestamps */
export const VARIANT_MS = 60_000;

/**
 * One minute of one simulated wearer's signals, in columns: what a wearer's eye tracker and
 * Polar H10 measure (gaze, ECG, acceleration, beats). Benchmarks replay a handful of these for
 * any number of wearers, each wearer at its own phase, so building the signals (which is not
 * what is measured) stays cheap even for 1000 wearers.
 */
export interface SignalVariant {
  role: Role;
  gazeRateHz: number;
  gaze: { n: number; x: Float32Array; y: Float32Array; pupil: Float32Array; openness: Float32Array; valid: Uint8Array };
  ecgUv: Float32Array;
  acc: { x: Float32Array; y: Float32Array; z: Float32Array };
  /** R-peak times (ms in 0..VARIANT_MS) and the RR interval ending at each */
  beatT: Float64Array;
  rrMs: Float32Array;
}

/**
 * A minute of work with events in it, so every detector and policy does real work: drivers look
 * away from the road (distraction alerts at 3 s), get drowsy with a microsleep, lose the tracker;
 * operators glance away, get overloaded, close their eyes.
 */
function scriptFor(role: Role, v: number): Scenario {
  const id = `${role === 'driver' ? 'dr' : 'op'}-${(0xb000 + v).toString(16)}`;
  const shift = (v * 3) % 9;
  const segments =
    role === 'driver'
      ? [
          { at: 5 + shift, duration: 6, state: 'glance_away', params: { targetDeg: [35, -15] } },
          { at: 20 + shift, duration: 14, state: 'drowsy', params: { microsleepAtS: 6, microsleepS: 2.5 } },
          { at: 40 + shift, duration: 3, state: 'sensor_loss', params: { sensors: 'gaze' } },
        ]
      : [
          { at: 4 + shift, duration: 5, state: 'glance_away', params: { targetDeg: [35, 5] } },
          { at: 15 + shift, duration: 20, state: 'overload' },
          { at: 38 + shift, duration: 12, state: 'drowsy', params: { microsleepAtS: 5, microsleepS: 2 } },
        ];
  return parseScenario(JSON.stringify({ loopS: 60, stations: [{ id: 'st-b', name: 'Bench station' }], wearers: [{ wearer: id, role, ...(role === 'operator' ? { station: 'st-b' } : {}), seed: 7000 + v, segments }] }));
}

/** Builds `count` variants per role at the given gaze rate (deterministic). Cost: O(count × minute of samples). */
export function buildSignalVariants(count: number, gazeRateHz: number): Record<Role, SignalVariant[]> {
  const out: Record<Role, SignalVariant[]> = { operator: [], driver: [] };
  for (const role of ['operator', 'driver'] as const) {
    for (let v = 0; v < count; v++) out[role].push(buildVariant(role, v, gazeRateHz));
  }
  return out;
}

function buildVariant(role: Role, v: number, gazeRateHz: number): SignalVariant {
  const sc = scriptFor(role, v);
  const sim = new SignalSimulator({ scenario: sc.wearers[0]!, seed: 9100 + v, gazeRateHz, accRateHz: ACC_HZ, loopS: 60 });
  const g = sim.gazeUntil(VARIANT_MS);
  const heart = sim.hrUntil(VARIANT_MS + 2000);
  const acc = sim.accUntil(VARIANT_MS);
  const nEcg = (ECG_HZ * VARIANT_MS) / 1000;
  const ecgUv = new Float32Array(nEcg);
  const wave = new EcgWaveform();
  let b = 0;
  for (let i = 0; i < nEcg; i++) {
    const t = (i * 1000) / ECG_HZ;
    while (b < heart.n && heart.beats[b]! <= t + 800) wave.addBeat(heart.beats[b++]!);
    ecgUv[i] = wave.sample(t);
  }
  let nb = 0;
  while (nb < heart.n && heart.beats[nb]! < VARIANT_MS) nb++;
  return {
    role,
    gazeRateHz,
    gaze: { n: g.n, x: g.x, y: g.y, pupil: g.pupil, openness: g.openness, valid: g.valid },
    ecgUv,
    acc: { x: acc.x, y: acc.y, z: acc.z },
    beatT: heart.beats.slice(0, nb),
    rrMs: heart.rrMs.slice(0, nb),
  };
}
