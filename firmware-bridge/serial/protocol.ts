/**
 * Constants and message shapes of the AFG serial eye-tracker protocol, version 1.
 * The normative text is firmware-bridge/PROTOCOL.md; keep the two in step.
 *
 * @example
 *   if (msg.type === 'gaze') pipeline.push(msg.batch);
 */
import type { GazeBatch, GazeUnits } from '../../gateway/core/types.ts';

export const PROTOCOL_VERSION = 1;
/** Versions this gateway build decodes (PROTOCOL.md §6). */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];

/** Decoded frame (body + CRC) limit, bytes (PROTOCOL.md §2.3). */
export const MAX_FRAME_LENGTH = 1024;
export const HEADER_LENGTH = 4;
export const CRC_LENGTH = 2;
export const GAZE_PREFIX_LENGTH = 10; // count u16 + t0 u64
export const GAZE_SAMPLE_LENGTH = 21; // dt u32, x, y, pupil, openness f32, flags u8

export const MessageType = {
  Hello: 0x01,
  Gaze: 0x02,
  DeviceEvent: 0x03,
  TimeSyncRequest: 0x04,
  TimeSyncResponse: 0x05,
  Heartbeat: 0x06,
  Error: 0x07,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** ERROR message codes (PROTOCOL.md §5.7). */
export const ProtocolErrorCode = {
  ProtocolVersion: 1,
  CrcErrors: 2,
  UnknownType: 3,
  DeviceFault: 16,
} as const;

export const GazeFlag = { Valid: 0x01 } as const;

export const HeartbeatStatus = { Tracking: 0x01, Calibrated: 0x02, Charging: 0x04, Overheating: 0x08 } as const;

export type GeometryKind = 'none' | 'screen' | 'scene_camera';

/** Screen: g0 width mm, g1 height mm, g2 distance mm. Scene camera: g0 hFOV deg, g1 vFOV deg. */
export interface DeviceGeometry {
  kind: GeometryKind;
  g0: number;
  g1: number;
  g2: number;
  resX: number;
  resY: number;
}

export interface HelloMessage {
  deviceId: string;
  firmwareVersion: string;
  protocolMin: number;
  protocolMax: number;
  sampleRateHz: number;
  units: GazeUnits;
  geometry: DeviceGeometry;
}

interface Framed {
  /** header version */
  version: number;
  seq: number;
}

export interface HelloDecoded extends Framed, HelloMessage {
  type: 'hello';
}
export interface GazeDecoded extends Framed {
  type: 'gaze';
  batch: GazeBatch;
}
export interface DeviceEventMessage {
  tUs: number;
  code: number;
  arg: number;
  text: string;
}
export interface DeviceEventDecoded extends Framed, DeviceEventMessage {
  type: 'device_event';
}
export interface TimeSyncRequestDecoded extends Framed {
  type: 'time_sync_request';
  t1Us: number;
}
export interface TimeSyncResponseMessage {
  t1Us: number;
  t2Us: number;
  t3Us: number;
}
export interface TimeSyncResponseDecoded extends Framed, TimeSyncResponseMessage {
  type: 'time_sync_response';
}
export interface HeartbeatMessage {
  tUs: number;
  /** 0..100, or null when the device has no battery / does not know */
  battery: number | null;
  status: number;
}
export interface HeartbeatDecoded extends Framed, HeartbeatMessage {
  type: 'heartbeat';
}
export interface ErrorMessage {
  code: number;
  arg: number;
  text: string;
}
export interface ErrorDecoded extends Framed, ErrorMessage {
  type: 'error';
}

export type DecodedMessage =
  | HelloDecoded
  | GazeDecoded
  | DeviceEventDecoded
  | TimeSyncRequestDecoded
  | TimeSyncResponseDecoded
  | HeartbeatDecoded
  | ErrorDecoded;

/** Columns handed to encodeGaze; t in device µs. */
export interface GazeColumns {
  n: number;
  t: Float64Array;
  x: Float32Array;
  y: Float32Array;
  pupil: Float32Array;
  openness: Float32Array;
  valid: Uint8Array;
}

export const GEOMETRY_KIND_CODE: Record<GeometryKind, number> = { none: 0, screen: 1, scene_camera: 2 };
export const GEOMETRY_KINDS: readonly GeometryKind[] = ['none', 'screen', 'scene_camera'];
export const UNITS_CODE: Record<GazeUnits, number> = { deg: 0, norm: 1 };
