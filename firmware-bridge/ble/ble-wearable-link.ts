import type { ErrorCounter } from '../../gateway/core/errors.ts';
import type { DeviceId, SampleBatch } from '../../gateway/core/types.ts';
import { BATTERY_LEVEL_UUID, BODY_SENSOR_LOCATION_UUID, DEVICE_INFORMATION_STRINGS, parseBatteryLevel, parseBodySensorLocation, parseDeviceInformationString, type BodySensorLocation, type DeviceInformationField } from './gatt-standard-characteristics.ts';
import { HEART_RATE_MEASUREMENT_UUID, heartRateNotificationToBatches } from './heart-rate-measurement.ts';
import type { NobleCharacteristicLike, NoblePeripheralLike, NobleServiceLike } from './noble-loader.ts';
import { buildStart, parsePmdResponse, PMD_CONTROL_POINT_UUID, PMD_DATA_UUID, PmdMeasurement, type PmdResponse, type PmdStartSettings } from './pmd-control-point.ts';
import { PmdFrameDecoder } from './pmd-data-frame.ts';
import { LinkSupervisor } from '../link/link-supervisor.ts';
import { ReconnectBackoff } from '../link/reconnect-backoff.ts';

/** One configured wearable. Matching needs every given criterion; none given = the kind's default. */
export interface BleWearableConfig {
  id: DeviceId;
  kind: 'hrs-strap' | 'polar-h10';
  /** advertised local name, or its prefix ("Polar H10" matches "Polar H10 1A2B3C4D") */
  name?: string;
  /** MAC address, any case, with or without separators */
  address?: string;
  /** an advertised service UUID (16-bit "180d" or 128-bit, any case, dashes optional) */
  service?: string;
  /** Polar only: streams to start; default ECG 130 Hz 14-bit and ACC 200 Hz 16-bit ±8 G */
  ecg?: PmdStartSettings | false;
  acc?: PmdStartSettings | false;
}

export type BleLinkState = 'waiting' | 'scanning' | 'connecting' | 'connected' | 'backoff' | 'unavailable' | 'stopped';

export interface BleLinkStatus {
  id: DeviceId;
  state: BleLinkState;
  address: string | null;
  /** ATT MTU negotiated by the bindings, when they report it */
  mtu: number | null;
  battery: number | null;
  location: BodySensorLocation | null;
  info: Partial<Record<DeviceInformationField, string>>;
  /** consecutive failed (re)connection attempts; 0 once connected */
  attempts: number;
  /** successful connections after the first */
  reconnects: number;
  /** PMD frames lost (time gaps, see PmdFrameDecoder.droppedFrames); null for HR-only straps */
  droppedFrames: number | null;
  /** Polar: the rate (Hz) of each PMD stream the sensor accepted on this connection, null when not streaming */
  streaming: { ecg: number | null; acc: number | null };
  lastError: string | null;
}

/** Receives each batch with the gateway time (monotonic ms) its notification arrived. */
export type BleBatchSink = (device: DeviceId, batch: SampleBatch, arrivalMs: number) => void;

const BT_BASE_SUFFIX = '00001000800000805f9b34fb';

/** noble's UUID form: lowercase hex without dashes, SIG-base 128-bit UUIDs shortened to 16 bits. */
export function normaliseUuid(u: string): string {
  let s = u.toLowerCase().replace(/^0x/, '').replace(/-/g, '');
  if (s.length === 32 && s.startsWith('0000') && s.endsWith(BT_BASE_SUFFIX)) s = s.slice(4, 8);
  return s;
}

const normaliseAddress = (a: string) => a.toLowerCase().replace(/[^0-9a-f]/g, '');

/** Moved to firmware-bridge/link/ (shared by every link); re-exported for existing imports. */
export { ReconnectBackoff };

function withTimeout<T>(ms: number, what: string, run: (done: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    run((err, v) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(v as T);
    });
  });
}

export interface BleWearableLinkOptions {
  config: BleWearableConfig;
  errors: ErrorCounter;
  onBatch: BleBatchSink;
  onStatus: (s: BleLinkStatus) => void;
  now: () => number;
  backoff: ReconnectBackoff;
  opTimeoutMs: number;
}

