import { ClockSync } from '../../firmware-bridge/clock/clock-sync.ts';
import { SerialEyeTrackerEmulator } from '../../firmware-bridge/emulators/serial-eye-tracker-emulator.ts';
import { FrameDecoder } from '../../firmware-bridge/serial/frame-decoder.ts';
import type { SignalSimulator } from '../../firmware-bridge/simulator/signal-simulator.ts';
import type { DeviceStatus } from '../core/event-bus.ts';
import type { ErrorCounter } from '../core/errors.ts';
import type { GazeBatch } from '../core/types.ts';
import { LinkHealth, type BatchSink, type DeviceRuntime } from './device-runtime.ts';
import { DeviceErrorCounter } from './device-errors.ts';

/**
 * An emulated serial eye tracker: the simulator's gaze goes through the emulator into protocol
 * bytes (COBS + CRC frames, device clock with its own boot offset and drift), and those bytes
 * go through the same FrameDecoder and ClockSync a real device's bytes go through.
 */
export class SimulatedEyeTracker implements DeviceRuntime {
  readonly id: string;
  readonly wearer: string;
  readonly kind = 'serial-eye-tracker';
  readonly transport = 'simulated';
  private readonly sim: SignalSimulator;
  private readonly emulator: SerialEyeTrackerEmulator;
  private readonly decoder: FrameDecoder;
  private readonly sync = new ClockSync();
  private readonly health = new LinkHealth();
  private readonly errors: DeviceErrorCounter;
  private readonly rateHz: number;
  private readonly sink: BatchSink;
  private readonly t0: number;
  private nowMs = 0;
  private lastHeartbeat = -Infinity;
  private battery = 100;

  constructor(opts: { id: string; wearer: string; sim: SignalSimulator; gazeRateHz: number; driftPpm: number; bootOffsetUs: number; startMs: number; errors: ErrorCounter; sink: BatchSink }) {
    this.id = opts.id;
    this.wearer = opts.wearer;
    this.sim = opts.sim;
    this.errors = new DeviceErrorCounter(opts.errors);
    this.rateHz = opts.gazeRateHz;
    this.sink = opts.sink;
    this.t0 = opts.startMs;
    this.emulator = new SerialEyeTrackerEmulator({ deviceId: opts.id, sampleRateHz: opts.gazeRateHz, driftPpm: opts.driftPpm, bootOffsetUs: opts.bootOffsetUs, units: 'deg' });
    this.decoder = new FrameDecoder({
      device: opts.id,
      errors: this.errors,
      onMessage: (m) => {
        if (m.type === 'gaze') this.onGaze(m.batch);
        else if (m.type === 'heartbeat' && m.battery !== null) this.battery = m.battery;
      },
    });
  }

  async start(): Promise<void> {
    this.decoder.push(this.emulator.hello());
  }

  poll(nowMs: number): void {
    this.nowMs = nowMs;
    const simNow = nowMs - this.t0;
    const g = this.sim.gazeUntil(simNow);
    if (g.n > 0) {
      const tUs = new Float64Array(g.n);
      for (let i = 0; i < g.n; i++) tUs[i] = g.t[i]! * 1000;
      this.decoder.push(this.emulator.gaze({ ...g, t: tUs }));
    }
    if (simNow - this.lastHeartbeat >= 5000) {
      this.lastHeartbeat = simNow;
      this.battery = Math.max(5, this.battery - 0.01);
      this.decoder.push(this.emulator.heartbeat(Math.round(this.battery), simNow * 1000));
    }
  }

  status(nowMs: number): DeviceStatus {
    return this.health.status(nowMs, { device: this.id, wearer: this.wearer, kind: this.kind, transport: this.transport, silentAfterMs: 2000, battery: Math.round(this.battery), errors: this.errors.snapshot() as Record<string, number>, detail: `clock drift ${this.sync.driftPpm.toFixed(1)} ppm`, quality: { nominalRateHz: this.rateHz, droppedFrames: this.decoder.stats().seqGaps, crcErrors: this.errors.get('AFG_E_FRAME_CRC'), inputErrors: this.errors.inputErrors(), reconnects: 0 } });
  }

  async stop(): Promise<void> {}

  private onGaze(b: GazeBatch): void {
    // the batch arrived now; its last sample was taken at most one period earlier
    this.sync.observeArrival(b.t[b.n - 1]!, this.nowMs);
    this.sync.toGatewayInPlace(b.t, b.n);
    b.clock = 'gateway';
    let valid = 0;
    for (let i = 0; i < b.n; i++) valid += b.valid[i]!;
    this.health.batch(this.nowMs, b.n, valid);
    this.sink(this.wearer, b);
  }
}
