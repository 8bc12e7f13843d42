/**
 * Even-odd rule point-in-polygon test over a flat vertex array [x0, y0, x1, y1, ...]
 * (W. R. Franklin's crossing test, a textbook method). Cost: O(vertices), no allocation.
 */
export function pointInPolygon(px: number, py: number, xy: Float64Array): boolean {
  let inside = false;
  const n = xy.length >> 1;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = xy[2 * i]!;
    const yi = xy[2 * i + 1]!;
    const xj = xy[2 * j]!;
    const yj = xy[2 * j + 1]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
