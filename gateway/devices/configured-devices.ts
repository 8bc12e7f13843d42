import type { NobleLike } from '../../firmware-bridge/ble/noble-loader.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { DeviceStatus } from '../core/event-bus.ts';
import type { ErrorCounter } from '../core/errors.ts';
import type { BleWearableEntry } from './ble-wearables.ts';
import type { BatchSink, DeviceRuntime } from './device-runtime.ts';

/**
 * One DeviceRuntime per real device in the config (simulated ones come from the scenario):
 * serial eye trackers, Gazepoint (TCP), Pupil Core (ZMQ), and the BLE wearables over one noble.
 * The config rules (gateway/config/device-rules.ts) already refused a kind on a wrong transport.
 * Each transport's modules (serialport, zeromq + msgpack, noble) are imported only when a device
 * uses it: a gateway that has none of them starts without loading their native addons.
 *
 * @example
 *   const devices = await createConfiguredDevices({ config, errors, sink, now, log });
 *   for (const d of devices) await d.start();
 */
export async function createConfiguredDevices(opts: {
  config: Pick<GatewayConfig, 'wearers'>;
  errors: ErrorCounter;
  sink: BatchSink;
  now: () => number;
  log: { error(msg: string): void };
  /** a noble instance (tests: fake HCI bindings); default @abandonware/noble, loaded lazily */
  noble?: NobleLike;
}): Promise<DeviceRuntime[]> {
  const { errors, sink, now } = opts;
  const devices: DeviceRuntime[] = [];
  const ble: BleWearableEntry[] = [];
  for (const w of opts.config.wearers) {
    for (const device of w.devices) {
      const tr = device.transport.type;
      if (tr === 'simulated') continue;
      const args = { device, wearer: w.id, errors, sink, now };
      if (tr === 'serial') devices.push(new (await import('./serial-eye-tracker-device.ts')).SerialEyeTrackerDevice(args));
      else if (tr === 'tcp') devices.push(new (await import('./gazepoint-eye-tracker-device.ts')).GazepointEyeTrackerDevice(args));
      else if (tr === 'zmq') devices.push(new (await import('./pupil-core-eye-tracker-device.ts')).PupilCoreEyeTrackerDevice(args));
      else ble.push({ device, wearer: w.id });
    }
  }
  if (ble.length) {
    const ids = ble.map((x) => x.device.id).join(', ');
    const { BleWearables } = await import('./ble-wearables.ts');
    const wearables = new BleWearables({
      entries: ble,
      errors,
      sink,
      now,
      ...(opts.noble ? { noble: opts.noble } : {}),
      onUnavailable: (e) => opts.log.error(`${e.message}; BLE devices ${ids} are not started, the gateway runs on without them`),
    });
    devices.push(...wearables.devices);
  }
  return devices;
}

/**
 * A device link as /health shows it: state and signal quality, never a biosignal value (HR
 * stays on the box's dashboard; /health, like /metrics, may be read from off the box).
 */
export function deviceHealth(d: DeviceStatus): Record<string, unknown> {
  const out: Record<string, unknown> = { device: d.device, wearer: d.wearer, kind: d.kind, transport: d.transport, state: d.state, rateHz: d.rateHz, validity: d.validity, battery: d.battery };
  if (d.contact !== undefined) out['contact'] = d.contact;
  if (d.mtu !== undefined) out['mtu'] = d.mtu;
  if (d.quality) out['quality'] = d.quality;
  if (d.detail !== undefined) out['detail'] = d.detail;
  return out;
}
