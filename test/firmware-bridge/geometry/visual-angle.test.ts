import t from 'tap';
import fc from 'fast-check';
import { VisualAngle } from '../../../firmware-bridge/geometry/visual-angle.ts';
import type { GazeBatch } from '../../../gateway/core/types.ts';

const close = (a: number, b: number, eps = 1e-4) => Math.abs(a - b) < eps;

function batch(xs: number[], ys: number[], units: 'norm' | 'deg' = 'norm'): GazeBatch {
  const n = xs.length;
  return { kind: 'gaze', device: 'd', clock: 'gateway', units, n, t: new Float64Array(n), x: Float32Array.from(xs), y: Float32Array.from(ys), pupil: new Float32Array(n), openness: new Float32Array(n), valid: new Uint8Array(n).fill(1) };
}

t.test('a screen: V = 2·atan(S / 2D), worked by hand', async (t) => {
  // 531 x 299 mm (a 24" 16:9 panel) at 650 mm: 2·atan(531/1300) = 44.44°, 2·atan(299/1300) = 25.91°
  const va = VisualAngle.fromScreen({ widthMm: 531, heightMm: 299, distanceMm: 650 });
  t.ok(close(va.extentDeg.x, 2 * Math.atan(531 / 1300) * (180 / Math.PI)));
  t.ok(close(va.extentDeg.x, 44.4363, 1e-3), `width ${va.extentDeg.x}`);
  t.ok(close(va.extentDeg.y, 25.9055, 1e-3), `height ${va.extentDeg.y}`);
  t.equal(va.xDeg(0.5), 0, 'centre is 0');
  t.ok(close(va.xDeg(1), 22.2181, 1e-3), 'right edge: half the width angle');
  t.ok(close(va.xDeg(0), -22.2181, 1e-3), 'left edge negative');
  t.ok(close(va.yDeg(0), 12.9528, 1e-3), 'top edge is up, positive');
  // a quarter of the way across: atan(0.5 · 265.5 / 650) = atan(0.20423) = 11.543°
  t.ok(close(va.xDeg(0.75), 11.5428, 1e-3), `x 0.75 -> ${va.xDeg(0.75)}`);
});

t.test('a screen by its diagonal and resolution is the same screen', async (t) => {
  // 24" at 16:9: width = 24 · 25.4 · 16/√337 = 531.3 mm, height 298.9 mm
  const byDiag = VisualAngle.fromScreenDiagonal({ diagonalIn: 24, resolution: [1920, 1080], distanceMm: 650 });
  const bySize = VisualAngle.fromScreen({ widthMm: (24 * 25.4 * 16) / Math.sqrt(337), heightMm: (24 * 25.4 * 9) / Math.sqrt(337), distanceMm: 650 });
  t.ok(close(byDiag.extentDeg.x, bySize.extentDeg.x, 1e-9));
  t.ok(close(byDiag.extentDeg.y, bySize.extentDeg.y, 1e-9));
});

t.test('a scene camera: the edges of the image are at half the field of view', async (t) => {
  const va = VisualAngle.fromSceneCamera({ hFovDeg: 99, vFovDeg: 53 });
  t.ok(close(va.extentDeg.x, 99, 1e-9));
  t.ok(close(va.extentDeg.y, 53, 1e-9));
  t.ok(close(va.xDeg(1), 49.5, 1e-9));
  t.ok(close(va.yDeg(1), -26.5, 1e-9), 'bottom edge is down, negative');
  // pinhole: x = 0.75 is atan(0.5 · tan 49.5°) = 30.35°, not 24.75° (a linear map would be wrong)
  t.ok(close(va.xDeg(0.75), Math.atan(0.5 * Math.tan((49.5 * Math.PI) / 180)) * (180 / Math.PI), 1e-9));
  t.ok(close(va.xDeg(0.75), 30.3458, 1e-3), `${va.xDeg(0.75)}`);
});

t.test('batches convert in place; deg batches are left alone', async (t) => {
  const va = VisualAngle.fromSceneCamera({ hFovDeg: 90, vFovDeg: 90 });
  const b = batch([0.5, 1, 0], [0.5, 0, 1]);
  va.toDegreesInPlace(b);
  t.equal(b.units, 'deg');
  t.same(Array.from(b.x).map((v) => Math.round(v * 1000) / 1000), [0, 45, -45]);
  t.same(Array.from(b.y).map((v) => Math.round(v * 1000) / 1000), [0, 45, -45]);
  const d = batch([3], [4], 'deg');
  va.toDegreesInPlace(d);
  t.same([d.x[0], d.y[0]], [3, 4]);
});

t.test('property: monotonic, odd about the centre, bounded by half the extent inside the screen', async (t) => {
  fc.assert(
    fc.property(fc.double({ min: 10, max: 2000, noNaN: true }), fc.double({ min: 10, max: 2000, noNaN: true }), fc.double({ min: 100, max: 3000, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (w, h, d, a, b) => {
      const va = VisualAngle.fromScreen({ widthMm: w, heightMm: h, distanceMm: d });
      const [lo, hi] = a < b ? [a, b] : [b, a];
      if (va.xDeg(lo) > va.xDeg(hi) + 1e-12) return false;
      if (!close(va.xDeg(lo), -va.xDeg(1 - lo), 1e-9)) return false;
      return Math.abs(va.xDeg(lo)) <= va.extentDeg.x / 2 + 1e-9 && Math.abs(va.yDeg(lo)) <= va.extentDeg.y / 2 + 1e-9;
    }),
  );
});

t.test('bad geometry is refused in the constructor', async (t) => {
  t.throws(() => VisualAngle.fromScreen({ widthMm: 0, heightMm: 10, distanceMm: 10 }), RangeError);
  t.throws(() => VisualAngle.fromScreen({ widthMm: 10, heightMm: 10, distanceMm: NaN }), RangeError);
  t.throws(() => VisualAngle.fromSceneCamera({ hFovDeg: 180, vFovDeg: 10 }), RangeError);
  t.throws(() => VisualAngle.fromScreenDiagonal({ diagonalIn: 24, resolution: [0, 1080], distanceMm: 600 }), RangeError);
});
