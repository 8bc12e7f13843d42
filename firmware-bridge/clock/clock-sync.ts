/**
 * Maps a device clock (µs) to gateway monotonic time (ms): gateway = a + b * device.
 *
 * Two kinds of observation:
 * - Arrivals: (device time of a sample, gateway time it arrived). The arrival is late by a
 *   transport delay that is never negative, so every point lies on or above the true line.
 *   The fit is the lower-envelope line of Moon, Skelly & Towsley (1999), "Estimation and
 *   removal of clock skew from network delay measurements": the line below all points that
 *   minimises the summed distance to them, which is the lower-convex-hull edge spanning the
 *   mean device time. Late outliers cannot pull it; what remains is the minimum delay.
 * - NTP-style exchanges (RFC 5905 §8): the gateway sent at t1, the device received at t2 and
 *   answered at t3, the gateway received at t4. With a symmetric path the midpoints are
 *   unbiased; those with the smallest round-trip delay are the most accurate (Mills), so the
 *   fit is least squares over the exchanges whose delay is at or below the median.
 * Exchanges win when present. Drift of 100 ppm is 0.1 ms/s: the rate is estimated, not assumed.
 *
 * Cost: O(1) per observation; a refit every `refitEvery` observations is O(window log window).
 *
 * @example
 *   const sync = new ClockSync();
 *   sync.observeArrival(deviceUs, gatewayMs);
 *   const tGw = sync.toGateway(deviceUs2);
 */
export class ClockSync {
  private readonly capacity: number;
  private readonly refitEvery: number;
  private readonly arrivals: PointRing;
  private readonly exchanges: PointRing;
  private sinceFit = 0;
  private devRef = NaN;
  // fit: gw = a + b * (dev - devRef); devRef keeps the numbers small for float precision
  private a = NaN;
  private b = 1e-3;

  constructor(opts: { window?: number; refitEvery?: number } = {}) {
    const window = opts.window ?? 256;
    const refitEvery = opts.refitEvery ?? 8;
    if (!Number.isInteger(window) || window < 4) throw new RangeError('ClockSync window must be an integer >= 4');
    if (!Number.isInteger(refitEvery) || refitEvery < 1) throw new RangeError('ClockSync refitEvery must be an integer >= 1');
    this.capacity = window;
    this.refitEvery = refitEvery;
    this.arrivals = new PointRing(window);
    this.exchanges = new PointRing(window);
  }

  /** A sample (or batch) with device time `deviceUs` arrived at gateway time `gatewayMs`. */
  observeArrival(deviceUs: number, gatewayMs: number): void {
    if (!Number.isFinite(deviceUs) || !Number.isFinite(gatewayMs)) return;
    this.anchor(deviceUs);
    this.arrivals.push(deviceUs - this.devRef, gatewayMs, 0);
    this.maybeRefit();
  }

  /** One NTP-style exchange: t1, t4 gateway ms; t2, t3 device µs. */
  observeExchange(t1Ms: number, t2Us: number, t3Us: number, t4Ms: number): void {
    if (![t1Ms, t2Us, t3Us, t4Ms].every(Number.isFinite)) return;
    const delayMs = t4Ms - t1Ms - (t3Us - t2Us) / 1000;
    if (delayMs < 0) return;
    this.anchor(t2Us);
    this.exchanges.push((t2Us + t3Us) / 2 - this.devRef, (t1Ms + t4Ms) / 2, delayMs);
    this.maybeRefit();
  }

  /** True once at least one observation has been fitted. */
  get ready(): boolean {
    return !Number.isNaN(this.a);
  }

  /** Estimated rate of the device clock against the gateway's, in ppm (positive = device fast). */
  get driftPpm(): number {
    return this.ready ? (1e-3 / this.b - 1) * 1e6 : 0;
  }

  toGateway(deviceUs: number): number {
    return this.a + this.b * (deviceUs - this.devRef);
  }

  /** Converts a column of device times (µs) to gateway times (ms) in place. */
  toGatewayInPlace(t: Float64Array, n: number): void {
    const a = this.a;
    const b = this.b;
    const ref = this.devRef;
    for (let i = 0; i < n; i++) t[i] = a + b * (t[i]! - ref);
  }

