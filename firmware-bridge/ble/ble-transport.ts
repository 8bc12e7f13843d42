import type { ErrorCounter } from '../../gateway/core/errors.ts';
import type { DeviceId } from '../../gateway/core/types.ts';
import { BleWearableLink, type BleBatchSink, type BleLinkStatus, type BleWearableConfig } from './ble-wearable-link.ts';
import { ReconnectBackoff } from '../link/reconnect-backoff.ts';
import { loadNoble, type NobleLike, type NoblePeripheralLike } from './noble-loader.ts';

export interface BleTransportOptions {
  devices: BleWearableConfig[];
  errors: ErrorCounter;
  /** per-device error counter (a device's bad payloads under its own id); default `errors` */
  errorsFor?: (id: DeviceId) => ErrorCounter;
  /** batches: HR/RR on the gateway clock (ms); Polar ECG/ACC on the device clock (µs since 2000-01-01Z) */
  onBatch: BleBatchSink;
  onStatus?: (s: BleLinkStatus) => void;
  /** a noble instance (tests: over fake bindings); default: @abandonware/noble, loaded at start() */
  noble?: NobleLike;
  /** monotonic ms for arrival stamps; default performance.now */
  now?: () => number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** limit for each GATT operation (connect, discover, read, subscribe, PMD command) */
  opTimeoutMs?: number;
}

/**
 * Several BLE wearables over one noble instance: scans while any configured wearable is still
 * unfound, hands each advertisement to the first unclaimed link whose filter (name prefix /
 * address / service) it matches, and stops scanning when all are claimed. Each link then owns
 * its connection and reconnects with backoff. The ATT MTU is requested by noble's HCI bindings
 * on every connection (Exchange MTU, 256 bytes); the negotiated value is reported in status.
 * I/O layer: callbacks run on noble's events; arrival stamps come from the injected `now`.
 *
 * @example
 *   const ble = new BleTransport({ devices: [{ id: 'strap-1', kind: 'hrs-strap' }], errors, onBatch });
 *   try { ble.start(); } catch (e) { if (e instanceof AfgError) log.warn(e.message); } // AFG_E_BLE_UNAVAILABLE
 */
export class BleTransport {
  private readonly links: BleWearableLink[];
  private readonly errors: ErrorCounter;
  private readonly injected: NobleLike | undefined;
  private readonly onStatus: (s: BleLinkStatus) => void;
  private noble: NobleLike | null = null;
  private scanning = false;
  private started = false;
  private readonly onState = (state: string) => this.stateChanged(state);
  private readonly onDiscover = (p: NoblePeripheralLike) => this.discovered(p);

  constructor(opts: BleTransportOptions) {
    if (!Array.isArray(opts.devices) || opts.devices.length === 0) throw new RangeError('BleTransport needs at least one device');
    const ids = new Set(opts.devices.map((d) => d.id));
    if (ids.size !== opts.devices.length) throw new RangeError('BLE device ids must be unique');
    this.errors = opts.errors;
    this.injected = opts.noble;
    this.onStatus = opts.onStatus ?? (() => undefined);
    const now = opts.now ?? (() => performance.now());
    const initialMs = opts.backoff?.initialMs ?? 500;
    const maxMs = opts.backoff?.maxMs ?? 30_000;
    const opTimeoutMs = opts.opTimeoutMs ?? 10_000;
    this.links = opts.devices.map(
      (config) => new BleWearableLink({ config, errors: opts.errorsFor?.(config.id) ?? opts.errors, onBatch: opts.onBatch, onStatus: this.onStatus, now, backoff: new ReconnectBackoff(initialMs, maxMs), opTimeoutMs }),
    );
  }

  /**
   * Loads noble (unless injected) and starts scanning once the adapter is powered on.
   * @throws AfgError AFG_E_BLE_UNAVAILABLE where Bluetooth cannot be used; nothing else is started.
   */
  start(): void {
    if (this.started) return;
    let noble: NobleLike;
    try {
      noble = this.injected ?? loadNoble();
    } catch (e) {
      this.errors.count('AFG_E_BLE_UNAVAILABLE');
      for (const l of this.links) l.setState('unavailable', 'AFG_E_BLE_UNAVAILABLE');
      throw e;
    }
    this.noble = noble;
    this.started = true;
    noble.on('stateChange', this.onState);
    noble.on('discover', this.onDiscover);
    // subscribing to stateChange initialises the bindings; an already powered adapter says so now
    if (noble.state === 'poweredOn') this.stateChanged('poweredOn');
  }

  status(id?: DeviceId): BleLinkStatus[] {
    return this.links.filter((l) => id === undefined || l.config.id === id).map((l) => l.status());
  }

  async stop(): Promise<void> {
    if (!this.started || !this.noble) return;
    this.started = false;
    this.noble.removeListener('stateChange', this.onState);
    this.noble.removeListener('discover', this.onDiscover);
    if (this.scanning) this.noble.stopScanning();
    this.scanning = false;
    await Promise.all(this.links.map((l) => l.stop()));
  }

  private stateChanged(state: string): void {
    if (state === 'poweredOn') {
      for (const l of this.links) l.resume();
      this.updateScan();
      return;
    }
    this.scanning = false;
    const unavailable = state === 'unsupported' || state === 'unauthorized';
    if (unavailable) this.errors.count('AFG_E_BLE_UNAVAILABLE');
    for (const l of this.links) {
      if (unavailable) l.setState('unavailable', `AFG_E_BLE_UNAVAILABLE: adapter ${state}`);
      else l.suspend();
    }
  }

  private discovered(p: NoblePeripheralLike): void {
    const link = this.links.find((l) => l.unclaimed && l.matches(p));
    if (!link) return;
    link.attach(p);
    this.updateScan();
  }

  private updateScan(): void {
    const noble = this.noble;
    if (!noble || !this.started) return;
    const want = this.links.some((l) => l.unclaimed);
    if (want && !this.scanning) {
      this.scanning = true;
      for (const l of this.links) if (l.unclaimed) l.setState('scanning');
      // filter ourselves: a service filter in the controller would hide name/address matches
      noble.startScanning([], false, (err) => {
        if (!err) return;
        this.scanning = false;
        this.errors.count('AFG_E_DEVICE_IO');
        for (const l of this.links) if (l.unclaimed) l.setState('waiting', `AFG_E_DEVICE_IO: scan failed: ${err.message}`);
      });
    } else if (!want && this.scanning) {
      this.scanning = false;
      noble.stopScanning();
    }
  }
}
