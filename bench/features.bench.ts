/**
 * Gaze throughput of detectors + features: 100 wearers at 250 Hz, 100 ms batches (25 samples),
 * one frame per wearer per 100 ms tick, on one core. Not a test: prints figures, asserts nothing.
 * The stream has fixations, saccades, blinks (openness), a short track loss, and gaze moving in
 * and out of a "road_ahead" AOI, so every detector does real work.
 *
 * Run: node --import tsx bench/features.bench.ts [simulatedSeconds]
 */
import type { GazeBatch } from '../gateway/core/types.ts';
import { WearerFeatures } from '../gateway/features/wearer-features.ts';

const WEARERS = 100;
const RATE = 250;
const TICK_MS = 100;
const seconds = Number(process.argv[2] ?? 120);
const PER_TICK = (RATE * TICK_MS) / 1000;
const ROAD: [number, number][] = [[-20, -10], [20, -10], [20, 10], [-20, 10]];
const MIRROR: [number, number][] = [[25, -5], [35, -5], [35, 5], [25, 5]];

/** One minute of synthetic gaze per wearer (phase-shifted), replayed with shifted timestamps. */
function buildMinute(seed: number): GazeBatch {
  const n = RATE * 60;
  const b: GazeBatch = { kind: 'gaze', device: `et-${seed}`, clock: 'gateway', units: 'deg', n, t: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), pupil: new Float32Array(n), openness: new Float32Array(n), valid: new Uint8Array(n) };
  let x = 0;
  let y = 0;
  for (let i = 0; i < n; i++) {
    const t = (i * 1000) / RATE;
    const ph = (t + seed * 137) % 3000;
    if (ph < 30) { x += 0.8 * Math.sin(i + seed); y += 0.3 * Math.cos(i); } // saccade-like jumps
    if ((t + seed * 91) % 20_000 < 1500) x = 30; // a glance to the mirror
    else if (x > 20) x = 0;
    b.t[i] = t;
    b.x[i] = x + 0.05 * Math.sin(i * 0.7);
    b.y[i] = y;
    b.pupil[i] = 3.2 + 0.2 * Math.sin(t / 5000);
    b.openness[i] = (t + seed * 53) % 4000 < 180 ? 0.05 : 0.85;
    b.valid[i] = (t + seed * 29) % 30_000 < 400 ? 0 : 1;
  }
  return b;
}

const minutes = Array.from({ length: WEARERS }, (_, w) => buildMinute(w));
const wearers = Array.from({ length: WEARERS }, (_, w) => new WearerFeatures({ wearer: `op-${w}`, aois: [{ name: 'road_ahead', polygon: ROAD }, { name: 'mirror', polygon: MIRROR }], tickWindowMs: TICK_MS }));
// one reusable batch view per wearer: the tick copies 25 samples in, as a decoder would fill it
const views = minutes.map((m) => ({ ...m, n: PER_TICK, t: new Float64Array(PER_TICK), x: new Float32Array(PER_TICK), y: new Float32Array(PER_TICK), pupil: new Float32Array(PER_TICK), openness: new Float32Array(PER_TICK), valid: new Uint8Array(PER_TICK) }));

function run(ticks: number, startTick: number): { samples: number; frames: number; gazeMs: number; frameMs: number } {
  let samples = 0;
  let frames = 0;
  let gazeMs = 0;
  let frameMs = 0;
  const perMinute = RATE * 60;
  for (let k = startTick; k < startTick + ticks; k++) {
    const from = (k * PER_TICK) % perMinute;
    const offset = Math.floor((k * PER_TICK) / perMinute) * 60_000;
    const g0 = performance.now();
    for (let w = 0; w < WEARERS; w++) {
      const m = minutes[w]!;
      const v = views[w]!;
      for (let i = 0; i < PER_TICK; i++) {
        v.t[i] = m.t[from + i]! + offset;
        v.x[i] = m.x[from + i]!;
        v.y[i] = m.y[from + i]!;
        v.pupil[i] = m.pupil[from + i]!;
        v.openness[i] = m.openness[from + i]!;
        v.valid[i] = m.valid[from + i]!;
      }
      wearers[w]!.pushGaze(v);
      samples += PER_TICK;
    }
    const g1 = performance.now();
    const now = (k + 1) * TICK_MS;
    for (let w = 0; w < WEARERS; w++) wearers[w]!.frame(now);
    frames += WEARERS;
    frameMs += performance.now() - g1;
    gazeMs += g1 - g0;
  }
  return { samples, frames, gazeMs, frameMs };
}

const warm = Math.min(600, (seconds * 1000) / TICK_MS / 4);
run(warm, 0);
const ticks = (seconds * 1000) / TICK_MS;
const r = run(ticks, warm);
const total = r.gazeMs + r.frameMs;
console.log(`wearers=${WEARERS} rate=${RATE}Hz tick=${TICK_MS}ms simulated=${seconds}s (after ${(warm * TICK_MS) / 1000}s warm-up)`);
console.log(`gaze samples through detectors: ${(r.samples / (r.gazeMs / 1000) / 1e6).toFixed(2)} M samples/s (${((r.gazeMs * 1e6) / r.samples).toFixed(0)} ns/sample, batch copy included)`);
console.log(`frames: ${(r.frames / (r.frameMs / 1000)).toFixed(0)} frames/s (${((r.frameMs * 1000) / r.frames).toFixed(1)} µs/frame)`);
console.log(`detectors + features (frames at 10 Hz): ${(r.samples / (total / 1000) / 1e6).toFixed(2)} M samples/s per core; real time x${((seconds * 1000) / total).toFixed(0)} for ${WEARERS} wearers`);