/**
 * One wearable's connection: matches advertisements, connects, discovers, subscribes to the
 * Heart Rate Measurement and (Polar) PMD characteristics, starts PMD streams one command at a
 * time, and reconnects with exponential backoff after any disconnect or failed setup.
 * Cost per notification: one parser call and the batches it yields.
 *
 * @example
 *   const link = new BleWearableLink({ config, errors, onBatch, onStatus, now, backoff, opTimeoutMs: 10000 });
 *   if (link.matches(peripheral)) link.attach(peripheral);
 */
export class BleWearableLink {
  readonly config: BleWearableConfig;
  private readonly errors: ErrorCounter;
  private readonly onBatch: BleBatchSink;
  private readonly onStatus: (s: BleLinkStatus) => void;
  private readonly now: () => number;
  private readonly sup: LinkSupervisor;
  private readonly opTimeoutMs: number;
  private readonly name: string | undefined;
  private readonly address: string | undefined;
  private readonly service: string | undefined;
  private peripheral: NoblePeripheralLike | null = null;
  private stopped = false;
  private pmd: PmdFrameDecoder | null = null;
  /** PMD frames lost on earlier connections */
  private droppedBefore = 0;
  private connections = 0;
  private pendingPmd: ((r: PmdResponse) => void) | null = null;
  private readonly st: BleLinkStatus;

  constructor(opts: BleWearableLinkOptions) {
    const c = opts.config;
    if (!c.id) throw new RangeError('BLE wearable needs an id');
    if (c.kind !== 'hrs-strap' && c.kind !== 'polar-h10') throw new RangeError(`unknown BLE wearable kind ${String(c.kind)}`);
    if (!(opts.opTimeoutMs > 0)) throw new RangeError('opTimeoutMs must be > 0');
    this.config = c;
    this.errors = opts.errors;
    this.onBatch = opts.onBatch;
    this.onStatus = opts.onStatus;
    this.now = opts.now;
    // no silence watchdog here: a strap's silence is judged by its runtime (LinkHealth)
    this.sup = new LinkSupervisor({ device: c.id, errors: opts.errors, backoff: opts.backoff, reconnect: () => void this.connect() });
    this.sup.start();
    this.opTimeoutMs = opts.opTimeoutMs;
    const none = c.name === undefined && c.address === undefined && c.service === undefined;
    this.name = none && c.kind === 'polar-h10' ? 'Polar H10' : c.name;
    this.address = c.address === undefined ? undefined : normaliseAddress(c.address);
    this.service = none && c.kind === 'hrs-strap' ? '180d' : c.service === undefined ? undefined : normaliseUuid(c.service);
    this.st = { id: c.id, state: 'waiting', address: null, mtu: null, battery: null, location: null, info: {}, attempts: 0, reconnects: 0, droppedFrames: c.kind === 'polar-h10' ? 0 : null, streaming: { ecg: null, acc: null }, lastError: null };
  }

  status(): BleLinkStatus {
    if (this.st.droppedFrames !== null) this.st.droppedFrames = this.droppedBefore + (this.pmd?.droppedFrames ?? 0);
    return { ...this.st, info: { ...this.st.info }, streaming: { ...this.st.streaming } };
  }

  /** True while this link has no peripheral yet and wants advertisements. */
  get unclaimed(): boolean {
    return this.peripheral === null && !this.stopped;
  }

  matches(p: NoblePeripheralLike): boolean {
    const adv = p.advertisement ?? {};
    if (this.name !== undefined && !(adv.localName ?? '').startsWith(this.name)) return false;
    if (this.address !== undefined && normaliseAddress(p.address ?? '') !== this.address) return false;
    if (this.service !== undefined && !(adv.serviceUuids ?? []).some((u) => normaliseUuid(u) === this.service)) return false;
    return true;
  }

  /** Takes a matching peripheral for good: later reconnects go to the same one. */
  attach(p: NoblePeripheralLike): void {
    this.peripheral = p;
    this.st.address = p.address ?? null;
    p.on('disconnect', () => this.onDisconnect());
    void this.connect();
  }

  setState(state: BleLinkState, error?: string): void {
    this.st.state = state;
    if (error !== undefined) this.st.lastError = error;
    this.onStatus(this.status());
  }

  /** Adapter went away (powered off): drop the timer; `resume` reconnects when it is back. */
  suspend(): void {
    this.sup.cancelRetry();
    if (!this.stopped) this.setState(this.peripheral ? 'backoff' : 'waiting');
  }

