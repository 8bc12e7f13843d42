import { encodeHeartRateMeasurement, type SkinContact } from '../ble/heart-rate-measurement.ts';
import { encodeBatteryLevel, encodeBodySensorLocation, encodeDeviceInformationString, type BodySensorLocation } from '../ble/gatt-standard-characteristics.ts';

/**
 * A standard Heart Rate Service chest strap, as bytes: beats (time, RR ms) in, one 0x2A37
 * notification per second out, like real straps, carrying the RR intervals of that second.
 *
 * Skin contact and battery are settable; the other characteristics a strap exposes (battery
 * level, body sensor location, device information) are available as their read values.
 * Cost: O(beats) per call; a few bytes per notification.
 *
 * @example
 *   const strap = new HrsStrapEmulator();
 *   const notes = strap.notifications(rrMs, n, nowMs);
 *   strap.contact = 1; // strap slipped: HR 0 with "no contact", no RR
 */
export class HrsStrapEmulator {
  contact: SkinContact = 2;
  /** percent 0..100 */
  battery = 90;
  location: BodySensorLocation = 'chest';
  readonly info = { manufacturer: 'AFG Emulated', model: 'HRS-1', serial: '0001', firmware: '1.0.0' };
  private pendingRr: number[] = [];
  private lastBpm = 0;
  private nextNotifyMs: number;
  private readonly periodMs: number;

  constructor(opts: { periodMs?: number; startMs?: number } = {}) {
    this.periodMs = opts.periodMs ?? 1000;
    if (!(this.periodMs > 0)) throw new RangeError('periodMs must be > 0');
    this.nextNotifyMs = (opts.startMs ?? 0) + this.periodMs;
  }

  /** Feeds beats up to `nowMs`; returns the notifications due by then with their send times. */
  notifications(rrMs: ArrayLike<number>, n: number, nowMs: number): { t: number; bytes: Uint8Array }[] {
    for (let i = 0; i < n; i++) {
      this.pendingRr.push(Math.round((rrMs[i]! * 1024) / 1000));
      this.lastBpm = Math.round(60000 / rrMs[i]!);
    }
    const out: { t: number; bytes: Uint8Array }[] = [];
    while (nowMs >= this.nextNotifyMs) {
      // at most 9 RR values fit a default-MTU notification; older extras are dropped like real straps do
      const rr = this.pendingRr.splice(0).slice(-9);
      out.push({ t: this.nextNotifyMs, bytes: encodeHeartRateMeasurement({ bpm: this.contact === 1 ? 0 : this.lastBpm, contact: this.contact, energyKj: null, rr1024: this.contact === 1 ? [] : rr }) });
      this.nextNotifyMs += this.periodMs;
    }
    return out;
  }

  /** Battery Level 0x2A19 read value. */
  batteryBytes(): Uint8Array {
    return encodeBatteryLevel(Math.max(0, Math.min(100, Math.round(this.battery))));
  }

  /** Body Sensor Location 0x2A38 read value. */
  locationBytes(): Uint8Array {
    return encodeBodySensorLocation(this.location);
  }

  /** Device Information string read value. */
  infoBytes(field: keyof HrsStrapEmulator['info']): Uint8Array {
    return encodeDeviceInformationString(this.info[field]);
  }
}
