import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { AfgError } from '../../gateway/core/errors.ts';

/**
 * The slice of @abandonware/noble the transport uses, typed structurally so a noble built over
 * fake bindings (tests) and the real one both fit, and so noble's own typings stay out of our API.
 */
export interface NobleCharacteristicLike extends EventEmitter {
  uuid: string;
  properties: string[];
  subscribe(cb: (err: Error | null | undefined) => void): void;
  read(cb: (err: Error | null | undefined, data: Buffer) => void): void;
  write(data: Buffer, withoutResponse: boolean, cb: (err: Error | null | undefined) => void): void;
}

export interface NobleServiceLike {
  uuid: string;
  discoverCharacteristics(uuids: string[], cb: (err: Error | null | undefined, chars: NobleCharacteristicLike[]) => void): void;
}

export interface NoblePeripheralLike extends EventEmitter {
  id: string;
  address: string;
  state: string;
  mtu: number | null;
  advertisement: { localName?: string; serviceUuids?: string[] };
  connect(cb: (err: Error | null | undefined) => void): void;
  cancelConnect(): void;
  disconnect(cb?: () => void): void;
  discoverServices(uuids: string[], cb: (err: Error | null | undefined, services: NobleServiceLike[]) => void): void;
}

export interface NobleLike extends EventEmitter {
  readonly state: string;
  startScanning(serviceUuids: string[], allowDuplicates: boolean, cb?: (err?: Error | null) => void): void;
  stopScanning(cb?: () => void): void;
}

/**
 * Loads noble only when a BLE device is configured: its HCI bindings open a Bluetooth socket at
 * require() time and throw (EAFNOSUPPORT, EPERM, no adapter) on machines without Bluetooth.
 * Cost: one require on first use.
 *
 * @throws AfgError AFG_E_BLE_UNAVAILABLE, so the gateway can keep its other devices running.
 * @example
 *   let noble; try { noble = loadNoble(); } catch (e) { log.warn(e); }
 */
export function loadNoble(): NobleLike {
  const require = createRequire(import.meta.url);
  try {
    return require('@abandonware/noble') as NobleLike;
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new AfgError('AFG_E_BLE_UNAVAILABLE', `@abandonware/noble could not start Bluetooth (${why})`, { cause });
  }
}

/**
 * A noble instance over the given bindings object (an EventEmitter speaking noble's bindings
 * protocol): how tests and alternative HCI transports drive the real noble code.
 *
 * @example const noble = nobleWithBindings(fakeBindings);
 */
export function nobleWithBindings(bindings: EventEmitter): NobleLike {
  const require = createRequire(import.meta.url);
  const make = require('@abandonware/noble/with-bindings') as (b: EventEmitter) => NobleLike;
  return make(bindings);
}