  resume(): void {
    if (this.stopped || !this.peripheral || this.peripheral.state === 'connected' || this.peripheral.state === 'connecting') return;
    this.scheduleReconnect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sup.stop();
    const p = this.peripheral;
    if (p && (p.state === 'connected' || p.state === 'connecting')) {
      if (p.state === 'connecting') p.cancelConnect();
      else await withTimeout<void>(this.opTimeoutMs, 'disconnect', (done) => p.disconnect(() => done(null))).catch(() => undefined);
    }
    this.setState('stopped');
  }

  private onDisconnect(): void {
    this.pendingPmd = null;
    // stopped, or a failed setup that already counted and scheduled its retry
    if (this.stopped || this.sup.retryPending) return;
    this.errors.count('AFG_E_DEVICE_IO');
    this.scheduleReconnect('disconnected');
  }

  private scheduleReconnect(error?: string): void {
    if (this.stopped || this.sup.retryPending) return;
    this.sup.retry();
    this.st.attempts = this.sup.attempt;
    this.setState('backoff', error);
  }

  private async connect(): Promise<void> {
    const p = this.peripheral;
    if (!p || this.stopped) return;
    this.setState('connecting');
    try {
      await withTimeout<void>(this.opTimeoutMs, 'connect', (done) => p.connect((err) => done(err)));
      await this.setup(p);
      if (this.stopped) return;
      this.sup.resetBackoff();
      this.st.attempts = 0;
      this.st.reconnects = Math.max(0, ++this.connections - 1);
      this.st.mtu = p.mtu ?? null;
      this.setState('connected', undefined);
    } catch (e) {
      if (this.stopped) return;
      const msg = e instanceof Error ? e.message : String(e);
      this.errors.count('AFG_E_DEVICE_IO');
      if (p.state === 'connecting') p.cancelConnect();
      if (p.state === 'connected') p.disconnect(); // its disconnect event schedules the retry
      this.scheduleReconnect(`AFG_E_DEVICE_IO: ${msg}`);
    }
  }

  private async setup(p: NoblePeripheralLike): Promise<void> {
    const services = await withTimeout<NobleServiceLike[]>(this.opTimeoutMs, 'service discovery', (done) => p.discoverServices([], (err, s) => done(err, s)));
    const chars = new Map<string, NobleCharacteristicLike>();
    for (const s of services) {
      const list = await withTimeout<NobleCharacteristicLike[]>(this.opTimeoutMs, `characteristics of ${s.uuid}`, (done) => s.discoverCharacteristics([], (err, c) => done(err, c)));
      for (const c of list) chars.set(normaliseUuid(c.uuid), c);
    }
    const hrm = chars.get(HEART_RATE_MEASUREMENT_UUID);
    if (hrm) {
      hrm.on('data', (data: Buffer) => {
        const at = this.now();
        const b = heartRateNotificationToBatches(data, this.config.id, at, this.errors);
        if (!b) return;
        this.onBatch(this.config.id, b.hr, at);
        if (b.rr) this.onBatch(this.config.id, b.rr, at);
      });
      await this.subscribe(hrm);
    } else if (this.config.kind === 'hrs-strap') {
      throw new Error('no Heart Rate Measurement characteristic (0x2A37)');
    }
    await this.readStandard(chars);
    if (this.config.kind === 'polar-h10') await this.startPmd(p, chars);
  }

  private subscribe(c: NobleCharacteristicLike): Promise<void> {
    return withTimeout<void>(this.opTimeoutMs, `subscribe ${c.uuid}`, (done) => c.subscribe((err) => done(err)));
  }

  private read(c: NobleCharacteristicLike): Promise<Buffer> {
    return withTimeout<Buffer>(this.opTimeoutMs, `read ${c.uuid}`, (done) => c.read((err, data) => done(err, data)));
  }

  /** Battery (read, then notified when the strap supports it), location, device information. */
  private async readStandard(chars: Map<string, NobleCharacteristicLike>): Promise<void> {
    const battery = chars.get(BATTERY_LEVEL_UUID);
    if (battery) {
      const set = (data: Buffer) => {
        const v = parseBatteryLevel(data, this.errors);
        if (v !== null && v !== this.st.battery) {
          this.st.battery = v;
          this.onStatus(this.status());
        }
      };
      set(await this.read(battery));
      if (battery.properties.includes('notify')) {
        battery.on('data', (d: Buffer, isNotification: boolean) => isNotification && set(d));
        await this.subscribe(battery);
      }
    }
    const loc = chars.get(BODY_SENSOR_LOCATION_UUID);
    if (loc) this.st.location = parseBodySensorLocation(await this.read(loc), this.errors);
    for (const [uuid, field] of Object.entries(DEVICE_INFORMATION_STRINGS)) {
      const c = chars.get(uuid);
      if (!c) continue;
      const s = parseDeviceInformationString(await this.read(c), this.errors);
      if (s !== null) this.st.info[field] = s;
    }
  }

