import t from 'tap';
import { SignalSimulator, ROAD_AHEAD_POLYGON_DEG, type GazeColumns } from '../../firmware-bridge/simulator/signal-simulator.ts';
import { saccadeDurationMs } from '../../firmware-bridge/simulator/eye-movement-process.ts';
import type { WearerScript } from '../../firmware-bridge/simulator/scenario.ts';

type Segments = WearerScript['segments'];
const driver = (segments: Segments): WearerScript => ({ wearer: 'dr-19c2', role: 'driver', vehicle: { speedMps: 2.5 }, segments });
const operator = (segments: Segments): WearerScript => ({ wearer: 'op-7f3a', role: 'operator', segments });

function rmssd(rr: Float32Array): number {
  let s = 0;
  for (let i = 1; i < rr.length; i++) s += (rr[i]! - rr[i - 1]!) ** 2;
  return Math.sqrt(s / (rr.length - 1));
}

const [[RX0, RY0], , [RX1, RY1]] = ROAD_AHEAD_POLYGON_DEG as [number, number][];
const onRoad = (g: GazeColumns, i: number) => g.x[i]! >= RX0! && g.x[i]! <= RX1! && g.y[i]! >= RY0! && g.y[i]! <= RY1!;

/** Eye-closure episodes (openness <= 0.2, the P80 criterion) as [start index, length]. */
function closures(g: GazeColumns, from = 0, to = g.n): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = from; i < to; i++) {
    const c = g.valid[i] === 1 && g.openness[i]! <= 0.2;
    if (c && start < 0) start = i;
    if (!c && start >= 0) {
      out.push([start, i - start]);
      start = -1;
    }
  }
  return out;
}

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function concat<T extends Float64Array | Float32Array | Uint8Array>(parts: T[]): Buffer {
  return Buffer.concat(parts.map(bytes));
}

// one script with every state, looping, so that incremental generation crosses all transitions
const everything: WearerScript = driver([
  { at: 1, duration: 4, state: 'glance_away' },
  { at: 6, duration: 3, state: 'sensor_loss', params: { sensors: 'all' } },
  { at: 10, duration: 6, state: 'drowsy', params: { microsleepAtS: 2, microsleepS: 2.5 } },
  { at: 17, duration: 8, state: 'overload', params: { rampS: 2 } },
  { at: 26, duration: 3, state: 'idle' },
]);

t.test('same seed gives the same signals; another seed differs', async (t) => {
  const run = (seed: number) => {
    const sim = new SignalSimulator({ scenario: everything, seed, gazeRateHz: 120, loopS: 30 });
    return { g: sim.gazeUntil(40_000), h: sim.hrUntil(40_000), a: sim.accUntil(40_000) };
  };
  const a = run(3);
  const b = run(3);
  const c = run(4);
  t.ok(bytes(a.g.x).equals(bytes(b.g.x)) && bytes(a.g.openness).equals(bytes(b.g.openness)) && bytes(a.g.pupil).equals(bytes(b.g.pupil)), 'gaze identical');
  t.ok(bytes(a.h.rrMs).equals(bytes(b.h.rrMs)), 'beats identical');
  t.ok(bytes(a.a.z).equals(bytes(b.a.z)), 'acceleration identical');
  t.not(c.g.x[1000], a.g.x[1000], 'gaze differs with the seed');
  t.not(c.h.rrMs[10], a.h.rrMs[10], 'beats differ with the seed');
});

