import { EventEmitter } from 'node:events';
import type { Alert, AttentionEstimate, Decision, FeatureFrame } from './types.ts';

/** Signal quality of one link since the gateway started (issue 3); counters only grow. */
export interface DeviceSignalQuality {
  /** the rate the device declared (serial HELLO) or runs at by its protocol, Hz; null when unknown */
  nominalRateHz: number | null;
  /**
   * frames or records the protocol shows were lost: serial seq gaps, Gazepoint CNT gaps, Polar
   * PMD time gaps; null where the protocol cannot tell (Pupil Core datums, GATT heart rate)
   */
  droppedFrames: number | null;
  /** frames that failed the CRC-16 (serial); null on transports without our CRC (TCP, ZMQ, GATT) */
  crcErrors: number | null;
  /** bad input from this device, dropped and counted, all input codes together */
  inputErrors: number;
  /** links re-established after the first */
  reconnects: number;
  /**
   * Polar wearables: each PMD stream's (ecg, acc) achieved rate
   * over the last second and the rate it was started at (null where the stream has none, e.g.
   * heart-rate notifications)
   */
  streams?: Record<string, { rateHz: number; nominalRateHz: number | null }>;
}

/** Skin contact of a chest strap (HRS flags bits 1-2): 'unsupported' when the strap cannot tell. */
export type SkinContact = 'contact' | 'no_contact' | 'unsupported';

/** Health of one device link, as the transports report it. */
export interface DeviceStatus {
  device: string;
  wearer: string;
  kind: string;
  transport: string;
  state: 'connecting' | 'connected' | 'sensor_lost' | 'disconnected' | 'error';
  lastSeen: number | null;
  /**
   * achieved sample rate, Hz; null for heart-rate wearables: a strap may notify once per beat,
   * so its only rate would be the heart rate, which must not leave the box (a Polar's ECG/ACC
   * rates are in quality.streams)
   */
  rateHz: number | null;
  /** share of valid samples in the last window, 0..1 */
  validity: number;
  battery: number | null;
  /** this device's counted errors by code */
  errors: Record<string, number>;
  detail?: string;
  quality?: DeviceSignalQuality;
  /**
   * HR straps only: skin contact of the latest measurement, null before the first. Device state,
   * not a biosignal: it says whether the strap is worn, and may go to /metrics and MQTT.
   */
  contact?: SkinContact | null;
  /** BLE only: the ATT MTU the bindings negotiated on the current connection, null when not reported */
  mtu?: number | null;
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
