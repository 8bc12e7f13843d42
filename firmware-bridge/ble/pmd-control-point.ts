import type { ErrorCounter } from '../../gateway/core/errors.ts';

/**
 * Polar Measurement Data (PMD) control point: commands the gateway writes and the responses
 * the sensor indicates back.
 * Source: Polar BLE SDK, "Polar Measurement Data specification for 3rd party" and the SDK's
 * PmdControlPointCommand / PmdControlPointResponse / PmdSetting (github.com/polarofficial/polar-ble-sdk,
 * technical_documentation). All multi-byte values are little-endian.
 *   command:  [op u8][measurement type u8][setting type u8][count u8][value]...  (op 1 get, 2 start, 3 stop)
 *   response: [0xF0][op u8][measurement type u8][status u8][more u8][settings...] (settings only on get)
 */
export const PMD_SERVICE_UUID = 'fb005c8002e7f3871cad8acd2d8df0c8';
export const PMD_CONTROL_POINT_UUID = 'fb005c8102e7f3871cad8acd2d8df0c8';
export const PMD_DATA_UUID = 'fb005c8202e7f3871cad8acd2d8df0c8';

export const PmdOp = { GetSettings: 1, Start: 2, Stop: 3 } as const;
export type PmdOp = (typeof PmdOp)[keyof typeof PmdOp];

export const PmdMeasurement = { Ecg: 0, Ppg: 1, Acc: 2, Ppi: 3, Gyro: 5, Mag: 6 } as const;
export type PmdMeasurement = (typeof PmdMeasurement)[keyof typeof PmdMeasurement];

/** Setting types and the byte width of each value (PmdSetting in the SDK). */
export const PmdSettingType = { SampleRate: 0, Resolution: 1, Range: 2, RangeMilliUnit: 3, Channels: 4, Factor: 5 } as const;
const SETTING_WIDTH = [2, 2, 2, 4, 1, 4] as const;

/** Response status codes 0..14 (PmdResponseCode in the SDK's PmdControlPointResponse). */
export const PMD_STATUS = [
  'success',
  'invalid_op_code',
  'invalid_measurement_type',
  'not_supported',
  'invalid_length',
  'invalid_parameter',
  'already_in_state',
  'invalid_resolution',
  'invalid_sample_rate',
  'invalid_range',
  'invalid_mtu',
  'invalid_number_of_channels',
  'invalid_state',
  'device_in_charger',
  'disk_full',
] as const;
export type PmdStatus = (typeof PMD_STATUS)[number] | 'unknown';

export interface PmdSettings {
  sampleRate?: number[];
  resolution?: number[];
  range?: number[];
  rangeMilliUnit?: number[];
  channels?: number[];
  factor?: number[];
}
const SETTING_KEYS = ['sampleRate', 'resolution', 'range', 'rangeMilliUnit', 'channels', 'factor'] as const;

/** A start request picks one value per setting. */
export interface PmdStartSettings {
  sampleRate: number;
  resolution: number;
  range?: number;
}

/** @example buildGetSettings(PmdMeasurement.Ecg) // 01 00 */
export function buildGetSettings(type: PmdMeasurement): Uint8Array {
  return Uint8Array.of(PmdOp.GetSettings, type);
}

/**
 * Start command; settings in the order sample rate, resolution, range, one uint16 value each.
 *
 * @example
 *   buildStart(PmdMeasurement.Ecg, { sampleRate: 130, resolution: 14 }) // 02 00 00 01 82 00 01 01 0E 00
 */
export function buildStart(type: PmdMeasurement, s: PmdStartSettings): Uint8Array {
  const values: [number, number][] = [
    [PmdSettingType.SampleRate, s.sampleRate],
    [PmdSettingType.Resolution, s.resolution],
  ];
  if (s.range !== undefined) values.push([PmdSettingType.Range, s.range]);
  const out = new Uint8Array(2 + 4 * values.length);
  out[0] = PmdOp.Start;
  out[1] = type;
  let i = 2;
  for (const [st, v] of values) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`PMD setting ${st} must be a uint16, got ${v}`);
    out[i++] = st;
    out[i++] = 1;
    out[i++] = v & 0xff;
    out[i++] = v >> 8;
  }
  return out;
}