t.test('generating every 50-100 ms equals one call, for every signal', async (t) => {
  const end = 65_000;
  const whole = new SignalSimulator({ scenario: everything, seed: 11, gazeRateHz: 250, loopS: 30 });
  const g = whole.gazeUntil(end);
  const h = whole.hrUntil(end);
  const a = whole.accUntil(end);
  const inc = new SignalSimulator({ scenario: everything, seed: 11, gazeRateHz: 250, loopS: 30 });
  const parts = { t: [] as Float64Array[], x: [] as Float32Array[], y: [] as Float32Array[], p: [] as Float32Array[], o: [] as Float32Array[], v: [] as Uint8Array[], beats: [] as Float64Array[], rr: [] as Float32Array[], az: [] as Float32Array[] };
  let now = 0;
  let step = 0;
  while (now < end) {
    now = Math.min(end, now + 50 + ((step++ * 37) % 51)); // 50..100 ms, irregular
    const gi = inc.gazeUntil(now);
    parts.t.push(gi.t), parts.x.push(gi.x), parts.y.push(gi.y), parts.p.push(gi.pupil), parts.o.push(gi.openness), parts.v.push(gi.valid);
    const hi = inc.hrUntil(now);
    parts.beats.push(hi.beats), parts.rr.push(hi.rrMs);
    parts.az.push(inc.accUntil(now).z);
  }
  t.ok(concat(parts.t).equals(bytes(g.t)), 'gaze times');
  t.ok(concat(parts.x).equals(bytes(g.x)) && concat(parts.y).equals(bytes(g.y)), 'gaze position');
  t.ok(concat(parts.p).equals(bytes(g.pupil)), 'pupil');
  t.ok(concat(parts.o).equals(bytes(g.openness)), 'openness');
  t.ok(concat(parts.v).equals(bytes(g.valid)), 'validity');
  t.ok(concat(parts.beats).equals(bytes(h.beats)) && concat(parts.rr).equals(bytes(h.rrMs)), 'beats');
  t.ok(concat(parts.az).equals(bytes(a.z)), 'acceleration');
  t.equal(g.n, (end * 250) / 1000, 'one sample per period, t < tEnd');
});

t.test('sensor loss: valid 0 and NaN everywhere, openness never "closed"; heart loss is separate', async (t) => {
  const sim = new SignalSimulator({
    scenario: operator([
      { at: 1, duration: 2, state: 'sensor_loss' },
      { at: 5, duration: 4, state: 'sensor_loss', params: { sensors: 'heart' } },
    ]),
    seed: 1,
    gazeRateHz: 100,
  });
  const g = sim.gazeUntil(10_000);
  let bad = 0;
  for (let i = 100; i < 300; i++) {
    if (g.valid[i] !== 0 || !Number.isNaN(g.openness[i]!) || !Number.isNaN(g.x[i]!) || !Number.isNaN(g.pupil[i]!)) bad++;
  }
  t.equal(bad, 0, 'every sample of the loss is invalid with NaN channels');
  t.equal(g.valid[99], 1, 'valid before');
  t.equal(g.valid[300], 1, 'valid after');
  let invalidOutside = 0;
  for (let i = 300; i < g.n; i++) invalidOutside += g.valid[i] === 0 ? 1 : 0;
  t.equal(invalidOutside, 0, 'a heart-only loss leaves the gaze valid');
  t.equal(sim.truth(1500), 'sensor_loss');

  const h1 = sim.hrUntil(6_000);
  t.notOk(h1.contact, 'no contact during the heart loss');
  t.ok(Number.isNaN(h1.bpm), 'no heart rate without contact');
  const hAll = new SignalSimulator({ scenario: operator([{ at: 5, duration: 4, state: 'sensor_loss', params: { sensors: 'heart' } }]), seed: 1, gazeRateHz: 100 }).hrUntil(12_000);
  t.equal(hAll.beats.filter((b) => b >= 5000 && b < 9000).length, 0, 'no beats during the heart loss');
  t.ok(hAll.beats.filter((b) => b >= 9000).length >= 3, 'beats come back');
  t.ok(hAll.beats.filter((b) => b < 5000).length >= 4, 'beats before');
});

t.test('drowsiness over minutes: blinks lengthen and the closed share (PERCLOS) rises', async (t) => {
  const sim = new SignalSimulator({ scenario: operator([{ at: 0, duration: 600, state: 'drowsy', params: { rampS: 300 } }]), seed: 5, gazeRateHz: 100 });
  const g = sim.gazeUntil(360_000);
  const minute = (m: number) => {
    const from = m * 6000;
    const eps = closures(g, from, from + 6000);
    const closed = eps.reduce((s, e) => s + e[1], 0);
    return { perclos: closed / 6000, meanMs: (closed / Math.max(1, eps.length)) * 10 };
  };
  const first = minute(0);
  const last = minute(5);
  t.ok(first.perclos < 0.05, `PERCLOS alert ${first.perclos.toFixed(3)}`);
  t.ok(last.perclos > 0.1 && last.perclos > 3 * first.perclos, `PERCLOS ${first.perclos.toFixed(3)} -> ${last.perclos.toFixed(3)}`);
  t.ok(last.meanMs > first.meanMs + 150, `closure per blink ${first.meanMs.toFixed(0)} -> ${last.meanMs.toFixed(0)} ms`);
  const att = new SignalSimulator({ scenario: operator([]), seed: 5, gazeRateHz: 100 }).gazeUntil(360_000);
  const attClosed = closures(att).reduce((s, e) => s + e[1], 0) / att.n;
  t.ok(attClosed < 0.05, `attentive PERCLOS ${attClosed.toFixed(3)}`);
  let invalid = 0;
  for (let i = 0; i < g.n; i++) invalid += 1 - g.valid[i]!;
  t.equal(invalid, 0, 'closed eyes are valid samples, not sensor loss');
});

