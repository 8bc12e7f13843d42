import { SerialGazeLink } from '../../firmware-bridge/serial/serial-gaze-link.ts';
import type { DeviceConfig } from '../config/schema.ts';
import type { DeviceStatus } from '../core/event-bus.ts';
import type { ErrorCounter } from '../core/errors.ts';
import { type BatchSink, type DeviceRuntime } from './device-runtime.ts';
import { DeviceErrorCounter } from './device-errors.ts';
import { configuredAngle, helloAngle } from './gaze-geometry.ts';
import { GazeIngest } from './gaze-ingest.ts';

/**
 * A real eye tracker on a serial port (our framed protocol, firmware-bridge/PROTOCOL.md):
 * the link reconnects by itself; batches are mapped to gateway time with TIME_SYNC exchanges
 * when the device answers them, and with arrival times otherwise. Units: what HELLO declares;
 * normalised gaze becomes degrees with the configured geometry, else with HELLO's own.
 */
export class SerialEyeTrackerDevice implements DeviceRuntime {
  readonly id: string;
  readonly wearer: string;
  readonly kind = 'serial-eye-tracker';
  readonly transport = 'serial';
  private readonly link: SerialGazeLink;
  private readonly ingest: GazeIngest;
  private readonly errors: DeviceErrorCounter;
  private readonly now: () => number;
  private readonly syncIntervalMs: number;
  private syncTimer: NodeJS.Timeout | null = null;

  constructor(opts: { device: DeviceConfig; wearer: string; errors: ErrorCounter; sink: BatchSink; now: () => number; timeSyncIntervalMs?: number }) {
    const tr = opts.device.transport;
    if (tr.type !== 'serial') throw new TypeError('SerialEyeTrackerDevice needs a serial transport');
    this.id = opts.device.id;
    this.wearer = opts.wearer;
    this.errors = new DeviceErrorCounter(opts.errors);
    this.now = opts.now;
    this.syncIntervalMs = opts.timeSyncIntervalMs ?? 1000;
    if (!(this.syncIntervalMs >= 10)) throw new RangeError('timeSyncIntervalMs must be >= 10');
    const geometry = opts.device.geometry;
    const fixed = configuredAngle(geometry);
    this.ingest = new GazeIngest({ wearer: opts.wearer, sink: opts.sink, angle: fixed });
    const linkOpts: ConstructorParameters<typeof SerialGazeLink>[0] = {
      device: this.id,
      baudRate: tr.baudRate,
      errors: this.errors,
      sensorLostAfterMs: opts.device.silenceTimeoutMs,
      now: opts.now,
      onMessage: (m, atMs) => {
        if (m.type === 'time_sync_response') this.ingest.sync.observeExchange(m.t1Us / 1000, m.t2Us, m.t3Us, atMs);
        else if (m.type === 'gaze') this.ingest.deliver(m.batch, atMs);
        else if (m.type === 'hello' && geometry.type === 'device') this.ingest.setAngle(helloAngle(m.geometry));
      },
    };
    if (tr.path !== undefined) linkOpts.path = tr.path;
    if (tr.vendorId !== undefined) linkOpts.vendorId = tr.vendorId;
    if (tr.productId !== undefined) linkOpts.productId = tr.productId;
    this.link = new SerialGazeLink(linkOpts);
  }

  async start(): Promise<void> {
    this.link.start();
    // NTP-style exchanges (one a second by default); devices that do not answer fall back to arrival times
    this.syncTimer = setInterval(() => {
      if (this.link.status().portOpen) this.link.requestTimeSync(Math.round(this.now() * 1000));
    }, this.syncIntervalMs);
    this.syncTimer.unref();
  }

  poll(): void {}

  /** Device clock → gateway ms as fitted now (diagnostics and clock tests). */
  toGatewayMs(deviceUs: number): number {
    return this.ingest.sync.toGateway(deviceUs);
  }

  status(nowMs: number): DeviceStatus {
    const s = this.link.status();
    const { rateHz, validity } = this.ingest.health.read(nowMs);
    return {
      device: this.id,
      wearer: this.wearer,
      kind: this.kind,
      transport: this.transport,
      state: s.state === 'idle' ? 'connecting' : s.state,
      lastSeen: this.ingest.health.lastSeen,
      rateHz,
      validity,
      battery: s.battery,
      errors: this.errors.snapshot() as Record<string, number>,
      detail: s.lastError ?? (s.path ? `on ${s.path}` : 'looking for the port'),
      quality: {
        nominalRateHz: s.hello?.sampleRateHz ?? null,
        droppedFrames: s.seqGaps,
        crcErrors: this.errors.get('AFG_E_FRAME_CRC'),
        inputErrors: this.errors.inputErrors(),
        reconnects: s.reconnects,
      },
    };
  }

  async stop(): Promise<void> {
    if (this.syncTimer) clearInterval(this.syncTimer);
    await this.link.close();
  }
}
