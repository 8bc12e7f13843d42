/**
 * Serial-frame decode throughput: MB/s and samples/s on one core, for a realistic stream
 * (HELLO, then full 48-sample GAZE frames with a heartbeat every 120 samples), pushed in
 * 4 KiB chunks like a USB-CDC read. Not a test: it prints figures, it asserts nothing.
 *
 * Run: node --import tsx bench/serial-decode.bench.ts [seconds] [chunkBytes]
 */
import { ErrorCounter } from '../gateway/core/errors.ts';
import { FrameDecoder } from '../firmware-bridge/serial/frame-decoder.ts';
import { SerialEyeTrackerEmulator } from '../firmware-bridge/emulators/serial-eye-tracker-emulator.ts';

const seconds = Number(process.argv[2] ?? 3);
const CHUNK = Number(process.argv[3] ?? 4096);

function buildStream(samples: number): Uint8Array {
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'bench-et', sampleRateHz: 120, driftPpm: 30 });
  const parts: Uint8Array[] = [emu.hello()];
  const n = 480;
  const c = {
    n,
    t: new Float64Array(n),
    x: new Float32Array(n),
    y: new Float32Array(n),
    pupil: new Float32Array(n),
    openness: new Float32Array(n),
    valid: new Uint8Array(n),
  };
  for (let done = 0; done < samples; done += n) {
    for (let i = 0; i < n; i++) {
      const k = done + i;
      c.t[i] = (k * 1e6) / 120;
      c.x[i] = Math.sin(k / 50) * 10;
      c.y[i] = Math.cos(k / 70) * 6;
      c.pupil[i] = 3 + Math.sin(k / 300);
      c.openness[i] = k % 400 < 12 ? 0.05 : 0.9;
      c.valid[i] = k % 97 === 0 ? 0 : 1;
    }
    parts.push(emu.gaze(c));
    parts.push(emu.heartbeat(80, c.t[0]!));
  }
  return Buffer.concat(parts);
}

const SAMPLES = 120 * 60 * 10; // ten minutes of 120 Hz gaze
const stream = buildStream(SAMPLES);
const errors = new ErrorCounter();
let samples = 0;
let sink = 0;
const dec = new FrameDecoder({
  device: 'bench-et',
  errors,
  onMessage: (m) => {
    if (m.type === 'gaze') {
      samples += m.batch.n;
      sink += m.batch.x[0]!;
    }
  },
});

function pass(): void {
  for (let i = 0; i < stream.length; i += CHUNK) dec.push(stream.subarray(i, i + CHUNK));
}

for (let i = 0; i < 3; i++) pass(); // warm-up (JIT)
samples = 0;
const t0 = process.hrtime.bigint();
let bytes = 0;
let elapsed = 0;
while (elapsed < seconds) {
  pass();
  bytes += stream.length;
  elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
}
if (errors.total() !== 0) throw new Error(`decode errors in a clean stream: ${JSON.stringify(errors.snapshot())}`);
const mbs = bytes / 1e6 / elapsed;
console.log(`serial-decode: ${(stream.length / 1e6).toFixed(2)} MB stream, ${CHUNK} B chunks, ${elapsed.toFixed(2)} s`);
console.log(`serial-decode: ${mbs.toFixed(1)} MB/s, ${(samples / elapsed / 1e6).toFixed(2)} M samples/s per core (target >= 20 MB/s) [${sink > -Infinity ? 'ok' : ''}]`);