t.test('compressed drowsiness: a scripted microsleep shuts the eyes for its duration, tracked and valid', async (t) => {
  const sim = new SignalSimulator({ scenario: driver([{ at: 1, duration: 5, state: 'drowsy', params: { microsleepAtS: 1, microsleepS: 3.5 } }]), seed: 2, gazeRateHz: 100 });
  const g = sim.gazeUntil(8000);
  const longest = closures(g).reduce((m, e) => (e[1] > m[1] ? e : m), [0, 0]);
  t.ok(Math.abs(longest[0] - 200) <= 1, `closure starts at sample ${longest[0]}`);
  t.ok(longest[1] >= 350 && longest[1] <= 351 + 15, `closed ${longest[1]} samples`); // may run into a blink right after
  t.equal(sim.truth(3000), 'microsleep');
  t.equal(sim.truth(1500), 'drowsy');
  t.equal(sim.truth(7000), 'attentive');
  t.ok(sim.speedAt(3000) > 0, 'still moving');
});

t.test('overload: pupil dilates, fixations lengthen, heart rate up, RMSSD down', async (t) => {
  const run = (state: 'attentive' | 'overload') => {
    const sim = new SignalSimulator({ scenario: operator([{ at: 0, duration: 600, state, params: state === 'overload' ? { rampS: 1 } : {} }]), seed: 8, gazeRateHz: 100 });
    const g = sim.gazeUntil(120_000);
    let p = 0;
    let pn = 0;
    let moves = 0;
    for (let i = 0; i < g.n; i++) {
      if (!Number.isNaN(g.pupil[i]!)) (p += g.pupil[i]!), pn++;
      // saccade onsets: speed above 30 deg/s (I-VT, Salvucci & Goldberg 2000) after a slower sample
      if (i > 1 && Math.hypot(g.x[i]! - g.x[i - 1]!, g.y[i]! - g.y[i - 1]!) * 100 > 30 && Math.hypot(g.x[i - 1]! - g.x[i - 2]!, g.y[i - 1]! - g.y[i - 2]!) * 100 <= 30) moves++;
    }
    const h = sim.hrUntil(300_000);
    const meanRr = h.rrMs.reduce((s, x) => s + x, 0) / h.n;
    return { pupil: p / pn, saccades: moves, hr: 60000 / meanRr, rmssd: rmssd(h.rrMs) };
  };
  const a = run('attentive');
  const o = run('overload');
  t.ok(o.pupil - a.pupil > 0.3 && o.pupil - a.pupil < 0.5, `pupil ${a.pupil.toFixed(2)} -> ${o.pupil.toFixed(2)} mm`);
  t.ok(o.saccades < 0.8 * a.saccades, `saccades in 2 min ${a.saccades} -> ${o.saccades} (longer fixations)`);
  t.ok(o.hr - a.hr > 7, `HR ${a.hr.toFixed(1)} -> ${o.hr.toFixed(1)} bpm`);
  t.ok(a.rmssd > 20 && a.rmssd < 70, `resting RMSSD ${a.rmssd.toFixed(1)} ms is in the normal range`);
  t.ok(o.rmssd < 0.75 * a.rmssd, `RMSSD ${a.rmssd.toFixed(1)} -> ${o.rmssd.toFixed(1)} ms`);
});

