import { BleTransport } from '../../firmware-bridge/ble/ble-transport.ts';
import type { BleLinkStatus, BleWearableConfig } from '../../firmware-bridge/ble/ble-wearable-link.ts';
import type { NobleLike } from '../../firmware-bridge/ble/noble-loader.ts';
import { ClockSync } from '../../firmware-bridge/clock/clock-sync.ts';
import type { DeviceConfig } from '../config/schema.ts';
import type { DeviceStatus, SkinContact } from '../core/event-bus.ts';
import { AfgError, type ErrorCounter } from '../core/errors.ts';
import type { SampleBatch } from '../core/types.ts';
import { LinkHealth, type BatchSink, type DeviceRuntime } from './device-runtime.ts';
import { DeviceErrorCounter } from './device-errors.ts';
import { bleStreams, StreamRates } from './stream-rates.ts';
import { skinContact } from './skin-contact.ts';

/** A configured BLE wearable and the wearer it belongs to. */
export interface BleWearableEntry {
  device: DeviceConfig;
  wearer: string;
}

const STATE: Record<BleLinkStatus['state'], DeviceStatus['state']> = {
  waiting: 'connecting',
  scanning: 'connecting',
  connecting: 'connecting',
  backoff: 'disconnected',
  connected: 'connected',
  unavailable: 'error',
  stopped: 'disconnected',
};

/**
 * All BLE wearables of the gateway over one noble instance (BleTransport), each exposed as a
 * DeviceRuntime. HR/RR arrive on the gateway clock (GATT notifications carry no device time);
 * Polar ECG/ACC carry the sensor's clock and are mapped with a ClockSync per device.
 * Where Bluetooth is unavailable, start() logs AFG_E_BLE_UNAVAILABLE through `onUnavailable`,
 * the devices report `error`, and the rest of the gateway runs on.
 *
 * @example
 *   const ble = new BleWearables({ entries, errors, sink, now, onUnavailable: (e) => log.error(e.message) });
 *   devices.push(...ble.devices);
 */
export class BleWearables {
  readonly devices: DeviceRuntime[];
  private readonly transport: BleTransport;
  private readonly onUnavailable: (e: AfgError) => void;
  /** skin contact of each device's latest heart-rate measurement */
  private readonly contact: Map<string, SkinContact | null>;
  private started = false;

  constructor(opts: { entries: BleWearableEntry[]; errors: ErrorCounter; sink: BatchSink; now: () => number; noble?: NobleLike; onUnavailable?: (e: AfgError) => void }) {
    const wearerOf = new Map<string, string>();
    const syncs = new Map<string, ClockSync>();
    const health = new Map<string, LinkHealth>();
    const rates = new Map<string, StreamRates>();
    const errorsOf = new Map<string, DeviceErrorCounter>();
    this.contact = new Map<string, SkinContact | null>();
    const configs: BleWearableConfig[] = [];
    for (const { device, wearer } of opts.entries) {
      const tr = device.transport;
      if (tr.type !== 'ble') throw new TypeError(`device ${device.id} is not a BLE device`);
      if (device.kind !== 'hrs-strap' && device.kind !== 'polar-h10') throw new TypeError(`device ${device.id}: kind ${device.kind} is not a BLE wearable`);
      const c: BleWearableConfig = { id: device.id, kind: device.kind };
      if (tr.name !== undefined) c.name = tr.name;
      if (tr.address !== undefined) c.address = tr.address;
      if (tr.service !== undefined) c.service = tr.service;
      configs.push(c);
      wearerOf.set(device.id, wearer);
      health.set(device.id, new LinkHealth());
      rates.set(device.id, new StreamRates());
      errorsOf.set(device.id, new DeviceErrorCounter(opts.errors));
      this.contact.set(device.id, null);
    }
    this.onUnavailable = opts.onUnavailable ?? (() => undefined);
    const transportOpts: ConstructorParameters<typeof BleTransport>[0] = {
      devices: configs,
      errors: opts.errors,
      errorsFor: (id) => errorsOf.get(id) ?? opts.errors,
      now: opts.now,
      onBatch: (id, b: SampleBatch, arrivalMs) => {
        const wearer = wearerOf.get(id);
        if (wearer === undefined) return;
        if (b.kind === 'hr' && b.n > 0) this.contact.set(id, skinContact(b.contact[b.n - 1]!));
        if (b.clock === 'device') {
          let sync = syncs.get(id);
          if (!sync) syncs.set(id, (sync = new ClockSync()));
          sync.observeArrival(b.t[b.n - 1]!, arrivalMs);
          sync.toGatewayInPlace(b.t, b.n);
          b.clock = 'gateway';
        }
        // the device's rate and validity are its heart-rate measurements' (what both kinds send,
        // and what says whether the strap is worn); ECG/ACC/RR have their own rates
        rates.get(id)!.batch(b.kind, arrivalMs, b.n);
        if (b.kind === 'hr') health.get(id)!.batch(arrivalMs, b.n, Number.isNaN(b.bpm[0]!) ? 0 : b.n);
        else health.get(id)!.seen(arrivalMs);
        opts.sink(wearer, b);
      },
    };
    if (opts.noble) transportOpts.noble = opts.noble;
    this.transport = new BleTransport(transportOpts);
    this.devices = opts.entries.map(({ device, wearer }) => this.runtime(device, wearer, health.get(device.id)!, rates.get(device.id)!, errorsOf.get(device.id)!));
  }

  private runtime(device: DeviceConfig, wearer: string, linkHealth: LinkHealth, streamRates: StreamRates, errors: DeviceErrorCounter): DeviceRuntime {
    const start = () => this.startOnce();
    const transport = this.transport;
    const contact = this.contact;
    let stopped = false;
    return {
      id: device.id,
      wearer,
      kind: device.kind,
      transport: 'ble',
      start,
      poll: () => undefined,
      status(nowMs: number): DeviceStatus {
        const s = transport.status(device.id)[0];
        const { validity } = linkHealth.read(nowMs);
        const silent = linkHealth.lastSeen !== null && nowMs - linkHealth.lastSeen > device.silenceTimeoutMs;
        return {
          device: device.id,
          wearer,
          kind: device.kind,
          transport: 'ble',
          state: s ? (s.state === 'connected' && silent ? 'sensor_lost' : STATE[s.state]) : 'error',
          lastSeen: linkHealth.lastSeen,
          rateHz: null, // see DeviceStatus.rateHz
          validity,
          battery: s?.battery ?? null,
          errors: errors.snapshot() as Record<string, number>,
          detail: s?.lastError ?? (s ? `${s.state}${s.mtu ? `, MTU ${s.mtu}` : ''}` : 'unknown device'),
          quality: { nominalRateHz: null, droppedFrames: s?.droppedFrames ?? null, crcErrors: null, inputErrors: errors.inputErrors(), reconnects: s?.reconnects ?? 0, streams: bleStreams(streamRates.read(nowMs), s?.streaming ?? { ecg: null, acc: null }) },
          contact: contact.get(device.id) ?? null,
          mtu: s?.mtu ?? null,
        };
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await transport.stop();
      },
    };
  }

  private async startOnce(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      this.transport.start();
    } catch (e) {
      if (e instanceof AfgError && e.code === 'AFG_E_BLE_UNAVAILABLE') {
        this.onUnavailable(e);
        return;
      }
      throw e;
    }
  }
}
