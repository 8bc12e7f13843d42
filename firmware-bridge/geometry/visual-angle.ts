/**
 * Normalised gaze (fractions of a screen, or of a scene-camera image; 0..1, origin top left) to
 * degrees of visual angle, per axis: right and up positive, 0 at the centre (the convention of
 * the serial protocol's `deg` units, PROTOCOL.md §5.2).
 *
 * The visual angle of an object of size S seen from distance D is V = 2·atan(S / 2D) (the
 * standard definition; e.g. Holmqvist et al. 2011, "Eye Tracking: A Comprehensive Guide to
 * Methods and Measures", Oxford University Press; Wikipedia "Visual angle"). So a screen W mm
 * wide at D mm spans 2·atan(W / 2D), and a point at fraction f of it lies at atan((2f − 1)·W / 2D)
 * from the centre. A pinhole scene camera with horizontal field of view F is the same picture
 * with W / 2D = tan(F / 2). Both reduce to one number per axis, the tangent of the half extent,
 * so one class serves screens and cameras.
 *
 * Assumptions, stated plainly: the eye sits on the perpendicular through the screen centre (a
 * desk setup with the user in front of the screen centre), and the scene camera has no lens
 * distortion (Pupil Core's wide-angle lens does distort toward the image corners; degrees there
 * are approximate). Values outside 0..1 (gaze off the screen/image) convert by the same formula.
 *
 * Cost: two atan per sample, in place over the batch's columns; no allocation.
 *
 * @example
 *   const va = VisualAngle.fromScreen({ widthMm: 531, heightMm: 299, distanceMm: 650 });
 *   va.extentDeg;             // { x: 44.4, y: 25.9 }: the whole screen
 *   va.toDegreesInPlace(batch); // batch.units 'norm' -> 'deg'
 */
import type { GazeBatch } from '../../gateway/core/types.ts';

export interface ScreenGeometry {
  widthMm: number;
  heightMm: number;
  /** eye to screen, mm */
  distanceMm: number;
}

export interface SceneCameraGeometry {
  /** full horizontal / vertical field of view of the scene camera, degrees (0, 180) */
  hFovDeg: number;
  vFovDeg: number;
}

const DEG = 180 / Math.PI;

export class VisualAngle {
  /** tan of half the horizontal / vertical extent */
  private readonly tx: number;
  private readonly ty: number;

  private constructor(tx: number, ty: number) {
    this.tx = tx;
    this.ty = ty;
  }

  static fromScreen(s: ScreenGeometry): VisualAngle {
    for (const k of ['widthMm', 'heightMm', 'distanceMm'] as const) {
      if (!(Number.isFinite(s?.[k]) && s[k] > 0)) throw new RangeError(`VisualAngle.fromScreen: ${k} must be a positive number, got ${s?.[k]}`);
    }
    return new VisualAngle(s.widthMm / (2 * s.distanceMm), s.heightMm / (2 * s.distanceMm));
  }

  /**
   * A screen known by its diagonal (inches, as sold) and its pixel resolution (for the aspect
   * ratio, square pixels assumed): width = diagonal · 25.4 · resX / √(resX² + resY²).
   */
  static fromScreenDiagonal(s: { diagonalIn: number; resolution: readonly [number, number]; distanceMm: number }): VisualAngle {
    const [rx, ry] = s.resolution ?? [NaN, NaN];
    if (!(s.diagonalIn > 0) || !(rx! > 0) || !(ry! > 0)) throw new RangeError('VisualAngle.fromScreenDiagonal: diagonalIn and both resolution values must be positive');
    const d = s.diagonalIn * 25.4;
    const hyp = Math.hypot(rx!, ry!);
    return VisualAngle.fromScreen({ widthMm: (d * rx!) / hyp, heightMm: (d * ry!) / hyp, distanceMm: s.distanceMm });
  }

  static fromSceneCamera(c: SceneCameraGeometry): VisualAngle {
    for (const k of ['hFovDeg', 'vFovDeg'] as const) {
      if (!(c?.[k] > 0 && c[k] < 180)) throw new RangeError(`VisualAngle.fromSceneCamera: ${k} must be in (0, 180), got ${c?.[k]}`);
    }
    return new VisualAngle(Math.tan(c.hFovDeg / 2 / DEG), Math.tan(c.vFovDeg / 2 / DEG));
  }

  /** Full extent of the screen / image, degrees: 2·atan(S / 2D) per axis. */
  get extentDeg(): { x: number; y: number } {
    return { x: 2 * Math.atan(this.tx) * DEG, y: 2 * Math.atan(this.ty) * DEG };
  }

  /** Horizontal angle of a normalised x (0 = left edge), degrees, right positive. */
  xDeg(fx: number): number {
    return Math.atan((2 * fx - 1) * this.tx) * DEG;
  }

  /** Vertical angle of a normalised y (0 = top edge), degrees, up positive. */
  yDeg(fy: number): number {
    return Math.atan((1 - 2 * fy) * this.ty) * DEG;
  }

  /** Converts a 'norm' batch to 'deg' in place; a batch already in 'deg' is left alone. */
  toDegreesInPlace(b: GazeBatch): void {
    if (b.units === 'deg') return;
    const { x, y } = b;
    const tx = this.tx;
    const ty = this.ty;
    for (let i = 0; i < b.n; i++) {
      x[i] = Math.atan((2 * x[i]! - 1) * tx) * DEG;
      y[i] = Math.atan((1 - 2 * y[i]!) * ty) * DEG;
    }
    b.units = 'deg';
  }
}
