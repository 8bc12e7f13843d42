import { AfgError } from '../core/errors.ts';
import { DriverPolicy, type DriverObservation } from './driver-policy.ts';

/**
 * `afg policy replay`: NDJSON observations in, one NDJSON line per level change out
 * (`{"t": 3, "kind": "distraction", "level": 1}`), in time order. A malformed line stops the
 * replay with its line number (AFG_E_INPUT_INVALID): a policy replay that skips input would
 * give a wrong answer quietly.
 */
export async function* replayDriverPolicy(ndjson: string | AsyncIterable<string>): AsyncGenerator<string> {
  const policy = new DriverPolicy();
  let lineNo = 0;
  for await (const line of lines(ndjson)) {
    lineNo++;
    const s = line.trim();
    if (!s) continue;
    const obs = parseObservation(s, lineNo);
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
  if (typeof v !== 'object' || v === null) throw new AfgError('AFG_E_INPUT_INVALID', `line ${lineNo}: not an object`);
  if (typeof v['t'] !== 'number' || !Number.isFinite(v['t'])) throw bad('t', 'a number (s)');
  for (const k of ['valid', 'eyesOnRoad', 'eyesClosed'] as const) if (typeof v[k] !== 'boolean') throw bad(k, 'true or false');
  if (typeof v['speedMps'] !== 'number' || !Number.isFinite(v['speedMps'])) throw bad('speedMps', 'a number (m/s)');
  if (v['kss'] !== undefined && (typeof v['kss'] !== 'number' || !Number.isFinite(v['kss']))) throw bad('kss', 'a number');
  if (v['ack'] !== undefined && typeof v['ack'] !== 'boolean') throw bad('ack', 'true or false');
  const o: DriverObservation = { t: v['t'], valid: v['valid'] as boolean, eyesOnRoad: v['eyesOnRoad'] as boolean, eyesClosed: v['eyesClosed'] as boolean, speedMps: v['speedMps'] };
  if (v['kss'] !== undefined) o.kss = v['kss'] as number;
  if (v['ack'] !== undefined) o.ack = v['ack'] as boolean;
  return o;
}
