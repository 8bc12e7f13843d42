import type { DeviceStatus } from '../../gateway/core/event-bus.ts';
import type { ErrorCounter } from '../../gateway/core/errors.ts';
import { LinkHealth, type BatchSink, type DeviceRuntime } from '../../gateway/devices/device-runtime.ts';
import { PrerecordedWearerStream } from './prerecorded-wearer-stream.ts';
import { WearerLink } from './wearer-link.ts';

/**
 * One wearer's eye tracker + Polar H10 as a live device runtime in the gateway: the recorded
 * bytes of each step are handed to the real decoders (through WearerLink) when the PacedClock
 * says the step is due, as a serial port or BLE notification callback would. It remembers when
 * (CLOCK_MONOTONIC ns) each step's bytes entered its decoders, and the gateway time its newest
 * gaze sample was mapped to.
 */
export class PacedWearerDevice implements DeviceRuntime {
  readonly id: string;
  readonly wearer: string;
  readonly kind = 'bench-eye-tracker+h10';
  readonly transport = 'bench';
  readonly stream: PrerecordedWearerStream;
  /** the newest step delivered */
  lastStep = 0;
  /** per step: hrtime (ns) when its bytes entered the decoders, and the gateway time of its newest gaze sample */
  readonly entryNs: BigInt64Array;
  readonly gazeGw: Float64Array;
  private readonly link: WearerLink;
  private readonly health = new LinkHealth();
  private readonly errors: ErrorCounter;
  private readonly tb = PrerecordedWearerStream.tickBytes();

  constructor(o: { wearer: string; index: number; stream: PrerecordedWearerStream; sink: BatchSink; errors: ErrorCounter }) {
    this.id = `bench-${o.index}`;
    this.wearer = o.wearer;
    this.stream = o.stream;
    this.errors = o.errors;
    this.link = new WearerLink({ wearer: o.wearer, index: o.index, errors: o.errors, sink: o.sink });
    this.entryNs = new BigInt64Array(o.stream.steps + 1);
    this.gazeGw = new Float64Array(o.stream.steps + 1).fill(NaN);
  }

  /**
   * The newest delivered step whose newest gaze sample is at or before gateway time `tMs`:
   * the sample a tick at tMs stands on (later samples belong to later ticks).
   */
  stepAtOrBefore(tMs: number): number {
    for (let k = this.lastStep; k >= 1; k--) if (this.gazeGw[k]! <= tMs) return k;
    return 0;
  }

  async start(): Promise<void> {
    this.link.pushSerial(this.stream.hello);
  }

  poll(): void {}

  /** Hands step k's bytes to the decoders; nowMs is the gateway clock (arrival time for clock sync). */
  deliver(k: number, nowMs: number): void {
    if (k < 1 || k > this.stream.steps) return;
    this.stream.step(k, this.tb);
    this.entryNs[k] = process.hrtime.bigint();
    this.lastStep = k;
    this.link.receive(this.tb, nowMs);
    this.gazeGw[k] = this.link.lastGazeGw;
    this.health.batch(nowMs, this.tb.gazeSamples, this.tb.gazeSamples);
  }

  status(nowMs: number): DeviceStatus {
    return this.health.status(nowMs, { device: this.id, wearer: this.wearer, kind: this.kind, transport: this.transport, silentAfterMs: 2000, battery: null, errors: this.errors.snapshot() as Record<string, number> });
  }

  async stop(): Promise<void> {}
}

/**
 * Paces a set of PacedWearerDevices at real rate: step k of every device is due at
 * start + k·stepMs on the monotonic clock. A self-correcting timer wakes for each due step
 * and delivers every step that is due (late wake-ups deliver several, as a busy serial port
 * hands over a bigger chunk).
 */
export class PacedClock {
  private timer: NodeJS.Timeout | null = null;
  private next = 1;
  private startNs = 0n;
  stepsLate = 0;

  constructor(private readonly o: { devices: readonly PacedWearerDevice[]; stepMs: number; steps: number; now: () => number; onDone?: () => void }) {}

  start(): void {
    this.startNs = process.hrtime.bigint();
    this.schedule();
  }

  /** hrtime (ns) at which step k was due */
  dueNs(k: number): bigint {
    return this.startNs + BigInt(Math.round(k * this.o.stepMs * 1e6));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    const waitMs = Number(this.dueNs(this.next) - process.hrtime.bigint()) / 1e6;
    this.timer = setTimeout(() => this.wake(), Math.max(0, waitMs));
  }

  private wake(): void {
    const nowNs = process.hrtime.bigint();
    let delivered = 0;
    while (this.next <= this.o.steps && this.dueNs(this.next) <= nowNs) {
      const gw = this.o.now();
      for (const d of this.o.devices) d.deliver(this.next, gw);
      this.next++;
      delivered++;
    }
    if (delivered > 1) this.stepsLate += delivered - 1;
    if (this.next > this.o.steps) {
      this.timer = null;
      this.o.onDone?.();
      return;
    }
    this.schedule();
  }
}
