import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { parseScenario, loadScenario } from '../../../firmware-bridge/simulator/scenario.ts';
import { validateConfig } from '../../../gateway/config/load-config.ts';
import { AfgError } from '../../../gateway/core/errors.ts';
import { runOfflineSimulation } from '../../../gateway/devices/offline-simulation.ts';
import { runHrvCli } from '../../../gateway/hrv/hrv-cli.ts';
import { replayDriverPolicy } from '../../../gateway/policy/policy-replay.ts';
import { replayRecording } from '../../../gateway/record/replay.ts';
import { type FuzzTarget, type FuzzTally, isKnownCode } from '../fuzz-tally.ts';
import { timedAsync } from './timed-case.ts';

const NAME = 'input-files';
const DEMO = fileURLToPath(new URL('../../../examples/scenarios/demo-floor.yaml', import.meta.url));

/** Accepted, or refused with an AfgError of a known code: anything else is a finding. */
async function expectRefusalOrResult(what: string, fn: () => Promise<unknown>, tally: FuzzTally): Promise<void> {
  try {
    await timedAsync(fn);
    tally.accepted(NAME);
  } catch (err) {
    if (!(err instanceof AfgError) || !isKnownCode(err.code)) throw new Error(`${what}: not a clean refusal: ${(err as Error)?.stack ?? String(err)}`);
    tally.rejected(NAME, `${what}:${err.code}`);
  }
}

function edit(bytes: Uint8Array, edits: readonly [number, number, 'set' | 'cut' | 'insert'][]): Uint8Array {
  const b = [...bytes];
  for (const [at, v, op] of edits) {
    if (op === 'set' && b.length) b[at % b.length] = v;
    else if (op === 'cut') b.length = at % (b.length + 1);
    else b.splice(at % (b.length + 1), 0, v);
  }
  return Uint8Array.from(b);
}

async function run({ cases, seed, tally }: { cases: number; seed: number; tally: FuzzTally }): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-fuzz-files-'));
  const file = path.join(dir, 'input');
  try {
    // a real 3 s recording of the demo floor, to damage
    const rec = path.join(dir, 'real.afgrec');
    await runOfflineSimulation({ config: validateConfig({ simulation: { enabled: true, scenario: DEMO } }), scenario: await loadScenario(DEMO), durationMs: 3000, record: rec });
    const recording = new Uint8Array(readFileSync(rec));
    const demoText = readFileSync(DEMO, 'utf8');
    const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set' as const, 'cut' as const, 'insert' as const)), { minLength: 1, maxLength: 4 });
    const obs = fc.record({ t: fc.oneof(fc.double(), fc.string()), valid: fc.oneof(fc.boolean(), fc.integer()), eyesOnRoad: fc.boolean(), eyesClosed: fc.boolean(), speedMps: fc.oneof(fc.double(), fc.constant(-1)), kss: fc.oneof(fc.double(), fc.constant(undefined)), ack: fc.oneof(fc.boolean(), fc.string()) }, { requiredKeys: [] });
    const input = fc.oneof(
      // recordings: damaged real ones, headers with hostile fleets, and msgpack of anything
      { weight: 3, arbitrary: edits.map((e) => ({ kind: 'recording' as const, bytes: edit(recording, e) })) },
      { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }).map((fleet) => ({ kind: 'recording' as const, bytes: Uint8Array.from([...encode({ format: 'afg-recording', version: 1, epochAtZeroMs: 0, fleet }), ...recording.subarray(0, 0)]) })) },
      { weight: 1, arbitrary: fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 4 }).map((vs) => ({ kind: 'recording' as const, bytes: Uint8Array.from(vs.flatMap((v) => [...safeEncode(v)])) })) },
      // scenario files: damaged demo, random text
      { weight: 2, arbitrary: fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 5 })), { minLength: 1, maxLength: 4 }).map((es) => ({ kind: 'scenario' as const, text: es.reduce((s, [at, ins]) => s.slice(0, at % (s.length + 1)) + ins + s.slice((at % (s.length + 1)) + 1), demoText) })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 300 }).map((text) => ({ kind: 'scenario' as const, text })) },
      // driver policy scenarios (NDJSON) and HRV interval files
      { weight: 2, arbitrary: fc.array(fc.oneof(obs.map((o) => JSON.stringify(o)), fc.string({ maxLength: 40 })), { maxLength: 20 }).map((lines) => ({ kind: 'policy' as const, text: lines.join('\n') })) },
      { weight: 2, arbitrary: fc.array(fc.oneof(fc.double().map(String), fc.integer({ min: 300, max: 1500 }).map(String), fc.constantFrom('', '#', ' 800 ', 'NaN', '-1', '1e309')), { maxLength: 40 }).map((lines) => ({ kind: 'hrv' as const, text: lines.join('\n') })) },
    );
    await fc.assert(
      fc.asyncProperty(input, async (x) => {
        tally.case(NAME);
        if (process.env['FUZZ_TRACE']) writeFileSync(process.env['FUZZ_TRACE'], x.kind === 'recording' ? x.bytes : `${x.kind}\n${x.text}`);
        if (x.kind === 'recording') {
          writeFileSync(file, x.bytes);
          await expectRefusalOrResult('recording', () => replayRecording(file, { speed: 0 }), tally);
        } else if (x.kind === 'scenario') {
          await expectRefusalOrResult('scenario', async () => parseScenario(x.text), tally);
        } else if (x.kind === 'policy') {
          await expectRefusalOrResult('policy', async () => {
            for await (const line of replayDriverPolicy(x.text)) JSON.parse(line);
          }, tally);
        } else {
          writeFileSync(file, x.text);
          await expectRefusalOrResult('hrv', async () => JSON.parse(await runHrvCli(file)), tally);
        }
      }),
      { numRuns: cases, seed },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function safeEncode(v: unknown): Uint8Array {
  try {
    return encode(v);
  } catch {
    return Uint8Array.of(0xc1);
  }
}

export const inputFiles: FuzzTarget = { name: NAME, weight: 6, what: 'files users hand the CLI: damaged and forged recordings (afg replay), scenario files, driver-policy NDJSON (afg policy replay), HRV interval files (afg hrv); result or AfgError with a known code', run };
