import { EventEmitter } from 'node:events';
import type { Alert, AttentionEstimate, Decision, FeatureFrame } from './types.ts';

/** Health of one device link, as the transports report it. */
export interface DeviceStatus {
  device: string;
  wearer: string;
  kind: string;
  transport: string;
  state: 'connecting' | 'connected' | 'sensor_lost' | 'disconnected' | 'error';
  lastSeen: number | null;
  /** achieved sample rate, Hz */
  rateHz: number;
  /** share of valid samples in the last window, 0..1 */
  validity: number;
  battery: number | null;
  errors: Record<string, number>;
  detail?: string;
}

/**
 * The one typed bus between the orchestrator and the sinks (MQTT, store, dashboard, metrics).
 * Stages never see it; the orchestrator publishes what they return.
 */
export interface BusEvents {
  features: FeatureFrame;
  estimate: AttentionEstimate;
  alert: Alert;
  decision: Decision;
  device: DeviceStatus;
  /** observation fed to a policy, for the dashboard's detail view (derived values only) */
  observation: { wearer: string; t: number; values: Record<string, number | boolean | null> };
}

export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(100);
  }
  on<K extends keyof BusEvents>(event: K, fn: (e: BusEvents[K]) => void): () => void {
    this.emitter.on(event, fn);
    return () => this.emitter.off(event, fn);
  }
  emit<K extends keyof BusEvents>(event: K, e: BusEvents[K]): void {
    this.emitter.emit(event, e);
  }
}