  private anchor(deviceUs: number): void {
    if (Number.isNaN(this.devRef)) this.devRef = deviceUs;
  }

  private maybeRefit(): void {
    this.sinceFit++;
    if (this.ready && this.sinceFit < this.refitEvery) return;
    this.sinceFit = 0;
    const fit = this.exchanges.count >= 2 ? fitExchanges(this.exchanges) : fitLowerEnvelope(this.arrivals);
    if (fit) [this.a, this.b] = fit;
  }

  /** Window size, for diagnostics. */
  get window(): number {
    return this.capacity;
  }
}

/** Fixed-capacity ring of (x = device µs rel., y = gateway ms, w = delay ms) points. */
class PointRing {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
  count = 0;
  private head = 0;
  constructor(capacity: number) {
    this.x = new Float64Array(capacity);
    this.y = new Float64Array(capacity);
    this.w = new Float64Array(capacity);
  }
  push(x: number, y: number, w: number): void {
    this.x[this.head] = x;
    this.y[this.head] = y;
    this.w[this.head] = w;
    this.head = (this.head + 1) % this.x.length;
    if (this.count < this.x.length) this.count++;
  }
}

const NOMINAL_RATE = 1e-3; // ms per µs
const MIN_SPAN_FOR_RATE_US = 1e6; // below 1 s of device time the rate is not observable

function fitLowerEnvelope(p: PointRing): [number, number] | null {
  const n = p.count;
  if (n === 0) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => p.x[i]! - p.x[j]! || p.y[i]! - p.y[j]!);
  const span = p.x[order[n - 1]!]! - p.x[order[0]!]!;
  if (span < MIN_SPAN_FOR_RATE_US) {
    let a = Infinity;
    for (let i = 0; i < n; i++) a = Math.min(a, p.y[i]! - NOMINAL_RATE * p.x[i]!);
    return [a, NOMINAL_RATE];
  }
  // Andrew's monotone chain, lower hull only
  const hull: number[] = [];
  for (const i of order) {
    while (hull.length >= 2) {
      const o = hull[hull.length - 2]!;
      const a = hull[hull.length - 1]!;
      const cross = (p.x[a]! - p.x[o]!) * (p.y[i]! - p.y[o]!) - (p.y[a]! - p.y[o]!) * (p.x[i]! - p.x[o]!);
      if (cross <= 0) hull.pop();
      else break;
    }
    hull.push(i);
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += p.x[i]!;
  mean /= n;
  for (let k = 0; k + 1 < hull.length; k++) {
    const i = hull[k]!;
    const j = hull[k + 1]!;
    if (p.x[j]! >= mean || k + 2 === hull.length) {
      const dx = p.x[j]! - p.x[i]!;
      const b = dx > 0 ? (p.y[j]! - p.y[i]!) / dx : NOMINAL_RATE;
      return [p.y[i]! - b * p.x[i]!, b];
    }
  }
  return [p.y[hull[0]!]! - NOMINAL_RATE * p.x[hull[0]!]!, NOMINAL_RATE];
}

function fitExchanges(p: PointRing): [number, number] | null {
  const n = p.count;
  const delays = Float64Array.from(p.w.subarray(0, n)).sort();
  const cut = delays[(n - 1) >> 1]!;
  let m = 0;
  let sx = 0;
  let sy = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (p.w[i]! > cut) continue;
    sx += p.x[i]!;
    sy += p.y[i]!;
    lo = Math.min(lo, p.x[i]!);
    hi = Math.max(hi, p.x[i]!);
    m++;
  }
  const mx = sx / m;
  const my = sy / m;
  if (hi - lo < MIN_SPAN_FOR_RATE_US) return [my - NOMINAL_RATE * mx, NOMINAL_RATE];
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    if (p.w[i]! > cut) continue;
    const dx = p.x[i]! - mx;
    sxx += dx * dx;
    sxy += dx * (p.y[i]! - my);
  }
  const b = sxy / sxx;
  return [my - b * mx, b];
}
