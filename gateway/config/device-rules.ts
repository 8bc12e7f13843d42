import { AfgError } from '../core/errors.ts';
import type { DeviceConfig } from './schema.ts';

/** Transports each device kind can use; `simulated` devices come from the scenario instead. */
export const TRANSPORTS_OF_KIND: Record<DeviceConfig['kind'], readonly DeviceConfig['transport']['type'][]> = {
  'serial-eye-tracker': ['serial', 'simulated'],
  'gazepoint-gp3': ['tcp', 'simulated'],
  'pupil-core': ['zmq', 'simulated'],
  'hrs-strap': ['ble', 'simulated'],
  'polar-h10': ['ble', 'simulated'],
};

/**
 * Rules between a device's fields that the schema cannot say: a kind on a transport it can use,
 * a serial port to find, and a geometry that turns the tracker's gaze into degrees. Throws
 * AFG_E_CONFIG_INVALID naming the field (`at` is the device's JSON pointer).
 *
 * @example checkDeviceRules(cfg.wearers[0].devices[0], '/wearers/0/devices/0');
 */
export function checkDeviceRules(d: DeviceConfig, at: string): void {
  const tr = d.transport;
  if (!TRANSPORTS_OF_KIND[d.kind].includes(tr.type)) {
    throw invalid(`${at}/transport/type`, `is '${tr.type}', but a ${d.kind} uses ${TRANSPORTS_OF_KIND[d.kind].filter((x) => x !== 'simulated').join(' or ')}`);
  }
  if (tr.type === 'serial' && tr.path === undefined && (tr.vendorId === undefined || tr.productId === undefined)) {
    throw invalid(`${at}/transport`, 'needs a path, or both vendorId and productId');
  }
  const g = d.geometry;
  if (g.type === 'screen') {
    const bySize = g.widthMm !== undefined || g.heightMm !== undefined;
    const byDiagonal = g.diagonalIn !== undefined;
    if (bySize && byDiagonal) throw invalid(`${at}/geometry`, 'gives both widthMm/heightMm and diagonalIn; give one of them');
    if (bySize && (g.widthMm === undefined || g.heightMm === undefined)) throw invalid(`${at}/geometry`, 'needs both widthMm and heightMm');
    if (!bySize && !byDiagonal) throw invalid(`${at}/geometry`, 'needs the screen size: widthMm and heightMm, or diagonalIn and resolution');
    if (byDiagonal && g.resolution === undefined) throw invalid(`${at}/geometry/resolution`, 'is needed with diagonalIn (for the aspect ratio)');
  }
  if (tr.type === 'simulated') return;
  if (d.kind === 'hrs-strap' || d.kind === 'polar-h10') {
    if (g.type !== 'device') throw invalid(`${at}/geometry`, `applies to eye trackers only, not to a ${d.kind}`);
  } else if (d.kind === 'gazepoint-gp3' && g.type !== 'screen' && g.type !== 'norm') {
    throw invalid(`${at}/geometry`, "is needed: a Gazepoint reports gaze in fractions of the screen; give { type: screen, widthMm, heightMm, distanceMm } for degrees, or { type: norm } to keep screen fractions");
  } else if (d.kind === 'pupil-core' && g.type !== 'scene-camera' && g.type !== 'norm') {
    throw invalid(`${at}/geometry`, "is needed: Pupil Core reports gaze in normalised scene-camera coordinates; give { type: scene-camera, hFovDeg, vFovDeg } for degrees, or { type: norm } to keep them");
  }
}

function invalid(at: string, what: string): AfgError {
  return new AfgError('AFG_E_CONFIG_INVALID', `config field ${at} ${what}`, { path: at });
}
