import { PMD_CONTROL_POINT_UUID, PMD_DATA_UUID, PMD_SERVICE_UUID } from '../../../firmware-bridge/ble/pmd-control-point.ts';
import type { PolarH10Emulator } from '../../../firmware-bridge/emulators/polar-h10-emulator.ts';
import type { FakePeripheral } from './fake-hci-bindings.fixture.ts';

/**
 * A Polar H10 as the fake HCI bindings advertise it: Heart Rate Service plus the PMD service,
 * whose control point answers through the emulator. Address, name and MTU default to the first
 * test strap's; pass others for a second H10 or a small-MTU one.
 *
 * @example bindings.add(polarH10Peripheral(new PolarH10Emulator(), { uuid: 'u-h10' }));
 */
export function polarH10Peripheral(
  emu: PolarH10Emulator,
  o: { uuid: string; address?: string; localName?: string; mtu?: number },
): FakePeripheral {
  return {
    uuid: o.uuid,
    address: o.address ?? 'a0:9e:1a:00:00:01',
    localName: o.localName ?? 'Polar H10 1A2B3C4D',
    serviceUuids: ['180d', 'feee'],
    mtu: o.mtu ?? emu.mtu,
    services: {
      '180d': [{ uuid: '2a37', properties: ['notify'] }],
      [PMD_SERVICE_UUID]: [
        { uuid: PMD_CONTROL_POINT_UUID, properties: ['read', 'write', 'indicate'], onWrite: (d) => [{ service: PMD_SERVICE_UUID, characteristic: PMD_CONTROL_POINT_UUID, data: emu.writeControlPoint(d) }] },
        { uuid: PMD_DATA_UUID, properties: ['notify'] },
      ],
    },
  };
}
