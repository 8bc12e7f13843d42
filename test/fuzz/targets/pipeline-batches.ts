import fc from 'fast-check';
import { EventBus } from '../../../gateway/core/event-bus.ts';
import type { AttentionEstimate, SampleBatch } from '../../../gateway/core/types.ts';
import { FleetPipeline } from '../../../gateway/pipeline/fleet-pipeline.ts';
import { benchFleetConfig, benchWearer } from '../../../bench/lib/bench-fleet-config.ts';
import { type FuzzTarget, type FuzzTally } from '../fuzz-tally.ts';
import { timed } from './timed-case.ts';

const NAME = 'pipeline-batches';

/** What a decoder could hand on from a valid frame of a misbehaving device: any float, any time. */
const wild = fc.oneof(fc.float(), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 3.4e38, -3.4e38));
const wildTime = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 1e15, -1e15, 2 ** 53 * 250, 1e113, 0));
const hostileBatch: fc.Arbitrary<SampleBatch> = fc.oneof(
  fc.record({ n: fc.integer({ min: 0, max: 40 }), t: fc.array(wildTime, { minLength: 40, maxLength: 40 }), v: fc.array(wild, { minLength: 40, maxLength: 40 }), valid: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 40, maxLength: 40 }) }).map(
    (b): SampleBatch => ({ kind: 'gaze', device: 'fz', clock: 'gateway', units: 'deg', n: b.n, t: Float64Array.from(b.t), x: Float32Array.from(b.v), y: Float32Array.from(b.v.map((x) => -x)), pupil: Float32Array.from(b.v), openness: Float32Array.from(b.v.map((x) => x / 10)), valid: Uint8Array.from(b.valid) }),
  ),
  fc.record({ n: fc.integer({ min: 0, max: 40 }), t: fc.array(wildTime, { minLength: 40, maxLength: 40 }), v: fc.array(wild, { minLength: 40, maxLength: 40 }) }).map((b): SampleBatch => ({ kind: 'ecg', device: 'fz', clock: 'gateway', n: b.n, t: Float64Array.from(b.t), uV: Float32Array.from(b.v) })),
  fc.record({ n: fc.integer({ min: 0, max: 40 }), t: fc.array(wildTime, { minLength: 40, maxLength: 40 }), v: fc.array(wild, { minLength: 40, maxLength: 40 }) }).map((b): SampleBatch => ({ kind: 'acc', device: 'fz', clock: 'gateway', n: b.n, t: Float64Array.from(b.t), x: Float32Array.from(b.v), y: Float32Array.from(b.v), z: Float32Array.from(b.v) })),
  fc.record({ t: wildTime, bpm: wild, contact: fc.integer({ min: 0, max: 255 }) }).map((b): SampleBatch => ({ kind: 'hr', device: 'fz', clock: 'gateway', n: 1, t: Float64Array.of(b.t), bpm: Float32Array.of(b.bpm), contact: Uint8Array.of(b.contact) })),
  fc.record({ n: fc.integer({ min: 0, max: 12 }), t: fc.array(wildTime, { minLength: 12, maxLength: 12 }), v: fc.array(wild, { minLength: 12, maxLength: 12 }) }).map((b): SampleBatch => ({ kind: 'rr', device: 'fz', clock: 'gateway', n: b.n, t: Float64Array.from(b.t), rrMs: Float32Array.from(b.v) })),
);

function checkEstimate(e: AttentionEstimate): void {
  const in01 = (x: number) => x >= 0 && x <= 1;
  if (!in01(e.quality)) throw new Error(`quality ${e.quality}`);
  if (e.score !== null && !in01(e.score)) throw new Error(`score ${e.score}`);
  if (e.probs) {
    const ps = Object.values(e.probs);
    if (!ps.every(in01) || Math.abs(ps.reduce((a, b) => a + b, 0) - 1) > 1e-6) throw new Error(`probs ${JSON.stringify(e.probs)}`);
  }
  if ((e.state === 'sensor_lost' || e.state === 'unknown') !== (e.probs === null)) throw new Error(`state ${e.state} with probs ${JSON.stringify(e.probs)}`);
}

