/**
 * Exponential reconnect delays: initial, ×2 each failure, capped; reset once connected.
 * Cost: O(1) per call.
 *
 * @example const b = new ReconnectBackoff(500, 30000); b.next(); // 500, then 1000, 2000, ...
 */
export class ReconnectBackoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  /** failed attempts since the last reset */
  attempt = 0;

  constructor(initialMs: number, maxMs: number) {
    if (!(initialMs > 0) || !(maxMs >= initialMs)) throw new RangeError('backoff needs 0 < initialMs <= maxMs');
    this.initialMs = initialMs;
    this.maxMs = maxMs;
  }

  /** The delay before the next attempt; counts the attempt. */
  next(): number {
    const d = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return d;
  }

  reset(): void {
    this.attempt = 0;
  }
}
