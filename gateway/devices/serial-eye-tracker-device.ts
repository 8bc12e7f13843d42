import { ClockSync } from '../../firmware-bridge/clock/clock-sync.ts';
import { SerialGazeLink } from '../../firmware-bridge/serial/serial-gaze-link.ts';
import type { DeviceConfig } from '../config/schema.ts';
import type { DeviceStatus } from '../core/event-bus.ts';
import type { ErrorCounter } from '../core/errors.ts';
import { LinkHealth, type BatchSink, type DeviceRuntime } from './device-runtime.ts';

/**
 * A real eye tracker on a serial port (our framed protocol, firmware-bridge/PROTOCOL.md):
 * the link reconnects by itself; batches are mapped to gateway time with TIME_SYNC exchanges
 * when the device answers them, and with arrival times otherwise.
 */
export class SerialEyeTrackerDevice implements DeviceRuntime {
  readonly id: string;
  readonly wearer: string;
  readonly kind = 'serial-eye-tracker';
  readonly transport = 'serial';
  private readonly link: SerialGazeLink;
  private readonly sync = new ClockSync();
  private readonly health = new LinkHealth();
  private readonly errors: ErrorCounter;
  private readonly now: () => number;
  private syncTimer: NodeJS.Timeout | null = null;

  constructor(opts: { device: DeviceConfig; wearer: string; errors: ErrorCounter; sink: BatchSink; now: () => number }) {
    const tr = opts.device.transport;
    if (tr.type !== 'serial') throw new TypeError('SerialEyeTrackerDevice needs a serial transport');
    this.id = opts.device.id;
    this.wearer = opts.wearer;
    this.errors = opts.errors;
    this.now = opts.now;
    const linkOpts: ConstructorParameters<typeof SerialGazeLink>[0] = {
      device: this.id,
      baudRate: tr.baudRate,
      errors: opts.errors,
      sensorLostAfterMs: opts.device.silenceTimeoutMs,
      now: opts.now,
      onMessage: (m, atMs) => {
        if (m.type === 'time_sync_response') {
          this.sync.observeExchange(m.t1Us / 1000, m.t2Us, m.t3Us, atMs);
        } else if (m.type === 'gaze') {
          const b = m.batch;
          if (b.n === 0) return;
          this.sync.observeArrival(b.t[b.n - 1]!, atMs);
          this.sync.toGatewayInPlace(b.t, b.n);
          b.clock = 'gateway';
          let valid = 0;
          for (let i = 0; i < b.n; i++) valid += b.valid[i]!;
          this.health.batch(atMs, b.n, valid);
          opts.sink(this.wearer, b);
        }
      },
    };
    if (tr.path !== undefined) linkOpts.path = tr.path;
    if (tr.vendorId !== undefined) linkOpts.vendorId = tr.vendorId;
    if (tr.productId !== undefined) linkOpts.productId = tr.productId;
    this.link = new SerialGazeLink(linkOpts);
  }

  async start(): Promise<void> {
    this.link.start();
    // one NTP-style exchange a second; devices that do not answer fall back to arrival times
    this.syncTimer = setInterval(() => {
      if (this.link.status().state === 'connected') this.link.requestTimeSync(Math.round(this.now() * 1000));
    }, 1000);
    this.syncTimer.unref();
  }

  poll(): void {}

  status(nowMs: number): DeviceStatus {
    const s = this.link.status();
    const { rateHz, validity } = this.health.read(nowMs);
    return {
      device: this.id,
      wearer: this.wearer,
      kind: this.kind,
      transport: this.transport,
      state: s.state === 'idle' ? 'connecting' : s.state,
      lastSeen: this.health.lastSeen,
      rateHz,
      validity,
      battery: s.battery,
      errors: this.errors.snapshot() as Record<string, number>,
      detail: s.lastError ?? (s.path ? `on ${s.path}` : 'looking for the port'),
    };
  }

  async stop(): Promise<void> {
    if (this.syncTimer) clearInterval(this.syncTimer);
    await this.link.close();
  }
}