/** Good gaze for one tick (on the road, eyes open), times in (t0, t0 + 50]. */
function goodGaze(t0: number): SampleBatch {
  const n = 12;
  const t = Float64Array.from({ length: n }, (_, i) => t0 + ((i + 1) * 50) / n);
  return { kind: 'gaze', device: 'good', clock: 'gateway', units: 'deg', n, t, x: new Float32Array(n).fill(1), y: new Float32Array(n).fill(-1), pupil: new Float32Array(n).fill(3.3), openness: new Float32Array(n).fill(0.85), valid: new Uint8Array(n).fill(1) };
}

async function run({ cases, seed, tally }: { cases: number; seed: number; tally: FuzzTally }): Promise<void> {
  const config = benchFleetConfig(2);
  const ids = [benchWearer(0).id, benchWearer(1).id];
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), hostileBatch, fc.integer({ min: 0, max: 10 })), { maxLength: 12 }), (script) => {
      tally.case(NAME);
      const bus = new EventBus();
      const estimates: AttentionEstimate[] = [];
      bus.on('estimate', (e) => estimates.push(e));
      let bad: string | null = null;
      bus.on('features', (f) => {
        for (let i = 0; i < f.values.length; i++) if (f.values[i] === Infinity || f.values[i] === -Infinity) bad = `feature ${i} is ${f.values[i]}`;
      });
      bus.on('alert', (a) => {
        if (!(a.level >= 0 && a.level <= 3) || !Number.isFinite(a.raisedAt)) bad = `alert ${JSON.stringify(a)}`;
      });
      const fleet = new FleetPipeline({ config, bus, toEpochMs: (t) => 1.7e12 + t });
      let t = 0;
      timed(() => {
        // a minute of good data first, then the hostile batches between ticks
        for (; t < 3000; t += 50) {
          for (const w of ids) fleet.ingest(w, goodGaze(t));
          fleet.tick(t + 50);
        }
        for (const [w, b, ticks] of script) {
          fleet.ingest(ids[w]!, b);
          for (let k = 0; k < ticks; k++, t += 50) {
            for (const id of ids) fleet.ingest(id, goodGaze(t));
            fleet.tick(t + 50);
          }
        }
        // afterwards, good data must be seen again: a hostile batch may cost its own samples, not the wearer
        estimates.length = 0;
        for (let k = 0; k < 40; k++, t += 50) {
          for (const id of ids) fleet.ingest(id, goodGaze(t));
          fleet.tick(t + 50);
        }
      });
      if (bad) throw new Error(bad);
      estimates.forEach(checkEstimate);
      // KNOWN FINDING (reported, not fixed here): one sample stamped in the future (t beyond the
      // current tick by more than a second, or +Infinity) makes WearerFeatures drop every later
      // sample as out of order until real time passes it: the wearer reads sensor_lost meanwhile
      // (safe, visible, but monitoring is lost). Recovery is required for every other input.
      const future = script.some(([, b]) => Array.from(b.t.subarray(0, b.n)).some((x) => x > futureLimit(script, b)));
      const last = estimates.slice(-2);
      if (!future) for (const e of last) if (e.state === 'sensor_lost') throw new Error(`${e.wearer} still reads sensor_lost after 2 s of good gaze: a hostile batch blinded it (script ${describe(script)})`);
      tally.accepted(NAME, script.length);
    }),
    { numRuns: cases, seed },
  );
}

/** Times are relative to the run: good data reaches 3 s + 0.5 s per scripted tick; a second more is "the future". */
function futureLimit(script: readonly [number, SampleBatch, number][], _b: SampleBatch): number {
  return 3000 + script.reduce((s, [, , k]) => s + k * 50, 0) + 1000;
}

function describe(script: readonly [number, SampleBatch, number][]): string {
  return JSON.stringify(script.map(([w, b, k]) => ({ w, kind: b.kind, n: b.n, t: Array.from(b.t.slice(0, Math.min(b.n, 4))), ticks: k })));
}

export const pipelineBatches: FuzzTarget = { name: NAME, weight: 3, what: 'FleetPipeline with hostile decoded batches (NaN/Inf values, wild or backward times, n=0): no throw, estimates in range, no infinite feature, good data seen again afterwards', run };
