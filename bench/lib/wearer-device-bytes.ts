import { H10_ACC_START, H10_ECG_START } from '../../firmware-bridge/ble/pmd-control-point.ts';
import { HrsStrapEmulator } from '../../firmware-bridge/emulators/hrs-strap-emulator.ts';
import { PolarH10Emulator } from '../../firmware-bridge/emulators/polar-h10-emulator.ts';
import { SerialEyeTrackerEmulator } from '../../firmware-bridge/emulators/serial-eye-tracker-emulator.ts';
import { ACC_HZ, ECG_HZ, VARIANT_MS, type SignalVariant } from './signal-variants.ts';

/** The bytes one wearer's devices send during one tick. Arrays are reused tick after tick. */
export interface TickBytes {
  /** serial eye-tracker stream (COBS frames), possibly several chunks */
  serial: Uint8Array[];
  /** Polar PMD data notifications (ECG, ACC) */
  pmd: Uint8Array[];
  /** Heart Rate Measurement (0x2A37) notifications */
  hrm: Uint8Array[];
  gazeSamples: number;
  otherSamples: number;
}

export function emptyTickBytes(): TickBytes {
  return { serial: [], pmd: [], hrm: [], gazeSamples: 0, otherSamples: 0 };
}

/** H10 clock: µs since 2000-01-01Z; set to 2026-01-01 at bench time 0 */
const H10_CLOCK_AT_ZERO_US = (Date.UTC(2026, 0, 1) - Date.UTC(2000, 0, 1)) * 1000;

/**
 * The device side of one wearer: a serial eye tracker and a Polar H10, as the bytes they send.
 * Samples come from a SignalVariant at this wearer's phase; timestamps run on each device's own
 * clock (boot offset, drift) forever, so the gateway side sees an endless, monotonic stream.
 * Frames are sized like the devices size them: gaze in frames of at most 48 samples sent every
 * tick, ECG in 73-sample and ACC in 36-sample PMD notifications (MTU 232), HR once a second.
 * This is the work the devices do, so benchmarks keep it outside their timed sections.
 *
 * @example
 *   const dev = new WearerDeviceBytes({ variant, phase: 17, seed: 3 });
 *   const tb = emptyTickBytes();
 *   dev.produce(50, tb); // bytes of sim time [0, 50) ms
 */
export class WearerDeviceBytes {
  readonly eyeTracker: SerialEyeTrackerEmulator;
  private readonly h10 = new PolarH10Emulator();
  private readonly hrs = new HrsStrapEmulator({ startMs: 0 });
  private readonly v: SignalVariant;
  private readonly periodMs: number;
  private readonly h10Rate: number;
  private readonly gazePhase: number;
  private readonly ecgPhase: number;
  private readonly accPhase: number;
  private readonly beatPhaseMs: number;
  private k = 0;
  private ecgK = 0;
  private accK = 0;
  private beatK = 0;
  private lastHeartbeatMs = -Infinity;
  private readonly cols: { n: number; t: Float64Array; x: Float32Array; y: Float32Array; pupil: Float32Array; openness: Float32Array; valid: Uint8Array };
  private readonly ecgBuf = new Float64Array(73);
  private readonly accX = new Float64Array(36);
  private readonly accY = new Float64Array(36);
  private readonly accZ = new Float64Array(36);
  private readonly rr: number[] = [];

  constructor(opts: { variant: SignalVariant; phase: number; seed: number; id?: string }) {
    this.v = opts.variant;
    this.periodMs = 1000 / opts.variant.gazeRateHz;
    const frac = (opts.phase % 997) / 997;
    this.gazePhase = Math.floor(frac * opts.variant.gaze.n);
    this.ecgPhase = Math.floor(frac * opts.variant.ecgUv.length);
    this.accPhase = Math.floor(frac * opts.variant.acc.x.length);
    this.beatPhaseMs = frac * VARIANT_MS;
    // seeded clock errors: crystals are tens of ppm off; devices booted at different times
    const drift = ((opts.seed * 7919) % 160) - 80;
    this.eyeTracker = new SerialEyeTrackerEmulator({ deviceId: opts.id ?? `et-${opts.seed}`, sampleRateHz: opts.variant.gazeRateHz, driftPpm: drift, bootOffsetUs: 1e6 + ((opts.seed * 104729) % 3.6e9), units: 'deg' });
    this.h10Rate = 1 + (((opts.seed * 31) % 80) - 40) * 1e-6;
    this.h10.writeControlPoint(H10_ECG_START);
    this.h10.writeControlPoint(H10_ACC_START);
    const cap = Math.ceil(opts.variant.gazeRateHz) + 64;
    this.cols = { n: 0, t: new Float64Array(cap), x: new Float32Array(cap), y: new Float32Array(cap), pupil: new Float32Array(cap), openness: new Float32Array(cap), valid: new Uint8Array(cap) };
  }

