import type { ErrorCounter } from '../../gateway/core/errors.ts';

/**
 * Heart Rate Measurement characteristic (0x2A37) of the Bluetooth SIG Heart Rate Service
 * (HRS 1.0, §3.1; GATT Specification Supplement §3.113):
 *   byte 0 flags: bit 0 HR format (0 = uint8, 1 = uint16); bits 1-2 sensor contact
 *   (0/1 = not supported, 2 = supported but no contact, 3 = contact); bit 3 energy expended
 *   present (uint16, kJ); bit 4 RR intervals present (uint16 each, 1/1024 s, oldest first,
 *   as many as fit in the rest of the payload). All little-endian.
 */
export const HRS_SERVICE_UUID = '180d';
export const HEART_RATE_MEASUREMENT_UUID = '2a37';

/** 0 = contact not supported, 1 = no skin contact, 2 = contact (the HrBatch.contact convention). */
export type SkinContact = 0 | 1 | 2;

export interface HeartRateMeasurement {
  /** beats per minute as sent; meaningless when contact = 1 */
  bpm: number;
  contact: SkinContact;
  energyKj: number | null;
  /** RR intervals in units of 1/1024 s, oldest first */
  rr1024: number[];
}

/**
 * Parses one notification. Returns null (and counts AFG_E_GATT_PAYLOAD) for a payload that is
 * short, truncated, or has a dangling odd byte where RR intervals are declared; never throws.
 * Notifications arrive about once a second, so a small object per notification is fine.
 *
 * @example
 *   parseHeartRateMeasurement(Uint8Array.of(0x16, 0x48, 0x54, 0x01, 0xec, 0x02), errors)
 *   // { bpm: 72, contact: 2, energyKj: null, rr1024: [340, 748] }
 */
export function parseHeartRateMeasurement(p: Uint8Array, errors: ErrorCounter): HeartRateMeasurement | null {
  // 1 flag byte + 2 HR + 2 energy + 9 RR x 2 = the most a 23-byte ATT MTU notification carries;
  // larger MTUs allow more RR values, but a payload over 512 bytes (the ATT maximum) is garbage.
  if (p.length < 2 || p.length > 512) {
    errors.count('AFG_E_GATT_PAYLOAD');
    return null;
  }
  const flags = p[0]!;
  let i = 1;
  const wide = (flags & 0x01) !== 0;
  if (p.length < i + (wide ? 2 : 1)) {
    errors.count('AFG_E_GATT_PAYLOAD');
    return null;
  }
  const bpm = wide ? p[i]! | (p[i + 1]! << 8) : p[i]!;
  i += wide ? 2 : 1;
  const contactBits = (flags >> 1) & 0x03;
  const contact: SkinContact = contactBits === 3 ? 2 : contactBits === 2 ? 1 : 0;
  let energyKj: number | null = null;
  if (flags & 0x08) {
    if (p.length < i + 2) {
      errors.count('AFG_E_GATT_PAYLOAD');
      return null;
    }
    energyKj = p[i]! | (p[i + 1]! << 8);
    i += 2;
  }
  const rr1024: number[] = [];
  if (flags & 0x10) {
    if ((p.length - i) % 2 !== 0) {
      errors.count('AFG_E_GATT_PAYLOAD');
      return null;
    }
    for (; i < p.length; i += 2) rr1024.push(p[i]! | (p[i + 1]! << 8));
  } else if (i !== p.length) {
    errors.count('AFG_E_GATT_PAYLOAD');
    return null;
  }
  return { bpm, contact, energyKj, rr1024 };
}

/** Builds a notification payload (used by the strap emulator). */
export function encodeHeartRateMeasurement(m: HeartRateMeasurement): Uint8Array {
  const wide = m.bpm > 255;
  let flags = wide ? 0x01 : 0;
  if (m.contact === 2) flags |= 0x06;
  else if (m.contact === 1) flags |= 0x04;
  if (m.energyKj !== null) flags |= 0x08;
  if (m.rr1024.length) flags |= 0x10;
  const out = new Uint8Array(1 + (wide ? 2 : 1) + (m.energyKj !== null ? 2 : 0) + 2 * m.rr1024.length);
  let i = 0;
  out[i++] = flags;
  out[i++] = m.bpm & 0xff;
  if (wide) out[i++] = (m.bpm >> 8) & 0xff;
  if (m.energyKj !== null) {
    out[i++] = m.energyKj & 0xff;
    out[i++] = (m.energyKj >> 8) & 0xff;
  }
  for (const rr of m.rr1024) {
    out[i++] = rr & 0xff;
    out[i++] = (rr >> 8) & 0xff;
  }
  return out;
}
