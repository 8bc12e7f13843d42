import { heartRateToBatches, parseHeartRateMeasurement } from '../../firmware-bridge/ble/heart-rate-measurement.ts';
import { PmdFrameDecoder } from '../../firmware-bridge/ble/pmd-data-frame.ts';
import { ClockSync } from '../../firmware-bridge/clock/clock-sync.ts';
import { FrameDecoder } from '../../firmware-bridge/serial/frame-decoder.ts';
import type { ErrorCounter } from '../../gateway/core/errors.ts';
import type { SampleBatch, WearerId } from '../../gateway/core/types.ts';
import { ACC_HZ, ECG_HZ } from './signal-variants.ts';
import type { TickBytes } from './wearer-device-bytes.ts';

/**
 * The gateway side of one wearer's devices, as the live runtimes do it: the serial stream goes
 * through the FrameDecoder, PMD notifications through the PmdFrameDecoder, 0x2A37 through the
 * Heart Rate Measurement parser, and device clocks are mapped to gateway time by ClockSync, one
 * per device. Every resulting batch goes to `sink`. This is what benchmarks time as "decode".
 *
 * @example
 *   const link = new WearerLink({ wearer: 'op-b001', errors, sink: (w, b) => fleet.ingest(w, b) });
 *   link.receive(tickBytes, nowMs);
 */
export class WearerLink {
  readonly wearer: WearerId;
  private readonly serial: FrameDecoder;
  private readonly pmd: PmdFrameDecoder;
  private readonly gazeSync = new ClockSync();
  private readonly h10Sync = new ClockSync();
  private readonly sink: (wearer: WearerId, b: SampleBatch) => void;
  private readonly h10Id: string;
  private readonly errors: ErrorCounter;
  private nowMs = 0;
  /** gateway time (after clock sync) of the newest gaze sample decoded so far */
  lastGazeGw = NaN;

  constructor(opts: { wearer: WearerId; index: number; errors: ErrorCounter; sink: (wearer: WearerId, b: SampleBatch) => void }) {
    this.wearer = opts.wearer;
    this.sink = opts.sink;
    this.errors = opts.errors;
    this.h10Id = `h10-${opts.index}`;
    this.serial = new FrameDecoder({
      device: `et-${opts.index}`,
      errors: opts.errors,
      onMessage: (m) => {
        if (m.type !== 'gaze') return;
        const b = m.batch;
        this.gazeSync.observeArrival(b.t[b.n - 1]!, this.nowMs);
        this.gazeSync.toGatewayInPlace(b.t, b.n);
        b.clock = 'gateway';
        this.lastGazeGw = b.t[b.n - 1]!;
        this.sink(this.wearer, b);
      },
    });
    this.pmd = new PmdFrameDecoder({ device: this.h10Id, errors: opts.errors, ecgRateHz: ECG_HZ, accRateHz: ACC_HZ });
  }

  /** Bytes that arrived at gateway time nowMs. */
  receive(tb: TickBytes, nowMs: number): void {
    this.nowMs = nowMs;
    for (let i = 0; i < tb.serial.length; i++) this.serial.push(tb.serial[i]!);
    for (let i = 0; i < tb.pmd.length; i++) {
      const b = this.pmd.decode(tb.pmd[i]!);
      if (!b) continue;
      this.h10Sync.observeArrival(b.t[b.n - 1]!, nowMs);
      this.h10Sync.toGatewayInPlace(b.t, b.n);
      b.clock = 'gateway';
      this.sink(this.wearer, b);
    }
    for (let i = 0; i < tb.hrm.length; i++) {
      const m = parseHeartRateMeasurement(tb.hrm[i]!, this.errors);
      if (!m) continue;
      const { hr, rr } = heartRateToBatches(m, this.h10Id, nowMs);
      this.sink(this.wearer, hr);
      if (rr) this.sink(this.wearer, rr);
    }
  }

  /** The serial decoder, for feeding the HELLO before the stream. */
  pushSerial(bytes: Uint8Array): void {
    this.serial.push(bytes);
  }
}
