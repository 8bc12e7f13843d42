import t from 'tap';
import { validateConfig } from '../../gateway/config/load-config.ts';

const withDevice = (device: Record<string, unknown>) => ({ wearers: [{ id: 'op-7f3a', role: 'operator', devices: [{ id: 'dev-1', ...device }] }] });
const at = '/wearers/0/devices/0';

t.test('defaults inside the chosen transport are filled in (serial with a path only, tcp and zmq bare)', async (t) => {
  const c = validateConfig({
    wearers: [
      {
        id: 'op-7f3a',
        role: 'operator',
        devices: [
          { id: 'et-1', kind: 'serial-eye-tracker', transport: { type: 'serial', path: '/dev/ttyACM0' } },
          { id: 'gp-1', kind: 'gazepoint-gp3', transport: { type: 'tcp' }, geometry: { type: 'screen', widthMm: 531, heightMm: 299, distanceMm: 650 } },
          { id: 'pc-1', kind: 'pupil-core', transport: { type: 'zmq' }, geometry: { type: 'scene-camera', hFovDeg: 99, vFovDeg: 53 } },
        ],
      },
    ],
  });
  const [serial, gp, pc] = c.wearers[0]!.devices;
  t.same(serial!.transport, { type: 'serial', path: '/dev/ttyACM0', baudRate: 921600 });
  t.same(serial!.geometry, { type: 'device' }, 'a serial tracker declares its geometry in HELLO');
  t.same(gp!.transport, { type: 'tcp', host: '127.0.0.1', port: 4242 }, 'Open Gaze API default port');
  t.same(pc!.transport, { type: 'zmq', host: '127.0.0.1', port: 50020 }, 'Pupil Remote default port');
  t.equal(pc!.silenceTimeoutMs, 2000);
});

const invalid: [string, Record<string, unknown>, string, RegExp][] = [
  ['an unknown transport type', { kind: 'gazepoint-gp3', transport: { type: 'http' }, geometry: { type: 'norm' } }, `${at}/transport/type`, /not one of \["simulated","serial","tcp","zmq","ble"\]/],
  ['a misspelt field inside a transport', { kind: 'serial-eye-tracker', transport: { type: 'serial', path: '/dev/x', baud: 9600 } }, `${at}/transport/baud`, /not a known field/],
  ['a bad port', { kind: 'pupil-core', transport: { type: 'zmq', port: 70000 }, geometry: { type: 'norm' } }, `${at}/transport/port`, /<= 65535/],
  ['a kind on a transport it cannot use', { kind: 'pupil-core', transport: { type: 'tcp' }, geometry: { type: 'norm' } }, `${at}/transport/type`, /a pupil-core uses zmq/],
  ['a strap on serial', { kind: 'hrs-strap', transport: { type: 'serial', path: '/dev/x' } }, `${at}/transport/type`, /uses ble/],
  ['a Gazepoint without geometry', { kind: 'gazepoint-gp3', transport: { type: 'tcp' } }, `${at}/geometry`, /fractions of the screen/],
  ['a Pupil Core with a screen', { kind: 'pupil-core', transport: { type: 'zmq' }, geometry: { type: 'screen', widthMm: 1, heightMm: 1, distanceMm: 1 } }, `${at}/geometry`, /scene-camera/],
  ['a screen without a distance', { kind: 'gazepoint-gp3', transport: { type: 'tcp' }, geometry: { type: 'screen', widthMm: 500, heightMm: 300 } }, `${at}/geometry`, /distanceMm/],
  ['a screen with only a width', { kind: 'gazepoint-gp3', transport: { type: 'tcp' }, geometry: { type: 'screen', widthMm: 500, distanceMm: 600 } }, `${at}/geometry`, /both widthMm and heightMm/],
  ['a diagonal without resolution', { kind: 'gazepoint-gp3', transport: { type: 'tcp' }, geometry: { type: 'screen', diagonalIn: 24, distanceMm: 600 } }, `${at}/geometry/resolution`, /aspect ratio/],
  ['a field of view of 180°', { kind: 'pupil-core', transport: { type: 'zmq' }, geometry: { type: 'scene-camera', hFovDeg: 180, vFovDeg: 50 } }, `${at}/geometry/hFovDeg`, /< 180/],
  ['geometry on a strap', { kind: 'polar-h10', transport: { type: 'ble' }, geometry: { type: 'norm' } }, `${at}/geometry`, /eye trackers only/],
];

for (const [what, device, path, message] of invalid) {
  t.test(`invalid: ${what} -> AFG_E_CONFIG_INVALID at ${path}`, async (t) => {
    t.throws(() => validateConfig(withDevice(device)), { code: 'AFG_E_CONFIG_INVALID', path, message });
  });
}

t.test('a screen by its diagonal and resolution is accepted', async (t) => {
  const c = validateConfig(withDevice({ kind: 'gazepoint-gp3', transport: { type: 'tcp', host: 'gp3.local' }, geometry: { type: 'screen', diagonalIn: 24, resolution: [1920, 1080], distanceMm: 650 } }));
  t.same(c.wearers[0]!.devices[0]!.geometry, { type: 'screen', diagonalIn: 24, resolution: [1920, 1080], distanceMm: 650 });
});
