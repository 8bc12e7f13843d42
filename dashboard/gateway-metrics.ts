import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus } from '../gateway/core/event-bus.ts';
import { attachDeviceMetrics } from './device-metrics.ts';

/**
 * The gateway's Prometheus metrics (prom-client), on their own registry so tests and several
 * gateways in one process do not collide.
 *
 * @example
 *   const m = createGatewayMetrics();
 *   m.attach(bus);
 *   m.tickSeconds.observe(0.002);
 */
export function createGatewayMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry, prefix: 'afg_process_' });
  const m = {
    registry,
    samplesIn: new Counter({ name: 'afg_samples_in_total', help: 'Samples decoded per device', labelNames: ['device', 'kind'], registers: [registry] }),
    errors: new Counter({ name: 'afg_errors_total', help: 'Rejected input and failures by stable error code', labelNames: ['code'], registers: [registry] }),
    tickSeconds: new Histogram({ name: 'afg_tick_duration_seconds', help: 'Time to step all wearers once', buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1], registers: [registry] }),
    inferenceSeconds: new Histogram({ name: 'afg_inference_duration_seconds', help: 'Duration of one batched model run (all wearers of a tick)', buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05], registers: [registry] }),
    messagesOut: new Counter({ name: 'afg_messages_out_total', help: 'Messages handed to the broker by class (attention, alert, decision, status)', labelNames: ['class'], registers: [registry] }),
    outboxDepth: new Gauge({ name: 'afg_outbox_depth', help: 'Alerts and decisions waiting for the broker', registers: [registry] }),
    alerts: new Counter({ name: 'afg_alerts_total', help: 'Alert transitions by kind and level', labelNames: ['kind', 'level'], registers: [registry] }),
    decisions: new Counter({ name: 'afg_decisions_total', help: 'Decisions by kind', labelNames: ['kind'], registers: [registry] }),
    mqttConnected: new Gauge({ name: 'afg_mqtt_connected', help: '1 while connected to the broker', registers: [registry] }),
    executionProvider: new Gauge({ name: 'afg_execution_provider_info', help: 'Execution provider in use (value 1)', labelNames: ['provider', 'estimator'], registers: [registry] }),
    providerAvailable: new Gauge({ name: 'afg_execution_provider_available', help: 'Execution providers tried at model load: 1 worked, 0 failed (reason in the log and /health)', labelNames: ['provider'], registers: [registry] }),
    inferenceBatchRows: new Gauge({ name: 'afg_inference_batch_rows', help: 'Wearers in the last batched model run', registers: [registry] }),
    modelSwaps: new Counter({ name: 'afg_model_swaps_total', help: 'Model hot swaps by outcome (swapped, refused)', labelNames: ['outcome'], registers: [registry] }),
    wearers: new Gauge({ name: 'afg_wearers', help: 'Wearers by current state', labelNames: ['state'], registers: [registry] }),
    deviceUp: new Gauge({ name: 'afg_device_connected', help: '1 while the device link is connected and delivering', labelNames: ['device', 'kind'], registers: [registry] }),
    deviceBattery: new Gauge({ name: 'afg_device_battery_percent', help: 'Battery level reported by the device (absent when unknown)', labelNames: ['device'], registers: [registry] }),
    deviceRate: new Gauge({ name: 'afg_device_sample_rate_hz', help: 'Achieved sample rate of the device link (absent for heart-rate wearables, whose rate would be the heart rate; Polar ECG/ACC: afg_device_stream_rate_hz)', labelNames: ['device'], registers: [registry] }),
    attach(bus: EventBus): void {
      bus.on('alert', (a) => m.alerts.inc({ kind: a.kind, level: String(a.level) }));
      // wearers per state: moved between labels when a wearer's state changes (O(1) per estimate)
      const stateOf = new Map<string, string>();
      bus.on('estimate', (e) => {
        const prev = stateOf.get(e.wearer);
        if (prev === e.state || (prev === undefined && stateOf.size >= 100_000)) return;
        if (prev !== undefined) m.wearers.dec({ state: prev });
        stateOf.set(e.wearer, e.state);
        m.wearers.inc({ state: e.state });
      });
      bus.on('decision', (d) => m.decisions.inc({ kind: d.kind }));
      // device health only: heart rate and other biosignals stay off /metrics (why: device-metrics.ts)
      attachDeviceMetrics(registry, bus);
      bus.on('device', (d) => {
        m.deviceUp.set({ device: d.device, kind: d.kind }, d.state === 'connected' ? 1 : 0);
        if (d.battery === null) m.deviceBattery.remove({ device: d.device });
        else m.deviceBattery.set({ device: d.device }, d.battery);
        if (d.rateHz === null) m.deviceRate.remove({ device: d.device });
        else m.deviceRate.set({ device: d.device }, d.rateHz);
      });
    },
  };
  return m;
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
