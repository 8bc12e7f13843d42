import type { DeviceSignalQuality, DeviceStatus, SkinContact } from '../core/event-bus.ts';
import type { SampleBatch, WearerId } from '../core/types.ts';

/** Where a device runtime delivers decoded, clock-synchronised batches (gateway time, ms). */
export type BatchSink = (wearer: WearerId, b: SampleBatch) => void;

/**
 * A running device link, whatever its transport. Live devices push batches from their I/O
 * callbacks; `poll(now)` lets emulated ones produce what is due, and every runtime reports
 * its health for /health, /metrics and the dashboard.
 */
export interface DeviceRuntime {
  readonly id: string;
  readonly wearer: WearerId;
  readonly kind: string;
  readonly transport: string;
  start(): Promise<void>;
  poll(nowMs: number): void;
  status(nowMs: number): DeviceStatus;
  stop(): Promise<void>;
}

/**
 * Link-health bookkeeping shared by runtimes: achieved rate and validity over the last status
 * period, last-seen time. Cost: O(1) per batch.
 */
export class LinkHealth {
  private samples = 0;
  private valid = 0;
  private since = NaN;
  private rate = 0;
  private validity = 0;
  lastSeen: number | null = null;

  batch(nowMs: number, n: number, valid: number): void {
    if (Number.isNaN(this.since)) this.since = nowMs;
    this.samples += n;
    this.valid += valid;
    if (n > 0) this.lastSeen = nowMs;
  }

  /** Data of another stream of the device arrived: the link is alive, the rate is not this one's. */
  seen(nowMs: number): void {
    this.lastSeen = nowMs;
  }

  /**
   * The DeviceStatus of a link whose only health signal is its data: `sensor_lost` after
   * `silentAfterMs` without a batch (or before the first), `connected` otherwise.
   */
  status(
    nowMs: number,
    link: { device: string; wearer: string; kind: string; transport: string; silentAfterMs: number; battery: number | null; errors: Record<string, number>; detail?: string; quality?: DeviceSignalQuality; contact?: SkinContact | null; publishRate?: boolean },
  ): DeviceStatus {
    const read = this.read(nowMs);
    const validity = read.validity;
    // heart-rate wearables: their only rate may be the heart rate (DeviceStatus.rateHz)
    const rateHz = link.publishRate === false ? null : read.rateHz;
    const silent = this.lastSeen === null || nowMs - this.lastSeen > link.silentAfterMs;
    const out: DeviceStatus = { device: link.device, wearer: link.wearer, kind: link.kind, transport: link.transport, state: silent ? 'sensor_lost' : 'connected', lastSeen: this.lastSeen, rateHz, validity, battery: link.battery, errors: link.errors };
    if (link.detail !== undefined) out.detail = link.detail;
    if (link.quality !== undefined) out.quality = link.quality;
    if (link.contact !== undefined) out.contact = link.contact;
    return out;
  }

  /** Rolls the window every second; returns rate (Hz) and validity (0..1) of the last one. */
  read(nowMs: number): { rateHz: number; validity: number } {
    if (!Number.isNaN(this.since) && nowMs - this.since >= 1000) {
      const s = (nowMs - this.since) / 1000;
      this.rate = this.samples / s;
      this.validity = this.samples ? this.valid / this.samples : 0;
      this.samples = 0;
      this.valid = 0;
      this.since = nowMs;
    }
    return { rateHz: Math.round(this.rate * 10) / 10, validity: Math.round(this.validity * 1000) / 1000 };
  }
}
