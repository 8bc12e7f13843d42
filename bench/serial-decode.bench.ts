/**
 * Serial-frame decode throughput on one core (issue 3: target >= 20 MB/s): MB/s and gaze
 * samples/s through `FrameDecoder` for a realistic stream (HELLO, then full 48-sample GAZE
 * frames with a HEARTBEAT every 480 samples), delivered three ways: byte by byte (the worst a
 * UART driver can do), in 4 KiB chunks (a USB-CDC read) and as one whole buffer. The figure is
 * per second of process CPU time (the machine may be shared: wall time would count the other
 * processes' work); wall-time MB/s is printed next to it. Not a test: prints figures, asserts
 * only that a clean stream decodes without errors.
 *
 * Run: node --import tsx bench/serial-decode.bench.ts [--json] [--quick] [--seconds S per mode]
 *        [--chunks 1,4096,0]   (0 = the whole buffer in one push)
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { SerialEyeTrackerEmulator } from '../firmware-bridge/emulators/serial-eye-tracker-emulator.ts';
import { FrameDecoder } from '../firmware-bridge/serial/frame-decoder.ts';
import { ErrorCounter } from '../gateway/core/errors.ts';
import { BenchReport } from './lib/bench-report.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '3' },
    chunks: { type: 'string', default: '1,4096,0' },
  },
  strict: false,
});
const SECONDS = Number(args.seconds) / (args.quick ? 3 : 1);
const CHUNKS = String(args.chunks).split(',').map(Number);
if (!(SECONDS > 0) || CHUNKS.some((c) => !Number.isInteger(c) || c < 0)) throw new RangeError('--seconds must be > 0 and --chunks non-negative integers');
const TARGET_MBS = 20;
const report = new BenchReport('serial-decode');

function buildStream(samples: number): Uint8Array {
  const emu = new SerialEyeTrackerEmulator({ deviceId: 'bench-et', sampleRateHz: 120, driftPpm: 30 });
  const parts: Uint8Array[] = [emu.hello()];
  const n = 480;
  const c = { n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n), openness: new Float32Array(n), valid: new Uint8Array(n) };
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
// the chunks of each mode are cut once, outside the timed loop: a port hands over ready buffers
const cut = (size: number): Uint8Array[] => {
  if (size === 0) return [stream];
  const out: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += size) out.push(stream.subarray(i, i + size));
  return out;
};
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const load0 = os.loadavg()[0]!;
report.line(`serial-decode: ${(stream.length / 1e6).toFixed(2)} MB stream (${SAMPLES} samples), ${SECONDS} s per mode, load average ${load0.toFixed(2)}`);
let sink = 0;
for (const size of CHUNKS) {
  const chunks = cut(size);
  const errors = new ErrorCounter();
  let samples = 0;
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
  const pass = () => {
    for (let i = 0; i < chunks.length; i++) dec.push(chunks[i]!);
  };
  // warm-up (JIT): at least one full pass and a second of work
  const warmEnd = performance.now() + 1000;
  do pass();
  while (performance.now() < warmEnd);
  samples = 0;
  let bytes = 0;
  const c0 = cpuS();
  const t0 = performance.now();
  do {
    pass();
    bytes += stream.length;
  } while (performance.now() - t0 < SECONDS * 1000);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = cpuS() - c0;
  if (errors.total() !== 0) throw new Error(`decode errors in a clean stream: ${JSON.stringify(errors.snapshot())}`);
  if (samples !== (bytes / stream.length) * SAMPLES) throw new Error(`decoded ${samples} samples, expected ${(bytes / stream.length) * SAMPLES}`);
  const mode = size === 1 ? 'byte' : size === 0 ? 'whole' : `${size}B`;
  const mbs = bytes / 1e6 / cpu;
  const sps = samples / cpu;
  report.line(
    `  ${mode.padEnd(6)} ${mbs.toFixed(1).padStart(6)} MB/s, ${(sps / 1e6).toFixed(2)} M gaze samples/s per CPU second (wall: ${(bytes / 1e6 / wallS).toFixed(1)} MB/s); target >= ${TARGET_MBS} MB/s ${mbs >= TARGET_MBS ? 'met' : 'MISSED'}`,
  );
  const params = { chunk: mode, chunkBytes: size === 0 ? stream.length : size, seconds: Math.round(wallS * 100) / 100 };
  report.result(`serial_decode.mb_per_s.${mode}`, mbs, 'MB/s', params);
  report.result(`serial_decode.gaze_samples_per_s.${mode}`, sps, 'samples/s', params);
}
// the decoded values are used, so the decode cannot be optimised away
if (!Number.isFinite(sink)) throw new Error('decoded gaze x is not finite');
report.line(`load average ${load0.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}`);
report.end();
