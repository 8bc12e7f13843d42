import { GazepointLink, type GazepointLinkState } from '../../firmware-bridge/gazepoint/gazepoint-link.ts';
import type { DeviceConfig } from '../config/schema.ts';
import type { DeviceStatus } from '../core/event-bus.ts';
import type { ErrorCounter } from '../core/errors.ts';
import type { BatchSink, DeviceRuntime } from './device-runtime.ts';
import { DeviceErrorCounter } from './device-errors.ts';
import { configuredAngle } from './gaze-geometry.ts';
import { GazeIngest } from './gaze-ingest.ts';

const STATE: Record<GazepointLinkState, DeviceStatus['state']> = {
  idle: 'connecting',
  connecting: 'connecting',
  connected: 'connected',
  sensor_lost: 'sensor_lost',
  disconnected: 'disconnected',
};

/**
 * A Gazepoint GP3 / GP3 HD through Gazepoint Control's Open Gaze API (TCP, default port 4242).
 * The API carries no clock exchange, so the device TIME is mapped to gateway time from arrival
 * times alone (ClockSync's lower envelope); screen fractions become degrees with the configured
 * screen geometry (or stay 'norm' when the config says so).
 *
 * @example
 *   const d = new GazepointEyeTrackerDevice({ device, wearer: 'op-7f3a', errors, sink, now });
 *   await d.start(); // gaze flows once Gazepoint Control answers
 */
export class GazepointEyeTrackerDevice implements DeviceRuntime {
  readonly id: string;
  readonly wearer: string;
  readonly kind = 'gazepoint-gp3';
  readonly transport = 'tcp';
  private readonly link: GazepointLink;
  private readonly ingest: GazeIngest;
  private readonly errors: DeviceErrorCounter;
  private readonly endpoint: string;

  constructor(opts: { device: DeviceConfig; wearer: string; errors: ErrorCounter; sink: BatchSink; now: () => number; backoff?: { initialMs?: number; maxMs?: number } }) {
    const tr = opts.device.transport;
    if (tr.type !== 'tcp') throw new TypeError('GazepointEyeTrackerDevice needs a tcp transport');
    this.id = opts.device.id;
    this.wearer = opts.wearer;
    this.errors = new DeviceErrorCounter(opts.errors);
    this.endpoint = `${tr.host}:${tr.port}`;
    this.ingest = new GazeIngest({ wearer: opts.wearer, sink: opts.sink, angle: configuredAngle(opts.device.geometry) });
    this.link = new GazepointLink({
      device: this.id,
      host: tr.host,
      port: tr.port,
      errors: this.errors,
      sensorLostAfterMs: opts.device.silenceTimeoutMs,
      now: opts.now,
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      onBatch: (b, atMs) => this.ingest.deliver(b, atMs),
    });
  }

  async start(): Promise<void> {
    this.link.start();
  }

  poll(): void {}

  /** Device clock → gateway ms as fitted now (diagnostics and clock tests). */
  toGatewayMs(deviceUs: number): number {
    return this.ingest.sync.toGateway(deviceUs);
  }

  status(nowMs: number): DeviceStatus {
    const s = this.link.status();
    const { rateHz, validity } = this.ingest.health.read(nowMs);
    const refused = s.refused.length ? `; refused ${s.refused.join(', ')}` : '';
    return {
      device: this.id,
      wearer: this.wearer,
      kind: this.kind,
      transport: this.transport,
      state: STATE[s.state],
      lastSeen: this.ingest.health.lastSeen,
      rateHz,
      validity,
      battery: null,
      errors: this.errors.snapshot() as Record<string, number>,
      detail: (s.lastError ?? `${this.endpoint}${s.streaming ? ', streaming' : ''}`) + refused,
      quality: {
        nominalRateHz: null,
        droppedFrames: s.parser.cntGaps,
        crcErrors: null,
        inputErrors: this.errors.inputErrors(),
        reconnects: s.reconnects,
      },
    };
  }

  async stop(): Promise<void> {
    await this.link.close();
  }
}
