import { PupilCoreLink, type PupilCoreLinkState } from '../../firmware-bridge/pupil-core/pupil-core-link.ts';
import type { DeviceConfig } from '../config/schema.ts';
import type { DeviceStatus } from '../core/event-bus.ts';
import type { ErrorCounter } from '../core/errors.ts';
import type { BatchSink, DeviceRuntime } from './device-runtime.ts';
import { DeviceErrorCounter } from './device-errors.ts';
import { configuredAngle } from './gaze-geometry.ts';
import { GazeIngest } from './gaze-ingest.ts';

const STATE: Record<PupilCoreLinkState, DeviceStatus['state']> = {
  idle: 'connecting',
  connecting: 'connecting',
  connected: 'connected',
  sensor_lost: 'sensor_lost',
  disconnected: 'disconnected',
};

/**
 * A Pupil Labs Core headset through Pupil Capture / Service (ZeroMQ, Pupil Remote on port 50020).
 * Pupil time is mapped to gateway time from `t` round trips to Pupil Remote, NTP-style midpoints
 * (the reply is stamped between t1 and t4): four a second by default, since a `t` request is a
 * few bytes and more of them let the fit keep only the fastest round trips. Arrivals are used
 * until two exchanges exist. norm_pos becomes degrees with the configured scene-camera field of view
 * (or stays 'norm' when the config says so).
 *
 * @example
 *   const d = new PupilCoreEyeTrackerDevice({ device, wearer: 'dr-19c2', errors, sink, now });
 *   await d.start();
 */
export class PupilCoreEyeTrackerDevice implements DeviceRuntime {
  readonly id: string;
  readonly wearer: string;
  readonly kind = 'pupil-core';
  readonly transport = 'zmq';
  private readonly link: PupilCoreLink;
  private readonly ingest: GazeIngest;
  private readonly errors: DeviceErrorCounter;
  private readonly endpoint: string;
  private readonly syncIntervalMs: number;
  private syncTimer: NodeJS.Timeout | null = null;

  constructor(opts: { device: DeviceConfig; wearer: string; errors: ErrorCounter; sink: BatchSink; now: () => number; timeSyncIntervalMs?: number; backoff?: { initialMs?: number; maxMs?: number } }) {
    const tr = opts.device.transport;
    if (tr.type !== 'zmq') throw new TypeError('PupilCoreEyeTrackerDevice needs a zmq transport');
    this.id = opts.device.id;
    this.wearer = opts.wearer;
    this.errors = new DeviceErrorCounter(opts.errors);
    this.endpoint = `${tr.host}:${tr.port}`;
    this.syncIntervalMs = opts.timeSyncIntervalMs ?? 250;
    if (!(this.syncIntervalMs >= 10)) throw new RangeError('timeSyncIntervalMs must be >= 10');
    this.ingest = new GazeIngest({ wearer: opts.wearer, sink: opts.sink, angle: configuredAngle(opts.device.geometry) });
    this.link = new PupilCoreLink({
      device: this.id,
      host: tr.host,
      remotePort: tr.port,
      errors: this.errors,
      sensorLostAfterMs: opts.device.silenceTimeoutMs,
      now: opts.now,
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      onBatch: (b, atMs) => this.ingest.deliver(b, atMs),
      // Pupil Remote reads its clock once per reply: t2 = t3
      onTimeExchange: (x) => this.ingest.sync.observeExchange(x.t1Ms, x.pupilUs, x.pupilUs, x.t4Ms),
    });
  }

  async start(): Promise<void> {
    this.link.start();
    this.syncTimer = setInterval(() => void this.link.requestTime(), this.syncIntervalMs);
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
      state: STATE[s.state],
      lastSeen: this.ingest.health.lastSeen,
      rateHz,
      validity,
      battery: null,
      errors: this.errors.snapshot() as Record<string, number>,
      detail: s.lastError ?? (s.subPort ? `${this.endpoint}, SUB port ${s.subPort}` : `asking Pupil Remote at ${this.endpoint}`),
      quality: {
        nominalRateHz: null,
        droppedFrames: null,
        crcErrors: null,
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
