import { HrsStrapEmulator } from '../../firmware-bridge/emulators/hrs-strap-emulator.ts';
import { heartRateToBatches, parseHeartRateMeasurement } from '../../firmware-bridge/ble/heart-rate-measurement.ts';
import type { SignalSimulator } from '../../firmware-bridge/simulator/signal-simulator.ts';
import type { DeviceStatus } from '../core/event-bus.ts';
import type { ErrorCounter } from '../core/errors.ts';
import { LinkHealth, type BatchSink, type DeviceRuntime } from './device-runtime.ts';
import { skinContact } from './skin-contact.ts';
import { DeviceErrorCounter } from './device-errors.ts';

/**
 * An emulated standard Heart Rate Service strap: the simulator's beats become 0x2A37
 * notification bytes, parsed by the same parser a real strap's notifications go through.
 * BLE notifications carry no device timestamp: they are stamped on arrival, and RR intervals
 * are placed backwards from it (the newest ends at the notification).
 */
export class SimulatedHrStrap implements DeviceRuntime {
  readonly id: string;
  readonly wearer: string;
  readonly kind = 'hrs-strap';
  readonly transport = 'simulated';
  private readonly sim: SignalSimulator;
  private readonly strap: HrsStrapEmulator;
  private readonly health = new LinkHealth();
  private readonly errors: DeviceErrorCounter;
  private readonly sink: BatchSink;
  private readonly t0: number;
  private lastContact = -1;

  constructor(opts: { id: string; wearer: string; sim: SignalSimulator; startMs: number; errors: ErrorCounter; sink: BatchSink }) {
    this.id = opts.id;
    this.wearer = opts.wearer;
    this.sim = opts.sim;
    this.errors = new DeviceErrorCounter(opts.errors);
    this.sink = opts.sink;
    this.t0 = opts.startMs;
    this.strap = new HrsStrapEmulator({ startMs: 0 });
  }

  async start(): Promise<void> {}

  poll(nowMs: number): void {
    const simNow = nowMs - this.t0;
    const beats = this.sim.heartUntil(simNow);
    for (const note of this.strap.notifications(beats.rrMs, beats.n, simNow)) {
      const m = parseHeartRateMeasurement(note.bytes, this.errors);
      if (!m) continue;
      const t = note.t + this.t0;
      this.lastContact = m.contact;
      const { hr, rr } = heartRateToBatches(m, this.id, t);
      this.sink(this.wearer, hr);
      if (rr) this.sink(this.wearer, rr);
      // like BleWearables: validity = a usable heart rate (contact, not 0 bpm)
      this.health.batch(nowMs, 1, Number.isNaN(hr.bpm[0]!) ? 0 : 1);
    }
  }

  status(nowMs: number): DeviceStatus {
    return this.health.status(nowMs, { device: this.id, wearer: this.wearer, kind: this.kind, transport: this.transport, silentAfterMs: 5000, battery: 90, errors: this.errors.snapshot() as Record<string, number>, detail: this.lastContact === -1 ? 'waiting for a measurement' : this.lastContact === 1 ? 'no skin contact' : 'skin contact', quality: { nominalRateHz: null, droppedFrames: null, crcErrors: null, inputErrors: this.errors.inputErrors(), reconnects: 0 }, contact: skinContact(this.lastContact), publishRate: false });
  }

  async stop(): Promise<void> {}
}
