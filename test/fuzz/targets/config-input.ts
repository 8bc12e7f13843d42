import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import YAML from 'yaml';
import { loadConfigFile, validateConfig } from '../../../gateway/config/load-config.ts';
import { AfgError } from '../../../gateway/core/errors.ts';
import { type FuzzTarget, type FuzzTally, isKnownCode } from '../fuzz-tally.ts';
import { timed, timedAsync } from './timed-case.ts';

const NAME = 'config';
const EXAMPLE = fileURLToPath(new URL('../../../examples/config.yaml', import.meta.url));

/** A config is accepted, or refused with AFG_E_CONFIG_* and a JSON-pointer path; nothing else. */
function classify(fn: () => unknown, tally: FuzzTally, allowed: readonly string[]): unknown {
  try {
    const c = fn();
    tally.accepted(NAME);
    return c;
  } catch (err) {
    if (!(err instanceof AfgError) || !isKnownCode(err.code) || !allowed.includes(err.code)) throw new Error(`not a config refusal: ${(err as Error)?.stack ?? String(err)}`);
    if (err.code === 'AFG_E_CONFIG_INVALID' && !(typeof err.path === 'string' && err.path.startsWith('/'))) throw new Error(`refusal without a field path: ${err.message}`);
    tally.rejected(NAME, err.code);
    return null;
  }
}

/** Replaces the value at a random path of a JSON tree (or adds an unknown key). */
function mutateTree(tree: unknown, picks: readonly number[], replacement: unknown, addKey: string | null): unknown {
  const root = structuredClone(tree);
  let node: unknown = root;
  for (let d = 0; d < picks.length; d++) {
    if (typeof node !== 'object' || node === null) break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const k = keys[picks[d]! % keys.length]!;
    const child = (node as Record<string, unknown>)[k];
    if (d === picks.length - 1 || typeof child !== 'object' || child === null) {
      if (addKey !== null && !Array.isArray(node)) (node as Record<string, unknown>)[addKey] = replacement;
      else (node as Record<string, unknown>)[k] = replacement;
      break;
    }
    node = child;
  }
  return root;
}

async function run({ cases, seed, tally }: { cases: number; seed: number; tally: FuzzTally }): Promise<void> {
  const base = YAML.parse(readFileSync(EXAMPLE, 'utf8')) as unknown;
  const valid = validateConfig(base);
  const full = validateConfig({ ...structuredClone(valid), wearers: [{ id: 'op-7f3a', role: 'operator', devices: [{ id: 'et-1', kind: 'serial-eye-tracker', transport: { type: 'serial', path: '/dev/ttyACM0' } }] }] });
  const quarter = Math.max(1, Math.floor(cases / 4));
  const ok = ['AFG_E_CONFIG_INVALID'];
  // 1. any JSON value
  fc.assert(
    fc.property(fc.anything({ maxDepth: 4 }), (raw) => {
      tally.case(NAME);
      timed(() => classify(() => validateConfig(raw), tally, ok));
    }),
    { numRuns: quarter, seed },
  );
  // 2. a valid config with one value replaced, or an unknown key added, anywhere in the tree
  fc.assert(
    fc.property(fc.constantFrom(valid, full), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.anything({ maxDepth: 2 }), fc.option(fc.string({ maxLength: 12 })), (cfg, picks, v, key) => {
      tally.case(NAME);
      const c = timed(() => classify(() => validateConfig(mutateTree(cfg, picks, v, key)), tally, ok));
      // an accepted config is a fixed point: validating it again changes nothing
      if (c !== null && JSON.stringify(validateConfig(c)) !== JSON.stringify(c)) throw new Error('validating an accepted config again changed it');
    }),
    { numRuns: quarter, seed: seed + 1 },
  );
  // 3. text files: random text, and the example file with bytes changed (YAML errors, tabs, BOMs)
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-fuzz-config-'));
  const file = path.join(dir, 'gateway.yaml');
  const example = readFileSync(EXAMPLE, 'utf8');
  const both = ['AFG_E_CONFIG_INVALID', 'AFG_E_CONFIG_UNREADABLE'];
  try {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 400 }), fc.tuple(fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 4 })).map(([edits]) => edits.reduce((s, [at, ins]) => s.slice(0, at % (s.length + 1)) + ins + s.slice((at % (s.length + 1)) + 1), example))), async (text) => {
        tally.case(NAME);
        writeFileSync(file, text);
        await timedAsync(async () => {
          try {
            await loadConfigFile(file);
            tally.accepted(NAME);
          } catch (err) {
            if (!(err instanceof AfgError) || !both.includes(err.code)) throw new Error(`not a config refusal: ${(err as Error)?.stack ?? String(err)}`);
            tally.rejected(NAME, err.code);
          }
        });
      }),
      { numRuns: cases - 2 * quarter, seed: seed + 2 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const configInput: FuzzTarget = { name: NAME, weight: 10, what: 'validateConfig / loadConfigFile: any JSON, valid configs with one field replaced or an unknown key, random and damaged YAML text; accepted or AFG_E_CONFIG_* with the field path', run };
