import t from 'tap';
import fc from 'fast-check';
import { ErrorCounter } from '../../../gateway/core/errors.ts';
import { encodeHeartRateMeasurement, parseHeartRateMeasurement } from '../../../firmware-bridge/ble/heart-rate-measurement.ts';

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
