import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { EventBus, type DeviceStatus } from '../../gateway/core/event-bus.ts';
import type { Alert, AttentionEstimate, Decision } from '../../gateway/core/types.ts';
import { FloorState, type FloorLayout } from '../../dashboard/floor-state.ts';
import { dashboardPlugin, type DashboardOptions, type HealthReport } from '../../dashboard/plugin.ts';
import { createGatewayMetrics } from '../../dashboard/gateway-metrics.ts';

/** A small floor for the dashboard tests; station names can be replaced to test escaping. */
export function testLayout(stationName = 'Press 1'): FloorLayout {
  return {
    site: 'plant-a',
    gateway: 'gw-1',
    stations: [
      { id: 'st-press', name: stationName, x: 0, y: 0, safetyCritical: true },
      { id: 'st-weld', name: 'Weld cell', x: 1, y: 0 },
      { id: 'st-pack', name: 'Packing', x: 0, y: 1 },
    ],
    wearers: [
      { id: 'op-7f3a', role: 'operator', station: 'st-press' },
      { id: 'op-21bc', role: 'operator', station: 'st-weld' },
      { id: 'dr-19c2', role: 'driver' },
    ],
  };
}

export function estimate(wearer: string, t: number, state: AttentionEstimate['state'], score: number | null): AttentionEstimate {
  return {
    wearer,
    t,
    probs: score === null ? null : { attentive: score, distracted: 1 - score, drowsy: 0, overloaded: 0 },
    score,
    quality: score === null ? 0 : 0.9,
    state,
    estimator: 'rule-based/1',
  };
}

export function alert(id: string, rev: number, state: Alert['state'], o: Partial<Alert> = {}): Alert {
  return { id, rev, wearer: 'op-7f3a', role: 'operator', station: 'st-press', kind: 'drowsiness', level: 2, raisedAt: 1_700_000_000_000 + rev, evidence: { perclos: 0.31, note: 'x' }, state, ...o };
}

export function decision(id: string, state: Decision['state']): Decision {
  return { id, kind: 'break', targets: ['op-7f3a'], reason: 'drowsy for 5 min', inputs: { perclos: 0.3 }, validUntil: 1_700_000_600_000, state };
}

export function device(id: string, state: DeviceStatus['state']): DeviceStatus {
  return { device: id, wearer: 'op-7f3a', kind: 'serial-eye-tracker', transport: 'simulated', state, lastSeen: 1000, rateHz: 60, validity: 0.98, battery: 0.8, errors: { AFG_E_FRAME_CRC: 2 } };
}

export interface DashboardHarness {
  app: FastifyInstance;
  bus: EventBus;
  floor: FloorState;
  metrics: ReturnType<typeof createGatewayMetrics>;
  setHealth(h: HealthReport): void;
}

/** The plugin on a fresh fastify with a FloorState fed by a fresh bus. */
export async function startDashboard(o: { layout?: FloorLayout; plugin?: Partial<DashboardOptions>; bus?: EventBus } = {}): Promise<DashboardHarness> {
  const bus = o.bus ?? new EventBus();
  const floor = new FloorState({ layout: o.layout ?? testLayout(), bus, toEpochMs: (t) => 1_700_000_000_000 + t });
  const metrics = createGatewayMetrics(new Registry());
  metrics.attach(bus);
  let health: HealthReport = { status: 'ready', reasons: [] };
  const app = Fastify({ logger: false });
  await app.register(dashboardPlugin, { floor, health: () => health, metrics, ...o.plugin });
  await app.ready();
  return { app, bus, floor, metrics, setHealth: (h) => (health = h) };
}
