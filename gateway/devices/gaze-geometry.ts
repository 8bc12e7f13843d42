import { VisualAngle } from '../../firmware-bridge/geometry/visual-angle.ts';
import type { DeviceGeometry } from '../../firmware-bridge/serial/protocol.ts';
import type { GeometryConfig } from '../config/schema.ts';

/**
 * The VisualAngle a device's config asks for: a screen or a scene camera; null for `norm` (keep
 * normalised coordinates, declared as such) and for `device` (the device says: see helloAngle).
 *
 * @example const va = configuredAngle(device.geometry); if (va) va.toDegreesInPlace(batch);
 */
export function configuredAngle(g: GeometryConfig): VisualAngle | null {
  if (g.type === 'scene-camera') return VisualAngle.fromSceneCamera(g);
  if (g.type !== 'screen') return null;
  if (g.widthMm !== undefined && g.heightMm !== undefined) return VisualAngle.fromScreen({ widthMm: g.widthMm, heightMm: g.heightMm, distanceMm: g.distanceMm });
  if (g.diagonalIn !== undefined && g.resolution !== undefined) return VisualAngle.fromScreenDiagonal({ diagonalIn: g.diagonalIn, resolution: g.resolution, distanceMm: g.distanceMm });
  throw new RangeError('screen geometry needs widthMm + heightMm or diagonalIn + resolution'); // the config rules refuse this first
}

/**
 * The VisualAngle a serial HELLO declares (PROTOCOL.md §5.1: screen g0/g1/g2 = width, height,
 * distance mm; scene camera g0/g1 = FOV deg), or null when it declares none or nonsense (then
 * normalised gaze stays 'norm', declared as such, rather than degrees from made-up numbers).
 */
export function helloAngle(g: DeviceGeometry): VisualAngle | null {
  try {
    if (g.kind === 'screen') return VisualAngle.fromScreen({ widthMm: g.g0, heightMm: g.g1, distanceMm: g.g2 });
    if (g.kind === 'scene_camera') return VisualAngle.fromSceneCamera({ hFovDeg: g.g0, vFovDeg: g.g1 });
  } catch {
    return null;
  }
  return null;
}
