import { AfgError } from '../core/errors.ts';
import { DriverPolicy, type DriverObservation } from './driver-policy.ts';
import type { DriverPolicySettings } from './driver-policy-settings.ts';

/**
 * `afg policy replay`: NDJSON observations in, one NDJSON line per level change out
 * (`{"t": 3, "kind": "distraction", "level": 1}`), in time order. A malformed line stops the
 * replay with its line number (AFG_E_INPUT_INVALID): a policy replay that skips input would
 * give a wrong answer quietly. Blank lines are skipped (they still count for line numbers).
 * Input is the whole text, or text chunks in any split (e.g. `createReadStream(f, 'utf8')`).
 *
 * Cost: O(lines); one DriverPolicy step per observation.
 *
 * @example
 *   for await (const line of replayDriverPolicy(createReadStream(file, 'utf8'))) process.stdout.write(line + '\n');
 */
export async function* replayDriverPolicy(ndjson: string | AsyncIterable<string>, settings: Partial<DriverPolicySettings> = {}): AsyncGenerator<string> {
  const policy = new DriverPolicy(settings);
  let lineNo = 0;
  let lastT = -Infinity;
  for await (const line of lines(ndjson)) {
    lineNo++;
    const s = line.trim();
    if (!s) continue;
    const obs = parseObservation(s, lineNo);
    if (!(obs.t > lastT)) throw new AfgError('AFG_E_INPUT_INVALID', `line ${lineNo}: t ${obs.t} does not increase (previous ${lastT})`, { path: `/${lineNo}/t` });
    lastT = obs.t;
    for (const tr of policy.step(obs)) yield JSON.stringify({ t: round(tr.t), kind: tr.kind, level: tr.level });
  }
}

function round(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}

async function* lines(src: string | AsyncIterable<string>): AsyncGenerator<string> {
  if (typeof src === 'string') {
    yield* src.split(/\r?\n/);
    return;
  }
  let rest = '';
  for await (const chunk of src) {
    rest += chunk;
    const parts = rest.split(/\r?\n/);
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}

function parseObservation(s: string, lineNo: number): DriverObservation {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(s) as Record<string, unknown>;
  } catch {
    throw new AfgError('AFG_E_INPUT_INVALID', `line ${lineNo}: not JSON`);
  }
  const bad = (field: string, want: string) => new AfgError('AFG_E_INPUT_INVALID', `line ${lineNo}: field '${field}' must be ${want}`, { path: `/${lineNo}/${field}` });
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AfgError('AFG_E_INPUT_INVALID', `line ${lineNo}: not an object`);
  if (typeof v['t'] !== 'number' || !Number.isFinite(v['t'])) throw bad('t', 'a number (s)');
  for (const k of ['valid', 'eyesOnRoad', 'eyesClosed'] as const) if (typeof v[k] !== 'boolean') throw bad(k, 'true or false');
  if (typeof v['speedMps'] !== 'number' || !Number.isFinite(v['speedMps']) || v['speedMps'] < 0) throw bad('speedMps', 'a number >= 0 (m/s)');
  // Karolinska Sleepiness Scale runs 1 (extremely alert) .. 9 (very sleepy): Åkerstedt & Gillberg 1990
  if (v['kss'] !== undefined && (typeof v['kss'] !== 'number' || !(v['kss'] >= 1 && v['kss'] <= 9))) throw bad('kss', 'a number in 1..9 (KSS)');
  if (v['ack'] !== undefined && typeof v['ack'] !== 'boolean') throw bad('ack', 'true or false');
  const o: DriverObservation = { t: v['t'], valid: v['valid'] as boolean, eyesOnRoad: v['eyesOnRoad'] as boolean, eyesClosed: v['eyesClosed'] as boolean, speedMps: v['speedMps'] };
  if (v['kss'] !== undefined) o.kss = v['kss'] as number;
  if (v['ack'] !== undefined) o.ack = v['ack'] as boolean;
  return o;
}
