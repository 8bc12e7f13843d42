import t from 'tap';
import fc from 'fast-check';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { encodeHeartRateMeasurement, heartRateNotificationToBatches, heartRateToBatches, parseHeartRateMeasurement } from '../../../firmware-bridge/ble/heart-rate-measurement.ts';
import { encodeBatteryLevel, encodeBodySensorLocation, encodeDeviceInformationString, parseBatteryLevel, parseBodySensorLocation, parseDeviceInformationString } from '../../../firmware-bridge/ble/gatt-standard-characteristics.ts';

const hex = (s: string) => Uint8Array.from(s.split(' ').map((b) => parseInt(b, 16)));

t.test('the issue test vectors', async (t) => {
  const e = new ErrorCounter();
  // flags 0x16 = RR present, contact supported + detected, uint8 HR; 0x48 = 72; RR 0x0154, 0x02EC
  t.same(parseHeartRateMeasurement(hex('16 48 54 01 EC 02'), e), { bpm: 72, contact: 2, energyKj: null, rr1024: [340, 748] });
  // flags 0x11 = RR present, uint16 HR: HR 0x0000, RR 0xFFFF and 0x807F
  t.same(parseHeartRateMeasurement(hex('11 00 00 FF FF 7F 80'), e), { bpm: 0, contact: 0, energyKj: null, rr1024: [65535, 32895] });
  // flags 0x08 = energy expended present, uint8 HR 0, energy 0x807F
  t.same(parseHeartRateMeasurement(hex('08 00 7F 80'), e), { bpm: 0, contact: 0, energyKj: 32895, rr1024: [] });
  t.equal(e.total(), 0);
});

t.test('no skin contact is reported as such', async (t) => {
  t.equal(parseHeartRateMeasurement(hex('04 00'), new ErrorCounter())?.contact, 1);
});

t.test('short, truncated and odd payloads are counted, never thrown', async (t) => {
  const e = new ErrorCounter();
  for (const bad of ['', '16', '01 48', '08 00 7F', '10 48 54', '00 48 99']) t.equal(parseHeartRateMeasurement(bad ? hex(bad) : new Uint8Array(), e), null, bad || 'empty');
  t.equal(e.get('AFG_E_GATT_PAYLOAD'), 6);
});

t.test('encode then parse is the identity; random bytes never throw', async (t) => {
  fc.assert(
    fc.property(
      fc.record({ bpm: fc.integer({ min: 0, max: 65535 }), contact: fc.constantFrom(0 as const, 1 as const, 2 as const), energyKj: fc.option(fc.integer({ min: 0, max: 65535 })), rr1024: fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 9 }) }),
      (m) => {
        t.same(parseHeartRateMeasurement(encodeHeartRateMeasurement(m), new ErrorCounter()), m);
      },
    ),
  );
  const e = new ErrorCounter();
  let rejected = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      if (parseHeartRateMeasurement(b, e) === null) rejected++;
    }),
    { numRuns: 2000 },
  );
  t.equal(e.get('AFG_E_GATT_PAYLOAD'), rejected, 'every rejection counted');
});

t.test('notification -> HrBatch + RrBatch, RR stamped backwards from arrival', async (t) => {
  const e = new ErrorCounter();
  const b = heartRateNotificationToBatches(hex('16 48 54 01 EC 02'), 'strap-1', 10_000, e)!;
  t.equal(b.hr.kind, 'hr');
  t.equal(b.hr.clock, 'gateway');
  t.same([b.hr.n, b.hr.t[0], b.hr.bpm[0], b.hr.contact[0]], [1, 10_000, 72, 2]);
  // 340/1024 s = 332.03125 ms, 748/1024 s = 730.46875 ms; the newest ends at the notification
  t.same(Array.from(b.rr!.rrMs), [332.03125, 730.46875]);
  t.same(Array.from(b.rr!.t), [10_000 - 730.46875, 10_000]);
  t.equal(heartRateNotificationToBatches(hex('16'), 'strap-1', 0, e), null);
  t.equal(e.get('AFG_E_GATT_PAYLOAD'), 1);
});

t.test('no skin contact or a reported 0 bpm is unknown HR, never a heart rate of 0', async (t) => {
  const e = new ErrorCounter();
  // flags 0x14: contact supported, not detected (bits 1-2 = 2), RR present; HR 0, RR 400
  const noContact = heartRateNotificationToBatches(hex('14 00 90 01'), 's', 5, e)!;
  t.ok(Number.isNaN(noContact.hr.bpm[0]));
  t.equal(noContact.hr.contact[0], 1);
  t.equal(noContact.rr, null, 'RR without skin contact is not this person');
  // flags 0x04: no contact but a stale 65 bpm: still unknown
  t.ok(Number.isNaN(heartRateNotificationToBatches(hex('04 41'), 's', 5, e)!.hr.bpm[0]));
  // contact not supported, HR 0 (issue vector 3): unknown, energy still parsed
  t.ok(Number.isNaN(heartRateNotificationToBatches(hex('08 00 7F 80'), 's', 5, e)!.hr.bpm[0]));
  t.equal(heartRateToBatches({ bpm: 61, contact: 0, energyKj: null, rr1024: [] }, 's', 1).hr.bpm[0], 61);
  t.equal(e.total(), 0);
});

t.test('battery, body sensor location and device information strings', async (t) => {
  const e = new ErrorCounter();
  t.equal(parseBatteryLevel(Uint8Array.of(87), e), 87);
  t.equal(parseBatteryLevel(encodeBatteryLevel(100), e), 100);
  t.equal(parseBodySensorLocation(Uint8Array.of(1), e), 'chest');
  t.equal(parseBodySensorLocation(encodeBodySensorLocation('wrist'), e), 'wrist');
  t.equal(parseDeviceInformationString(encodeDeviceInformationString('Polar Electro Oy'), e), 'Polar Electro Oy');
  t.equal(parseDeviceInformationString(Uint8Array.of(0x48, 0x31, 0x30, 0, 0), e), 'H10', 'NUL padding trimmed');
  t.equal(e.total(), 0);
  const bad: [string, unknown][] = [
    ['battery empty', parseBatteryLevel(new Uint8Array(), e)],
    ['battery 101 %', parseBatteryLevel(Uint8Array.of(101), e)],
    ['battery 2 bytes', parseBatteryLevel(Uint8Array.of(50, 0), e)],
    ['location reserved 7', parseBodySensorLocation(Uint8Array.of(7), e)],
    ['location empty', parseBodySensorLocation(new Uint8Array(), e)],
    ['string empty', parseDeviceInformationString(new Uint8Array(), e)],
    ['string invalid utf-8', parseDeviceInformationString(Uint8Array.of(0xc3, 0x28), e)],
    ['string control char', parseDeviceInformationString(Uint8Array.of(0x41, 0x07), e)],
    ['string oversized', parseDeviceInformationString(new Uint8Array(513).fill(0x41), e)],
  ];
  for (const [name, v] of bad) t.equal(v, null, name);
  t.equal(e.get('AFG_E_GATT_PAYLOAD'), bad.length);
  t.throws(() => encodeBatteryLevel(101), RangeError);
  let rejected = 0;
  const e2 = new ErrorCounter();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      if (parseBatteryLevel(b, e2) === null) rejected++;
      if (parseBodySensorLocation(b, e2) === null) rejected++;
      if (parseDeviceInformationString(b, e2) === null) rejected++;
    }),
    { numRuns: 1000 },
  );
  t.equal(e2.get('AFG_E_GATT_PAYLOAD'), rejected, 'every rejection counted');
});
