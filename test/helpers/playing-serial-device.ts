import type { SerialPort } from 'serialport';
import { openEmulatorPort, type EmulatorAttachment, type SerialEyeTrackerEmulator } from '../../firmware-bridge/emulators/serial-eye-tracker-emulator.ts';
import type { GazeColumns } from '../../firmware-bridge/serial/protocol.ts';

/**
 * A serial eye tracker playing live on the device end of a PTY (or any serial path): HELLO at
 * plug-in, TIME_SYNC answered (the emulator's attach), then one 12-sample frame every 100 ms
 * of 120 Hz gaze while playing. Counts what it sent, so a test can compare with what the
 * gateway took in. Unplug/plug-in follow the cable: close the port before socat goes.
 *
 * Cost: one small frame per 100 ms.
 *
 * @example
 *   const dev = new PlayingSerialDevice(new SerialEyeTrackerEmulator({ deviceId: 'ET-1' }), performance.now());
 *   await dev.plugIn(pty.dev);
 *   dev.play();
 *   ...
 *   await dev.unplugged();
 */
export class PlayingSerialDevice {
  private port: SerialPort | null = null;
  private att: EmulatorAttachment | null = null;
  private timer: NodeJS.Timeout | null = null;
  private simUs = 0;
  /** gaze samples written so far */
  sent = 0;
  constructor(
    private readonly emu: SerialEyeTrackerEmulator,
    private readonly t0: number,
  ) {
    if (!emu) throw new TypeError('PlayingSerialDevice needs an emulator');
  }

  async plugIn(devPath: string): Promise<void> {
    const port = await openEmulatorPort(devPath);
    port.on('error', () => undefined); // the PTY vanishes on unplug: expected
    this.port = port;
    this.att = this.emu.attach(port, () => (performance.now() - this.t0) * 1000);
  }

  play(): void {
    if (!this.timer) this.timer = setInterval(() => void this.frame(12), 100);
  }

  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async frame(n: number): Promise<void> {
    const att = this.att;
    if (!att) return;
    const bytes = this.emu.gaze(gazeColumns(n, this.simUs));
    this.simUs += (n * 1e6) / 120;
    await att.write(bytes).catch(() => undefined);
    this.sent += n;
  }

  /** The first `share` of one gaze frame's bytes, and no more: the cable is pulled after this. Returns the bytes written. */
  async partialFrame(share: number): Promise<number> {
    if (!(share > 0 && share < 1)) throw new RangeError('share must be in (0, 1)');
    const bytes = this.emu.gaze(gazeColumns(12, this.simUs));
    this.simUs += 1e5;
    const cut = Math.floor(bytes.length * share);
    await this.att!.write(bytes.subarray(0, cut));
    return cut;
  }

  async unplugged(): Promise<void> {
    this.pause();
    this.att?.detach();
    this.att = null;
    const p = this.port;
    this.port = null;
    if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
  }
}

/** n samples of valid 120 Hz gaze from t0Us (device-side µs), a slow sweep in degrees. */
export function gazeColumns(n: number, t0Us: number): GazeColumns {
  const c: GazeColumns = { n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n), openness: new Float32Array(n), valid: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    c.t[i] = t0Us + (i * 1e6) / 120;
    c.x[i] = Math.sin((t0Us / 1e6 + i / 120) * 2) * 5;
    c.y[i] = 1;
    c.pupil[i] = 3.5;
    c.openness[i] = 0.85;
    c.valid[i] = 1;
  }
  return c;
}