t.test('glance away: outside the road polygon for the stated duration, within one sample', async (t) => {
  for (const [seed, rate, dur] of [
    [9, 100, 4],
    [1, 120, 6],
    [2, 250, 3],
    [3, 60, 2.5],
  ] as const) {
    const sim = new SignalSimulator({ scenario: driver([{ at: 2, duration: dur, state: 'glance_away' }]), seed, gazeRateHz: rate });
    const g = sim.gazeUntil(2000 + dur * 1000 + 3000);
    let outside = 0;
    let first = -1;
    for (let i = 0; i < g.n; i++) {
      if (!onRoad(g, i)) {
        outside++;
        if (first < 0) first = i;
      }
    }
    const expected = dur * rate;
    t.ok(Math.abs(outside - expected) <= 1, `seed ${seed} at ${rate} Hz: ${outside} samples outside, expected ${expected}`);
    t.ok(Math.abs(g.t[first]! - 2000) <= 1000 / rate + 1e-6, `leaves the road at ${g.t[first]!.toFixed(1)} ms`);
  }
  const att = new SignalSimulator({ scenario: driver([]), seed: 4, gazeRateHz: 100 }).gazeUntil(300_000);
  let off = 0;
  for (let i = 0; i < att.n; i++) off += onRoad(att, i) ? 0 : 1;
  t.equal(off, 0, 'attentive driving keeps the gaze on the road');
});

t.test('saccades follow the main sequence', async (t) => {
  for (const a of [2, 5, 10]) t.ok(Math.abs(saccadeDurationMs(a) - (2.2 * a + 21)) < 1e-9, `${a} deg: Carpenter 1988 duration`);
  t.ok(saccadeDurationMs(30) > 2.2 * 30 + 21, 'large saccades lengthen as peak velocity saturates');
  for (const a of [2, 5, 10, 20, 40]) {
    const peak = (1.875 * a) / (saccadeDurationMs(a) / 1000); // minimum-jerk peak velocity
    t.ok(peak <= 500 * (1 - Math.exp(-a / 4)) + 1e-6, `${a} deg: peak ${peak.toFixed(0)} deg/s within the saturating envelope`);
  }
  t.ok(saccadeDurationMs(10, 1) > saccadeDurationMs(10, 0), 'slower when drowsy');
});

t.test('heart and head: individual baselines, vibration with speed, gravity', async (t) => {
  const sims = [1, 2, 3, 4].map((seed) => new SignalSimulator({ scenario: operator([]), seed, gazeRateHz: 60 }));
  const hrs = sims.map((s) => s.baseline.hrBpm);
  t.ok(new Set(hrs.map((h) => h.toFixed(3))).size === 4, 'each seed its own resting rate');
  t.ok(hrs.every((h) => h >= 58 && h <= 85), `resting rates ${hrs.map((h) => h.toFixed(0))}`);
  const sim = new SignalSimulator({ scenario: driver([{ at: 30, duration: 30, state: 'idle' }]), seed: 3, gazeRateHz: 60, accRateHz: 100 });
  const a = sim.accUntil(60_000);
  const sd = (from: number, to: number) => {
    let m = 0;
    for (let i = from; i < to; i++) m += a.x[i]!;
    m /= to - from;
    let s = 0;
    for (let i = from; i < to; i++) s += (a.x[i]! - m) ** 2;
    return Math.sqrt(s / (to - from));
  };
  let g = 0;
  for (let i = 0; i < a.n; i++) g += Math.hypot(a.x[i]!, a.y[i]!, a.z[i]!);
  t.ok(Math.abs(g / a.n - 1000) < 20, `mean |a| ${(g / a.n).toFixed(0)} mG is gravity`);
  t.ok(sd(0, 3000) > 2 * sd(3000, 6000), `vibration moving ${sd(0, 3000).toFixed(0)} mG vs standstill ${sd(3000, 6000).toFixed(0)} mG`);
  t.equal(sim.speedAt(10_000), 2.5);
  t.equal(sim.speedAt(40_000), 0, 'idle is standstill');
  const off = new SignalSimulator({ scenario: operator([]), seed: 3, gazeRateHz: 60, hrEnabled: false }).hrUntil(10_000);
  t.equal(off.n, 0);
  t.notOk(off.contact);
});

t.test('constructor rejects bad options', async (t) => {
  t.throws(() => new SignalSimulator({ scenario: operator([]), seed: 1, gazeRateHz: 5 }), RangeError);
  t.throws(() => new SignalSimulator({ scenario: operator([]), seed: NaN, gazeRateHz: 60 }), RangeError);
  t.throws(() => new SignalSimulator({ scenario: operator([]), seed: 1, gazeRateHz: 60, accRateHz: 0 }), RangeError);
});