  /**
   * PMD: subscribe to control point indications and data, then start each stream and wait for
   * its response before the next command (the sensor handles one at a time). A refused start
   * is reported, not retried: invalid_mtu (the bindings could not raise the MTU) as
   * AFG_E_BLE_MTU with the negotiated value, any other refusal as AFG_E_DEVICE_IO.
   */
  private async startPmd(p: NoblePeripheralLike, chars: Map<string, NobleCharacteristicLike>): Promise<void> {
    const cp = chars.get(PMD_CONTROL_POINT_UUID);
    const data = chars.get(PMD_DATA_UUID);
    if (!cp || !data) throw new Error('no Polar PMD service on this device');
    const ecg = this.config.ecg === false ? null : (this.config.ecg ?? { sampleRate: 130, resolution: 14 });
    const acc = this.config.acc === false ? null : (this.config.acc ?? { sampleRate: 200, resolution: 16, range: 8 });
    const dec = new PmdFrameDecoder({ device: this.config.id, errors: this.errors, ecgRateHz: ecg?.sampleRate ?? 130, accRateHz: acc?.sampleRate ?? 200 });
    this.droppedBefore += this.pmd?.droppedFrames ?? 0; // a fresh stream: its gap to the old one is no loss
    this.pmd = dec;
    cp.on('data', (d: Buffer) => {
      const r = parsePmdResponse(d, this.errors);
      if (r && this.pendingPmd) this.pendingPmd(r);
    });
    data.on('data', (d: Buffer) => {
      const at = this.now();
      const b = dec.decode(d);
      if (b) this.onBatch(this.config.id, b, at);
    });
    await this.subscribe(cp);
    await this.subscribe(data);
    // the bindings' Exchange MTU has completed by now (it is queued before discovery)
    this.st.mtu = p.mtu ?? null;
    this.st.streaming = { ecg: null, acc: null };
    const refused: string[] = [];
    const tooSmall: string[] = [];
    for (const [type, s] of [[PmdMeasurement.Ecg, ecg], [PmdMeasurement.Acc, acc]] as const) {
      if (!s) continue;
      const r = await this.pmdCommand(cp, buildStart(type, s));
      // already_in_state: the stream survived our reconnect; it is running, which is what we asked
      const name = type === PmdMeasurement.Ecg ? 'ECG' : 'ACC';
      if (r.op === 2 && (r.status === 'success' || r.status === 'already_in_state')) {
        this.st.streaming[type === PmdMeasurement.Ecg ? 'ecg' : 'acc'] = s.sampleRate;
        continue;
      }
      if (r.status === 'invalid_mtu') tooSmall.push(name);
      else refused.push(`${name} start refused: ${r.status}`);
    }
    const messages: string[] = [];
    if (tooSmall.length) {
      // one cause, counted once per connection; no threshold of ours: the minimum is the sensor's
      // (Polar documents none; reports for the H10 range from 64 to 232 bytes: polar-ble-sdk
      // issues #40, #55, #287), so its invalid_mtu answer is what decides
      this.errors.count('AFG_E_BLE_MTU');
      messages.push(`AFG_E_BLE_MTU: ${tooSmall.join(' and ')} start refused (invalid_mtu): negotiated ATT MTU ${this.st.mtu ?? 'unknown'} is too small for the sensor's PMD frames`);
    }
    if (refused.length) {
      this.errors.count('AFG_E_DEVICE_IO', refused.length);
      messages.push(`AFG_E_DEVICE_IO: ${refused.join('; ')}`);
    }
    if (messages.length) this.st.lastError = messages.join('; ');
  }

  private pmdCommand(cp: NobleCharacteristicLike, cmd: Uint8Array): Promise<PmdResponse> {
    return new Promise<PmdResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingPmd = null;
        reject(new Error('PMD control point response timed out'));
      }, this.opTimeoutMs);
      this.pendingPmd = (r) => {
        if (r.op !== cmd[0] || r.type !== cmd[1]) return;
        clearTimeout(timer);
        this.pendingPmd = null;
        resolve(r);
      };
      cp.write(Buffer.from(cmd), false, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pendingPmd = null;
        reject(err);
      });
    });
  }
}
