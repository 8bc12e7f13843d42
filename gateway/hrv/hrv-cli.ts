import { readFile } from 'node:fs/promises';
import { AfgError } from '../core/errors.ts';
import { computeHrv } from './hrv-metrics.ts';

/**
 * `afg hrv <file>`: one RR/NN interval in ms per line (blank lines and # comments ignored).
 * The intervals are taken as NN (already corrected): reference values from other tools are
 * computed on the series as given, so this command does not filter.
 */
export async function runHrvCli(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AfgError('AFG_E_INPUT_INVALID', `cannot read ${file}: ${(err as Error).message}`);
  }
  const nn: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const s = line.trim();
    if (!s || s.startsWith('#')) return;
    const v = Number(s);
    if (!Number.isFinite(v) || v <= 0) throw new AfgError('AFG_E_INPUT_INVALID', `${file}:${i + 1}: '${s}' is not an interval in ms`);
    nn.push(v);
  });
  if (nn.length < 2) throw new AfgError('AFG_E_INPUT_INVALID', `${file}: need at least 2 intervals`);
  const m = computeHrv(nn);
  const rounded = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number.isNaN(v) ? null : Math.round(v * 1e6) / 1e6]));
  return JSON.stringify(rounded);
}
