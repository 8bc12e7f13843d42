import { ErrorCounter, type ErrorCode } from '../core/errors.ts';

/** Codes that mean "bad input from the device, dropped and counted" (as opposed to link events). */
export const INPUT_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'AFG_E_FRAME_CRC',
  'AFG_E_FRAME_COBS',
  'AFG_E_FRAME_TOO_LONG',
  'AFG_E_FRAME_TRUNCATED',
  'AFG_E_FRAME_UNKNOWN_TYPE',
  'AFG_E_PROTOCOL_VERSION',
  'AFG_E_GATT_PAYLOAD',
  'AFG_E_PMD_PAYLOAD',
  'AFG_E_GAZEPOINT_RECORD',
  'AFG_E_PUPIL_MESSAGE',
]);

/**
 * One device's error counts, also counted in the gateway's own counter (afg_errors_total), so a
 * DeviceStatus can say which device sends bad frames. Cost: two Map updates per count.
 *
 * @example
 *   const errors = new DeviceErrorCounter(gatewayErrors);
 *   new FrameDecoder({ device: 'et-1', errors, onMessage });
 *   errors.inputErrors(); // CRC, framing and payload errors of this device only
 */
export class DeviceErrorCounter extends ErrorCounter {
  private readonly parent: ErrorCounter;
  private input = 0;

  constructor(parent: ErrorCounter) {
    super();
    if (!(parent instanceof ErrorCounter)) throw new TypeError('DeviceErrorCounter needs the gateway ErrorCounter');
    this.parent = parent;
  }

  override count(code: ErrorCode, n = 1): void {
    super.count(code, n);
    if (INPUT_ERROR_CODES.has(code)) this.input += n;
    this.parent.count(code, n);
  }

  /** Bad input dropped so far, all input codes together. */
  inputErrors(): number {
    return this.input;
  }
}
