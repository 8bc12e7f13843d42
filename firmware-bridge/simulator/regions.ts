/**
 * Gaze regions of the simulated wearers, in degrees of visual angle from straight ahead (x to the
 * right, y up). Both are axis-aligned rectangles, written as polygons for the gateway's AOI
 * config.
 */

/**
 * "Road ahead" of an in-plant vehicle driver: x in [-20, 20], y in [-10, 10]. ±20° horizontally
 * is roughly the forward field of the windscreen that driver-monitoring protocols treat as the
 * road (Euro NCAP Assessment Protocol - Safety Assist, driver state monitoring; the exact
 * region is the OEM's to define); ±10° vertically the band between dashboard and roof line.
 * Deployments draw their own polygons in the config; the demo uses this one.
 */
export const ROAD_AHEAD_POLYGON_DEG: readonly [number, number][] = [
  [-20, -10],
  [20, -10],
  [20, 10],
  [-20, 10],
];

/**
 * Workpiece of an operator at a bench: below eye level, x in [-18, 18], y in [-25, 2]
 * (assumed geometry: a ~60 cm wide workpiece at arm's length, looked down at).
 */
export const WORKPIECE_POLYGON_DEG: readonly [number, number][] = [
  [-18, -25],
  [18, -25],
  [18, 2],
  [-18, 2],
];

/** An axis-aligned rectangle; `inside` includes the border, as point-in-polygon tests usually do. */
export class GazeRect {
  readonly xMin: number;
  readonly xMax: number;
  readonly yMin: number;
  readonly yMax: number;

  constructor(polygon: readonly (readonly [number, number])[]) {
    if (polygon.length < 3) throw new RangeError('a region needs at least 3 corners');
    this.xMin = Math.min(...polygon.map((p) => p[0]));
    this.xMax = Math.max(...polygon.map((p) => p[0]));
    this.yMin = Math.min(...polygon.map((p) => p[1]));
    this.yMax = Math.max(...polygon.map((p) => p[1]));
  }

  inside(x: number, y: number, margin = 0): boolean {
    return x >= this.xMin - margin && x <= this.xMax + margin && y >= this.yMin - margin && y <= this.yMax + margin;
  }

  /**
   * Where a straight path from (x0, y0) to (x1, y1) crosses the border, as a fraction 0..1 of the
   * path: leaving when it starts inside, entering when it starts outside. 0 when it starts on
   * the side it ends on.
   */
  crossing(x0: number, y0: number, x1: number, y1: number): number {
    const in0 = this.inside(x0, y0);
    if (in0 === this.inside(x1, y1)) return 0;
    if (in0) {
      let u = 1;
      if (x1 > this.xMax) u = Math.min(u, (this.xMax - x0) / (x1 - x0));
      if (x1 < this.xMin) u = Math.min(u, (this.xMin - x0) / (x1 - x0));
      if (y1 > this.yMax) u = Math.min(u, (this.yMax - y0) / (y1 - y0));
      if (y1 < this.yMin) u = Math.min(u, (this.yMin - y0) / (y1 - y0));
      return u;
    }
    let u = 0;
    if (x0 > this.xMax) u = Math.max(u, (this.xMax - x0) / (x1 - x0));
    if (x0 < this.xMin) u = Math.max(u, (this.xMin - x0) / (x1 - x0));
    if (y0 > this.yMax) u = Math.max(u, (this.yMax - y0) / (y1 - y0));
    if (y0 < this.yMin) u = Math.max(u, (this.yMin - y0) / (y1 - y0));
    return u;
  }
}
