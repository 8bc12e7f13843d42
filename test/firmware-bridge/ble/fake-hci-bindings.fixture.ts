import { EventEmitter } from 'node:events';

export interface FakeCharacteristic {
  uuid: string;
  properties: string[];
  value?: Uint8Array;
  /** answers a write with notifications on (service, characteristic) */
  onWrite?: (data: Buffer) => { service: string; characteristic: string; data: Uint8Array }[];
}
export interface FakePeripheral {
  uuid: string;
  address: string;
  localName?: string;
  serviceUuids: string[];
  services: Record<string, FakeCharacteristic[]>;
  /**
   * the largest ATT MTU the peripheral grants; the real HCI bindings send Exchange MTU (256,
   * lib/hci-socket/gatt.js) right after the link is up, and the smaller of the two is what
   * they report with 'onMtu'. Absent: the bindings report none (like noble's macOS bindings).
   */
  mtu?: number;
  /** make the next N connects fail */
  failConnects?: number;
}

/**
 * Stands in for noble's HCI-socket bindings (lib/hci-socket/bindings.js): the methods noble
 * calls on its bindings, answered with the events noble listens for, asynchronously like the
 * real radio. What noble does with them (Peripheral/Service/Characteristic objects, callbacks)
 * is noble's own code.
 */
export class FakeHciBindings extends EventEmitter {
  readonly peripherals = new Map<string, FakePeripheral>();
  readonly calls: string[] = [];
  scanning = false;
  connected = new Set<string>();
  state = 'poweredOn';

  add(p: FakePeripheral): void {
    this.peripherals.set(p.uuid, p);
  }

  private later(...args: unknown[]): void {
    setImmediate(() => this.emit(...(args as [string, ...unknown[]])));
  }

  advertise(uuid: string): void {
    const p = this.peripherals.get(uuid)!;
    this.later('discover', uuid, p.address, 'public', true, { localName: p.localName, serviceUuids: p.serviceUuids, serviceData: [], manufacturerData: undefined, txPowerLevel: undefined, serviceSolicitationUuids: [] }, -60, true);
  }

  notifyValue(uuid: string, service: string, characteristic: string, data: Uint8Array): void {
    this.emit('read', uuid, service, characteristic, Buffer.from(data), true);
  }

  /** the radio link drops (HCI reason 0x08: connection timeout) */
  drop(uuid: string): void {
    this.connected.delete(uuid);
    this.emit('disconnect', uuid, 0x08);
  }

  init(): void {
    this.calls.push('init');
    this.later('stateChange', this.state);
  }
  setPower(state: string): void {
    this.state = state;
    this.emit('stateChange', state);
  }
  startScanning(serviceUuids: string[], allowDuplicates: boolean): void {
    this.calls.push(`startScanning ${JSON.stringify(serviceUuids ?? [])} ${allowDuplicates}`);
    this.scanning = true;
    this.later('scanStart', !allowDuplicates);
  }
  stopScanning(): void {
    this.calls.push('stopScanning');
    this.scanning = false;
    this.later('scanStop');
  }
  connect(uuid: string): void {
    this.calls.push(`connect ${uuid}`);
    const p = this.peripherals.get(uuid)!;
    if (p.failConnects) {
      p.failConnects--;
      this.later('connect', uuid, new Error('connection failed (fake)'));
      return;
    }
    this.connected.add(uuid);
    this.later('connect', uuid, null);
    if (p.mtu) this.later('onMtu', uuid, Math.min(256, p.mtu));
  }
  cancelConnect(uuid: string): void {
    this.calls.push(`cancelConnect ${uuid}`);
  }
  disconnect(uuid: string): void {
    this.calls.push(`disconnect ${uuid}`);
    this.connected.delete(uuid);
    this.later('disconnect', uuid, 0x16);
  }
  updateRssi(uuid: string): void {
    this.later('rssiUpdate', uuid, -60);
  }
  discoverServices(uuid: string, _uuids: string[]): void {
    this.later('servicesDiscover', uuid, Object.keys(this.peripherals.get(uuid)!.services));
  }
  discoverIncludedServices(uuid: string, service: string): void {
    this.later('includedServicesDiscover', uuid, service, []);
  }
  discoverCharacteristics(uuid: string, service: string, _uuids: string[]): void {
    const chars = this.peripherals.get(uuid)!.services[service] ?? [];
    this.later('characteristicsDiscover', uuid, service, chars.map((c) => ({ uuid: c.uuid, properties: c.properties })));
  }
  read(uuid: string, service: string, characteristic: string): void {
    const c = this.char(uuid, service, characteristic);
    this.later('read', uuid, service, characteristic, Buffer.from(c?.value ?? new Uint8Array()), false);
  }
  write(uuid: string, service: string, characteristic: string, data: Buffer, withoutResponse: boolean): void {
    this.calls.push(`write ${characteristic} ${data.toString('hex')}`);
    const c = this.char(uuid, service, characteristic);
    if (!withoutResponse) this.later('write', uuid, service, characteristic);
    for (const n of c?.onWrite?.(data) ?? []) setImmediate(() => this.notifyValue(uuid, n.service, n.characteristic, n.data));
  }
  notify(uuid: string, service: string, characteristic: string, on: boolean): void {
    this.calls.push(`notify ${characteristic} ${on}`);
    this.later('notify', uuid, service, characteristic, on);
  }
  discoverDescriptors(uuid: string, service: string, characteristic: string): void {
    this.later('descriptorsDiscover', uuid, service, characteristic, []);
  }
  reset(): void {}

  private char(uuid: string, service: string, characteristic: string): FakeCharacteristic | undefined {
    return this.peripherals.get(uuid)?.services[service]?.find((c) => c.uuid === characteristic);
  }
}
