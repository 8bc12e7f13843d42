import type { ErrorCounter } from '../../gateway/core/errors.ts';

/**
 * Small standard GATT characteristics a wearable exposes besides its measurements, read once
 * per connection (or notified rarely), so plain return values are fine. Malformed payloads are
 * counted as AFG_E_GATT_PAYLOAD and give null; nothing here throws.
 * UUIDs and formats: Bluetooth SIG Assigned Numbers §3.4 (services), §3.8 (characteristics), and
 * the GATT Specification Supplement (GSS v8): Battery Level §3.27, Body Sensor Location §3.32,
 * Manufacturer Name / Model Number / Serial Number / Firmware Revision strings §3.145 / §3.151 /
 * §3.193 / §3.99 (utf8s).
 */
export const BATTERY_SERVICE_UUID = '180f';
export const BATTERY_LEVEL_UUID = '2a19';
export const BODY_SENSOR_LOCATION_UUID = '2a38';
export const DEVICE_INFORMATION_SERVICE_UUID = '180a';

/** Device Information Service string characteristics (DIS 1.1 §3). */
export const DEVICE_INFORMATION_STRINGS = {
  '2a29': 'manufacturer',
  '2a24': 'model',
  '2a25': 'serial',
  '2a27': 'hardware',
  '2a26': 'firmware',
  '2a28': 'software',
} as const;
export type DeviceInformationField = (typeof DEVICE_INFORMATION_STRINGS)[keyof typeof DEVICE_INFORMATION_STRINGS];

/** Body Sensor Location values 0..6 (HRS 1.0 §3.2); 7..255 are reserved. */
export const BODY_SENSOR_LOCATIONS = ['other', 'chest', 'wrist', 'finger', 'hand', 'ear_lobe', 'foot'] as const;
export type BodySensorLocation = (typeof BODY_SENSOR_LOCATIONS)[number];

/**
 * Battery Level 0x2A19: one uint8, percent 0..100 (values above 100 are prohibited by GSS).
 *
 * @example parseBatteryLevel(Uint8Array.of(87), errors) // 87
 */
export function parseBatteryLevel(p: Uint8Array, errors: ErrorCounter): number | null {
  if (p.length !== 1 || p[0]! > 100) {
    errors.count('AFG_E_GATT_PAYLOAD');
    return null;
  }
  return p[0]!;
}

/** @example encodeBatteryLevel(87) // Uint8Array [87] */
export function encodeBatteryLevel(percent: number): Uint8Array {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new RangeError('battery percent must be an integer 0..100');
  return Uint8Array.of(percent);
}

/**
 * Body Sensor Location 0x2A38: one uint8; reserved values are rejected (counted).
 *
 * @example parseBodySensorLocation(Uint8Array.of(1), errors) // 'chest'
 */
export function parseBodySensorLocation(p: Uint8Array, errors: ErrorCounter): BodySensorLocation | null {
  const loc = p.length === 1 ? BODY_SENSOR_LOCATIONS[p[0]!] : undefined;
  if (loc === undefined) {
    errors.count('AFG_E_GATT_PAYLOAD');
    return null;
  }
  return loc;
}

/** @example encodeBodySensorLocation('chest') // Uint8Array [1] */
export function encodeBodySensorLocation(loc: BodySensorLocation): Uint8Array {
  return Uint8Array.of(BODY_SENSOR_LOCATIONS.indexOf(loc));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A Device Information string (utf8s, not NUL-terminated by spec; some devices pad with NULs,
 * which are trimmed). Empty, over 512 bytes (ATT maximum attribute length, Core 5.3 Vol 3 Part F
 * §3.2.9), invalid UTF-8 or containing control characters: rejected and counted.
 *
 * @example parseDeviceInformationString(new TextEncoder().encode('Polar Electro Oy'), errors)
 */
export function parseDeviceInformationString(p: Uint8Array, errors: ErrorCounter): string | null {
  let end = p.length;
  while (end > 0 && p[end - 1] === 0) end--;
  let s: string | null = null;
  if (end > 0 && p.length <= 512) {
    try {
      s = utf8.decode(p.subarray(0, end));
    } catch {
      s = null;
    }
  }
  // eslint-disable-next-line no-control-regex
  if (s === null || /[\u0000-\u001f\u007f]/.test(s)) {
    errors.count('AFG_E_GATT_PAYLOAD');
    return null;
  }
  return s;
}

/** @example encodeDeviceInformationString('H10') */
export function encodeDeviceInformationString(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
