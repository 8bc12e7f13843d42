/**
 * Synthetic gaze with known events, for the event-detector tests. A script of segments is turned
 * into positions (degrees) sampled at a rate with optional timestamp jitter and noise; every
 * sample carries its true label.
 *
 * Models (facts, cited):
 * - saccade: main sequence duration D = 2.2 ms/deg * A + 21 ms (Carpenter 1988, "Movements of
 *   the Eyes"), minimum-jerk position profile 10s^3 - 15s^4 + 6s^5 (Flash & Hogan 1985), so the
 *   peak velocity is 1.875 A / D (about 440 deg/s at 10 deg);
 * - PSO: the saccade lands `overshootDeg` past its target and the eye returns in a damped
 *   oscillation around it, `psoMs` long (PSO lasts 10-40 ms; Nyström & Holmqvist 2010);
 * - pursuit: constant velocity ramp (target speeds 2-30 deg/s);
 * - blink: lost samples, optionally with eyelid artefacts (the pupil centre dragged downwards
 *   `lidDeg` over the `lidMs` before and after the gap, as video trackers report it);
 * - track loss: lost samples without artefacts.
 */
export type Segment =
  | { kind: 'fix'; ms: number; driftDegS?: number }
  | { kind: 'sacc'; ampDeg: number; dirDeg?: number; overshootDeg?: number; psoMs?: number }
  | { kind: 'pursuit'; ms: number; speedDegS: number; dirDeg?: number }
  | { kind: 'blink'; ms: number; lidMs?: number; lidDeg?: number }
  | { kind: 'loss'; ms: number };

export interface SyntheticOptions {
  rateHz: number;
  /** uniform timestamp jitter, +- ms (timestamps stay increasing) */
  jitterMs?: number;
  /** white position noise, RMS deg per axis */
  noiseDeg?: number;
  seed?: number;
  x0?: number;
  y0?: number;
}

export interface SyntheticGaze {
  n: number;
  t: Float64Array;
  x: Float64Array;
  y: Float64Array;
  truth: Uint8Array;
  /** start and end time (ms) of each scripted segment, and its label */
  spans: { label: number; from: number; to: number }[];
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const saccadeMs = (ampDeg: number): number => 2.2 * ampDeg + 21;
const minJerk = (s: number): number => s * s * s * (10 - 15 * s + 6 * s * s);

interface Piece {
  label: number;
  from: number;
  to: number;
  pos(t: number, out: [number, number]): void;
}

export function synthesize(script: Segment[], o: SyntheticOptions): SyntheticGaze {
  const pieces: Piece[] = [];
  let tc = 0;
  let px = o.x0 ?? 0;
  let py = o.y0 ?? 0;
  for (const s of script) {
    const from = tc;
    if (s.kind === 'fix') {
      const x0 = px;
      const y0 = py;
      const v = (s.driftDegS ?? 0) / 1000;
      pieces.push({ label: 1, from, to: from + s.ms, pos: (t, p) => ((p[0] = x0 + v * (t - from)), (p[1] = y0)) });
      tc += s.ms;
      px += v * s.ms;
    } else if (s.kind === 'pursuit') {
      const x0 = px;
      const y0 = py;
      const a = ((s.dirDeg ?? 0) * Math.PI) / 180;
      const vx = (s.speedDegS * Math.cos(a)) / 1000;
      const vy = (s.speedDegS * Math.sin(a)) / 1000;
      pieces.push({ label: 4, from, to: from + s.ms, pos: (t, p) => ((p[0] = x0 + vx * (t - from)), (p[1] = y0 + vy * (t - from))) });
      tc += s.ms;
      px += vx * s.ms;
      py += vy * s.ms;
    } else if (s.kind === 'sacc') {
      const a = ((s.dirDeg ?? 0) * Math.PI) / 180;
      const ov = s.overshootDeg ?? 0;
      const amp = s.ampDeg + ov;
      const d = saccadeMs(amp);
      const x0 = px;
      const y0 = py;
      const ux = Math.cos(a);
      const uy = Math.sin(a);
      pieces.push({ label: 2, from, to: from + d, pos: (t, p) => { const m = amp * minJerk(Math.min(1, Math.max(0, (t - from) / d))); p[0] = x0 + m * ux; p[1] = y0 + m * uy; } });
      tc += d;
      const ex = x0 + s.ampDeg * ux;
      const ey = y0 + s.ampDeg * uy;
      if (ov > 0 && (s.psoMs ?? 0) > 0) {
        const ms = s.psoMs!;
        const f0 = tc;
        // damped cosine: starts at the overshoot, about one and a half swings, 5 % left at the end
        pieces.push({ label: 3, from: f0, to: f0 + ms, pos: (t, p) => { const u = (t - f0) / ms; const m = ov * Math.cos(3 * Math.PI * u) * Math.exp(-3 * u); p[0] = ex + m * ux; p[1] = ey + m * uy; } });
        tc += ms;
      }
      px = ex;
      py = ey;
    } else if (s.kind === 'blink') {
      const lid = s.lidMs ?? 0;
      const ld = s.lidDeg ?? 0;
      const x0 = px;
      const y0 = py;
      if (lid > 0) pieces.push({ label: 5, from, to: from + lid, pos: (t, p) => ((p[0] = x0), (p[1] = y0 + ld * ((t - from) / lid) ** 2)) });
      pieces.push({ label: 5, from: from + lid, to: from + lid + s.ms, pos: (_t, p) => ((p[0] = NaN), (p[1] = NaN)) });
      const f2 = from + lid + s.ms;
      if (lid > 0) pieces.push({ label: 5, from: f2, to: f2 + lid, pos: (t, p) => ((p[0] = x0), (p[1] = y0 + ld * (1 - (t - f2) / lid) ** 2)) });
      tc += s.ms + 2 * lid;
    } else {
      pieces.push({ label: 7, from, to: from + s.ms, pos: (_t, p) => ((p[0] = NaN), (p[1] = NaN)) });
      tc += s.ms;
    }
  }
  const rnd = mulberry32(o.seed ?? 1);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const step = 1000 / o.rateHz;
  const n = Math.floor(tc / step);
  const t = new Float64Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const truth = new Uint8Array(n);
  const j = Math.min(o.jitterMs ?? 0, step * 0.45);
  const p: [number, number] = [0, 0];
  let pi = 0;
  for (let i = 0; i < n; i++) {
    const ti = i * step + (j > 0 ? (rnd() * 2 - 1) * j : 0);
    t[i] = ti;
    while (pi + 1 < pieces.length && pieces[pi]!.to <= ti) pi++;
    const pc = pieces[pi]!;
    pc.pos(ti, p);
    truth[i] = pc.label;
    const nz = o.noiseDeg ?? 0;
    x[i] = p[0] + (nz > 0 ? nz * gauss() : 0);
    y[i] = p[1] + (nz > 0 ? nz * gauss() : 0);
  }
  return { n, t, x, y, truth, spans: pieces.map((q) => ({ label: q.label, from: q.from, to: q.to })) };
}
