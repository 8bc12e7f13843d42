import { heartRateToBatches, parseHeartRateMeasurement } from '../../firmware-bridge/ble/heart-rate-measurement.ts';
import { H10_ACC_START, H10_ECG_START, parsePmdResponse } from '../../firmware-bridge/ble/pmd-control-point.ts';
import { PmdFrameDecoder } from '../../firmware-bridge/ble/pmd-data-frame.ts';
import { ClockSync } from '../../firmware-bridge/clock/clock-sync.ts';
import { HrsStrapEmulator } from '../../firmware-bridge/emulators/hrs-strap-emulator.ts';
import { PolarH10Emulator } from '../../firmware-bridge/emulators/polar-h10-emulator.ts';
import { EcgWaveform } from '../../firmware-bridge/simulator/ecg-waveform.ts';
import type { SignalSimulator } from '../../firmware-bridge/simulator/signal-simulator.ts';
import type { DeviceStatus } from '../core/event-bus.ts';
import type { ErrorCounter } from '../core/errors.ts';
import type { SampleBatch } from '../core/types.ts';
import { LinkHealth, type BatchSink, type DeviceRuntime } from './device-runtime.ts';
import { skinContact } from './skin-contact.ts';
import { DeviceErrorCounter } from './device-errors.ts';
import { bleStreams, StreamRates } from './stream-rates.ts';

const ECG_HZ = 130;
/** the H10's clock: µs since 2000-01-01Z; an emulated sensor set to 2026-01-01 at sim time 0 */
const H10_CLOCK_AT_ZERO_US = (Date.UTC(2026, 0, 1) - Date.UTC(2000, 0, 1)) * 1000;

/**
 * An emulated Polar H10: heart rate and RR as standard 0x2A37 notifications, ECG (130 Hz) and
 * acceleration (200 Hz) as PMD data frames after the same control-point start commands a real
 * H10 gets. The bytes go through the GATT parser and PmdFrameDecoder; ECG/ACC carry the sensor's
 * clock (with its own drift) and are mapped to gateway time by ClockSync.
 */
export class SimulatedPolarH10 implements DeviceRuntime {
  readonly id: string;
  readonly wearer: string;
  readonly kind = 'polar-h10';
  readonly transport = 'simulated';
  private readonly sim: SignalSimulator;
  private readonly h10 = new PolarH10Emulator();
  private readonly hrs = new HrsStrapEmulator({ startMs: 0 });
  private readonly ecg = new EcgWaveform();
  private readonly pmd: PmdFrameDecoder;
  private readonly sync = new ClockSync();
  private readonly health = new LinkHealth();
  private readonly rates = new StreamRates();
  private readonly errors: DeviceErrorCounter;
  private lastContact = -1;
  private readonly sink: BatchSink;
  private readonly t0: number;
  private readonly rate: number;
  private ecgK = 0;
  private nowMs = 0;
  private streaming = false;

  constructor(opts: { id: string; wearer: string; sim: SignalSimulator; driftPpm: number; startMs: number; errors: ErrorCounter; sink: BatchSink }) {
    this.id = opts.id;
    this.wearer = opts.wearer;
    this.sim = opts.sim;
    this.errors = new DeviceErrorCounter(opts.errors);
    this.sink = opts.sink;
    this.t0 = opts.startMs;
    this.rate = 1 + opts.driftPpm * 1e-6;
    this.pmd = new PmdFrameDecoder({ device: opts.id, errors: this.errors, ecgRateHz: ECG_HZ, accRateHz: 200 });
  }

  async start(): Promise<void> {
    // what the BLE link does after connecting: start ECG and ACC, check the sensor's answers
    const ok = [H10_ECG_START, H10_ACC_START].every((cmd) => parsePmdResponse(this.h10.writeControlPoint(cmd), this.errors)?.statusCode === 0);
    this.streaming = ok;
  }

  poll(nowMs: number): void {
    this.nowMs = nowMs;
    const simNow = nowMs - this.t0;
    const beats = this.sim.hrUntil(simNow);
    for (let i = 0; i < beats.n; i++) this.ecg.addBeat(beats.beats[i]!);
    for (const note of this.hrs.notifications(beats.rrMs, beats.n, simNow)) {
      const m = parseHeartRateMeasurement(note.bytes, this.errors);
      if (!m) continue;
      this.lastContact = m.contact;
      const { hr, rr } = heartRateToBatches(m, this.id, note.t + this.t0);
      this.deliver(hr);
      if (rr) this.deliver(rr);
    }
    if (!this.streaming) return;
    // ECG up to the newest known beat: the next beat's P wave is not known before it
    const ecgEnd = this.ecg.lastBeat();
    const last = Number.isNaN(ecgEnd) ? this.ecgK : Math.max(this.ecgK, Math.floor((ecgEnd * ECG_HZ) / 1000));
    const n = last - this.ecgK;
    if (n > 0) {
      const uV = new Float64Array(n);
      for (let i = 0; i < n; i++) uV[i] = this.ecg.sample(((this.ecgK + i) * 1000) / ECG_HZ);
      const lastSimUs = ((last - 1) * 1e6) / ECG_HZ;
      for (const f of this.h10.ecgFrames(this.deviceUs(lastSimUs), uV, n)) this.decode(f);
      this.ecgK = last;
    }
    const acc = this.sim.accUntil(simNow);
    if (acc.n > 0) for (const f of this.h10.accFrames(this.deviceUs(acc.t[acc.n - 1]! * 1000), acc.x, acc.y, acc.z, acc.n)) this.decode(f);
  }

  status(nowMs: number): DeviceStatus {
    const st = this.health.status(nowMs, { device: this.id, wearer: this.wearer, kind: this.kind, transport: this.transport, silentAfterMs: 5000, battery: 95, errors: this.errors.snapshot() as Record<string, number>, detail: `ECG ${ECG_HZ} Hz + ACC 200 Hz, clock drift ${this.sync.driftPpm.toFixed(1)} ppm`, quality: { nominalRateHz: null, droppedFrames: this.pmd.droppedFrames, crcErrors: null, inputErrors: this.errors.inputErrors(), reconnects: 0, streams: bleStreams(this.rates.read(nowMs), this.streaming ? { ecg: ECG_HZ, acc: 200 } : { ecg: null, acc: null }) }, contact: skinContact(this.lastContact), publishRate: false });
    if (st.state === 'connected' && !this.streaming) st.state = 'error';
    return st;
  }

  async stop(): Promise<void> {}

  private deviceUs(simUs: number): number {
    return H10_CLOCK_AT_ZERO_US + simUs * this.rate;
  }

  private decode(frame: Uint8Array): void {
    const b = this.pmd.decode(frame);
    if (!b) return;
    this.sync.observeArrival(b.t[b.n - 1]!, this.nowMs);
    this.sync.toGatewayInPlace(b.t, b.n);
    b.clock = 'gateway';
    this.deliver(b);
  }

  private deliver(b: SampleBatch): void {
    // like BleWearables: the device's rate and validity are its heart-rate measurements'
    this.rates.batch(b.kind, this.nowMs, b.n);
    if (b.kind === 'hr') this.health.batch(this.nowMs, b.n, Number.isNaN(b.bpm[0]!) ? 0 : b.n);
    else this.health.seen(this.nowMs);
    this.sink(this.wearer, b);
  }
}