/** @example buildStop(PmdMeasurement.Acc) // 03 02 */
export function buildStop(type: PmdMeasurement): Uint8Array {
  return Uint8Array.of(PmdOp.Stop, type);
}

/** Polar H10 defaults: ECG 130 Hz 14-bit, ACC 200 Hz 16-bit ±8 G. */
export const H10_ECG_START = buildStart(PmdMeasurement.Ecg, { sampleRate: 130, resolution: 14 });
export const H10_ACC_START = buildStart(PmdMeasurement.Acc, { sampleRate: 200, resolution: 16, range: 8 });

export interface PmdResponse {
  op: number;
  type: number;
  statusCode: number;
  status: PmdStatus;
  more: boolean;
  /** parsed on a successful get-settings response, else empty */
  settings: PmdSettings;
}

/**
 * Parses a control point indication. Null (counted AFG_E_PMD_PAYLOAD) when it is not a response,
 * is shorter than 4 bytes, or its settings list is truncated or names an unknown setting type.
 *
 * @example
 *   parsePmdResponse(Uint8Array.of(0xf0, 2, 0, 10), errors) // { status: 'invalid_mtu', ... }
 */
export function parsePmdResponse(p: Uint8Array, errors: ErrorCounter): PmdResponse | null {
  if (p.length < 4 || p[0] !== 0xf0 || p.length > 512) {
    errors.count('AFG_E_PMD_PAYLOAD');
    return null;
  }
  const statusCode = p[3]!;
  const r: PmdResponse = { op: p[1]!, type: p[2]!, statusCode, status: PMD_STATUS[statusCode] ?? 'unknown', more: p.length > 4 && p[4] !== 0, settings: {} };
  if (r.op !== PmdOp.GetSettings || statusCode !== 0) return r;
  let i = 5;
  while (i < p.length) {
    const st = p[i]!;
    const width = SETTING_WIDTH[st as 0];
    if (width === undefined || i + 2 > p.length) {
      errors.count('AFG_E_PMD_PAYLOAD');
      return null;
    }
    const count = p[i + 1]!;
    i += 2;
    if (i + count * width > p.length) {
      errors.count('AFG_E_PMD_PAYLOAD');
      return null;
    }
    const list: number[] = [];
    for (let k = 0; k < count; k++, i += width) {
      let v = 0;
      for (let b = width - 1; b >= 0; b--) v = v * 256 + p[i + b]!;
      list.push(v);
    }
    r.settings[SETTING_KEYS[st]!] = list;
  }
  return r;
}

/**
 * Builds a response (the emulated H10 answers with it).
 *
 * @example encodePmdResponse(PmdOp.Start, PmdMeasurement.Ecg, 0) // F0 02 00 00 00
 */
export function encodePmdResponse(op: number, type: number, statusCode: number, settings: PmdSettings = {}): Uint8Array {
  const bytes: number[] = [0xf0, op, type, statusCode, 0];
  SETTING_KEYS.forEach((key, st) => {
    const list = settings[key];
    if (!list) return;
    bytes.push(st, list.length);
    for (const v of list) for (let b = 0; b < SETTING_WIDTH[st]!; b++) bytes.push(Math.floor(v / 256 ** b) & 0xff);
  });
  return Uint8Array.from(bytes);
}

/** Reads back the chosen values of a start command (the emulator validates them). Null if malformed. */
export function parsePmdStart(p: Uint8Array): { type: number; settings: PmdSettings } | null {
  if (p.length < 2 || p[0] !== PmdOp.Start) return null;
  const settings: PmdSettings = {};
  let i = 2;
  while (i < p.length) {
    const st = p[i]!;
    const width = SETTING_WIDTH[st as 0];
    if (width === undefined || i + 2 > p.length) return null;
    const count = p[i + 1]!;
    i += 2;
    if (i + count * width > p.length) return null;
    const list: number[] = [];
    for (let k = 0; k < count; k++, i += width) {
      let v = 0;
      for (let b = width - 1; b >= 0; b--) v = v * 256 + p[i + b]!;
      list.push(v);
    }
    settings[SETTING_KEYS[st]!] = list;
  }
  return { type: p[1]!, settings };
}
