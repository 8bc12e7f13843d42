import type { SkinContact } from '../core/event-bus.ts';

/**
 * HrBatch.contact (0 contact not supported, 1 no skin contact, 2 contact; from the 0x2A37 flags
 * bits 1-2) as DeviceStatus.contact. Undefined for anything else (before the first measurement).
 *
 * @example skinContact(hr.contact[hr.n - 1]) // 'contact'
 */
export function skinContact(code: number): SkinContact | null {
  return code === 2 ? 'contact' : code === 1 ? 'no_contact' : code === 0 ? 'unsupported' : null;
}
