import type { ErrorCounter } from '../../gateway/core/errors.ts';
import type { DeviceId, HrBatch, RrBatch } from '../../gateway/core/types.ts';

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

/** The batches one notification becomes; `rr` is null when it carried no usable interval. */
export interface HeartRateBatches {
  hr: HrBatch;
  rr: RrBatch | null;
}

/**
 * Turns one parsed notification received at gateway time `tMs` (monotonic ms) into an HrBatch
 * of one sample and an RrBatch. HRS notifications carry no timestamp, so the newest RR interval
 * is taken to end at the notification and older ones are placed backwards from it.
 * A strap without skin contact (contact 1), and a reported 0 bpm (no heart beats at 0; straps
 * send 0 while they have no estimate), become bpm NaN: unknown, never a real 0. Without contact
 * the RR values are not beats of this person either, so none are emitted.
 * Cost: two small typed-array batches per notification (~1 Hz).
 *
 * @example
 *   const m = parseHeartRateMeasurement(bytes, errors);
 *   if (m) { const { hr, rr } = heartRateToBatches(m, 'strap-1', nowMs); sink(hr); if (rr) sink(rr); }
 */
export function heartRateToBatches(m: HeartRateMeasurement, device: DeviceId, tMs: number): HeartRateBatches {
  const known = m.contact !== 1 && m.bpm > 0;
  const hr: HrBatch = { kind: 'hr', device, clock: 'gateway', n: 1, t: Float64Array.of(tMs), bpm: Float32Array.of(known ? m.bpm : NaN), contact: Uint8Array.of(m.contact) };
  const n = m.contact === 1 ? 0 : m.rr1024.length;
  if (n === 0) return { hr, rr: null };
  const rr: RrBatch = { kind: 'rr', device, clock: 'gateway', n, t: new Float64Array(n), rrMs: new Float32Array(n) };
  let end = tMs;
  for (let i = n - 1; i >= 0; i--) {
    const ms = (m.rr1024[i]! * 1000) / 1024;
    rr.rrMs[i] = ms;
    rr.t[i] = end;
    end -= ms;
  }
  return { hr, rr };
}

/**
 * Parse + convert in one call; null (counted) for a rejected payload.
 *
 * @example
 *   const b = heartRateNotificationToBatches(bytes, 'strap-1', nowMs, errors);
 */
export function heartRateNotificationToBatches(p: Uint8Array, device: DeviceId, tMs: number, errors: ErrorCounter): HeartRateBatches | null {
  const m = parseHeartRateMeasurement(p, errors);
  return m ? heartRateToBatches(m, device, tMs) : null;
}
