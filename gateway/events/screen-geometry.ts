/**
 * Screen pixels to degrees of visual angle, for screen-based trackers that report pixels.
 * Per axis: deg = atan(offset from the screen centre in metres / viewing distance), the eye
 * facing the screen centre (Holmqvist et al. 2011, "Eye Tracking", ch. 2 on visual angle).
 * Per-axis angles are exact along the axes and within 1 % for the diagonal steps between
 * neighbouring samples, which is what velocities need.
 *
 * Cost: two atan per point.
 *
 * @example
 *   const g = new ScreenGeometry({ widthM: 0.38, heightM: 0.30, widthPx: 1024, heightPx: 768, distanceM: 0.67 });
 *   g.xDeg(512); // 0 (screen centre)
 *   g.toDegrees(xPx, yPx, xDeg, yDeg, n); // columnar, NaN stays NaN
 */
export interface ScreenGeometryOptions {
  widthM: number;
  heightM: number;
  widthPx: number;
  heightPx: number;
  distanceM: number;
}

const RAD2DEG = 180 / Math.PI;

export class ScreenGeometry {
  readonly widthM: number;
  readonly heightM: number;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly distanceM: number;
  private readonly mPerPxX: number;
  private readonly mPerPxY: number;

  constructor(o: ScreenGeometryOptions) {
    for (const [k, v] of Object.entries(o)) {
      if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new RangeError(`screen geometry: ${k} must be a positive number (got ${String(v)})`);
    }
    this.widthM = o.widthM;
    this.heightM = o.heightM;
    this.widthPx = o.widthPx;
    this.heightPx = o.heightPx;
    this.distanceM = o.distanceM;
    this.mPerPxX = o.widthM / o.widthPx;
    this.mPerPxY = o.heightM / o.heightPx;
  }

  /** Horizontal visual angle (deg, right positive) of a pixel column measured from the left edge. */
  xDeg(px: number): number {
    return Math.atan(((px - this.widthPx / 2) * this.mPerPxX) / this.distanceM) * RAD2DEG;
  }

  /** Vertical visual angle (deg, down positive as pixel rows are) of a pixel row measured from the top. */
  yDeg(py: number): number {
    return Math.atan(((py - this.heightPx / 2) * this.mPerPxY) / this.distanceM) * RAD2DEG;
  }

  /** Degrees per pixel at the screen centre (horizontal, vertical). */
  degPerPxAtCentre(): [number, number] {
    return [this.xDeg(this.widthPx / 2 + 0.5) - this.xDeg(this.widthPx / 2 - 0.5), this.yDeg(this.heightPx / 2 + 0.5) - this.yDeg(this.heightPx / 2 - 0.5)];
  }

  /** Converts n points in place or into other arrays; NaN (lost) stays NaN. */
  toDegrees(xPx: ArrayLike<number>, yPx: ArrayLike<number>, xDeg: Float64Array | Float32Array, yDeg: Float64Array | Float32Array, n: number): void {
    for (let i = 0; i < n; i++) {
      xDeg[i] = this.xDeg(xPx[i]!);
      yDeg[i] = this.yDeg(yPx[i]!);
    }
  }
}

/** The Lund 2013 recording set-up (Andersson et al. 2017): 0.38 x 0.30 m, 1024 x 768 px, 0.67 m. */
export const LUND_2013_SCREEN: ScreenGeometryOptions = { widthM: 0.38, heightM: 0.3, widthPx: 1024, heightPx: 768, distanceM: 0.67 };