  hello(): Uint8Array {
    return this.eyeTracker.hello();
  }

  /** Fills `out` with the bytes for sim time up to t1Ms (clears it first); call with increasing t1Ms. */
  produce(t1Ms: number, out: TickBytes): void {
    out.serial.length = 0;
    out.pmd.length = 0;
    out.hrm.length = 0;
    out.gazeSamples = 0;
    out.otherSamples = 0;
    this.gaze(t1Ms, out);
    if (t1Ms - this.lastHeartbeatMs >= 5000) {
      this.lastHeartbeatMs = t1Ms;
      out.serial.push(this.eyeTracker.heartbeat(90, t1Ms * 1000));
    }
    this.ecg(t1Ms, out);
    this.acc(t1Ms, out);
    this.heart(t1Ms, out);
  }

  private gaze(t1Ms: number, out: TickBytes): void {
    const g = this.v.gaze;
    const last = Math.ceil(t1Ms / this.periodMs);
    const c = this.cols;
    let n = 0;
    for (; this.k < last; this.k++, n++) {
      const j = (this.k + this.gazePhase) % g.n;
      c.t[n] = this.k * this.periodMs * 1000;
      c.x[n] = g.x[j]!;
      c.y[n] = g.y[j]!;
      c.pupil[n] = g.pupil[j]!;
      c.openness[n] = g.openness[j]!;
      c.valid[n] = g.valid[j]!;
    }
    if (n === 0) return;
    c.n = n;
    out.serial.push(this.eyeTracker.gaze(c));
    out.gazeSamples += n;
  }

  private h10Us(simMs: number): number {
    return H10_CLOCK_AT_ZERO_US + simMs * 1000 * this.h10Rate;
  }

  private ecg(t1Ms: number, out: TickBytes): void {
    const per = this.ecgBuf.length;
    const u = this.v.ecgUv;
    // a notification leaves once its last sample has been taken
    while (((this.ecgK + per - 1) * 1000) / ECG_HZ < t1Ms) {
      for (let i = 0; i < per; i++) this.ecgBuf[i] = u[(this.ecgK + i + this.ecgPhase) % u.length]!;
      const lastMs = ((this.ecgK + per - 1) * 1000) / ECG_HZ;
      for (const f of this.h10.ecgFrames(this.h10Us(lastMs), this.ecgBuf, per)) out.pmd.push(f);
      this.ecgK += per;
      out.otherSamples += per;
    }
  }

  private acc(t1Ms: number, out: TickBytes): void {
    const per = this.accX.length;
    const a = this.v.acc;
    const len = a.x.length;
    while (((this.accK + per - 1) * 1000) / ACC_HZ < t1Ms) {
      for (let i = 0; i < per; i++) {
        const j = (this.accK + i + this.accPhase) % len;
        this.accX[i] = a.x[j]!;
        this.accY[i] = a.y[j]!;
        this.accZ[i] = a.z[j]!;
      }
      const lastMs = ((this.accK + per - 1) * 1000) / ACC_HZ;
      for (const f of this.h10.accFrames(this.h10Us(lastMs), this.accX, this.accY, this.accZ, per)) out.pmd.push(f);
      this.accK += per;
      out.otherSamples += per;
    }
  }

  private heart(t1Ms: number, out: TickBytes): void {
    const { beatT, rrMs } = this.v;
    if (beatT.length === 0) return;
    // beats of the variant, repeated every minute, at this wearer's phase
    for (;;) {
      const loop = Math.floor(this.beatK / beatT.length);
      const t = beatT[this.beatK % beatT.length]! + loop * VARIANT_MS - this.beatPhaseMs;
      if (t >= t1Ms) break;
      if (t >= 0) this.rr.push(rrMs[this.beatK % beatT.length]!);
      this.beatK++;
    }
    const notes = this.hrs.notifications(this.rr, this.rr.length, t1Ms);
    this.rr.length = 0;
    for (const n of notes) out.hrm.push(n.bytes);
  }
}
