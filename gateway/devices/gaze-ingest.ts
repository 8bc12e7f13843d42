import { ClockSync } from '../../firmware-bridge/clock/clock-sync.ts';
import type { VisualAngle } from '../../firmware-bridge/geometry/visual-angle.ts';
import type { GazeBatch, WearerId } from '../core/types.ts';
import { LinkHealth, type BatchSink } from './device-runtime.ts';

/**
 * The one way an eye-tracker runtime hands a decoded batch to the pipeline, whatever the
 * transport: device clock → gateway ms (ClockSync, fed the batch's arrival; exchanges are fed by
 * the runtime), normalised gaze → degrees when a geometry is known, health counters, then the
 * sink. So serial, Gazepoint and Pupil Core batches leave in the same clock and units.
 * Cost: O(n) per batch (one pass for the clock, one for degrees, one for validity).
 *
 * @example
 *   const ingest = new GazeIngest({ wearer: 'op-7f3a', sink, angle: VisualAngle.fromScreen(screen) });
 *   link.onBatch = (b, atMs) => ingest.deliver(b, atMs);
 */
export class GazeIngest {
  readonly sync: ClockSync;
  readonly health = new LinkHealth();
  private readonly wearer: WearerId;
  private readonly sink: BatchSink;
  private angle: VisualAngle | null;

  constructor(opts: { wearer: WearerId; sink: BatchSink; angle: VisualAngle | null; sync?: ClockSync }) {
    if (typeof opts?.wearer !== 'string' || opts.wearer === '') throw new TypeError('GazeIngest needs a wearer');
    if (typeof opts.sink !== 'function') throw new TypeError('GazeIngest needs a sink');
    this.wearer = opts.wearer;
    this.sink = opts.sink;
    this.angle = opts.angle;
    this.sync = opts.sync ?? new ClockSync();
  }

  /** Geometry learnt later (a serial HELLO); null keeps normalised batches 'norm'. */
  setAngle(angle: VisualAngle | null): void {
    this.angle = angle;
  }

  /** A batch that arrived at gateway time `atMs`; mutated in place and handed to the sink. */
  deliver(b: GazeBatch, atMs: number): void {
    const n = b.n;
    if (n === 0) return;
    if (b.clock === 'device') {
      // the batch arrived now; its last sample was taken at most one transport delay earlier
      this.sync.observeArrival(b.t[n - 1]!, atMs);
      this.sync.toGatewayInPlace(b.t, n);
      b.clock = 'gateway';
    }
    if (this.angle && b.units === 'norm') this.angle.toDegreesInPlace(b);
    let valid = 0;
    for (let i = 0; i < n; i++) valid += b.valid[i]!;
    this.health.batch(atMs, n, valid);
    this.sink(this.wearer, b);
  }
}
