import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AfgError } from '../../../gateway/core/errors.ts';
import { toDegrees } from '../../../gateway/events/events-cli.ts';
import { readGazeCsv, type GazeCsv } from '../../../gateway/events/gaze-csv.ts';

/**
 * The Lund 2013 hand-labelled recordings (Andersson et al. 2017, Behav Res 49:616-637; data
 * GPL-3.0, read from where it lies, never copied into the repository), as the CSV subset in
 * ../shared/datasets/lund2013 lays them out: img/ (static images), dots/ (moving dots), and
 * fix_by_Zemblys2018/ (UH29_img_Europe with coder MN's correction, which replaces the file of
 * the same name, exactly as `afg events eval --corrections` does).
 */
export type StimulusType = 'img' | 'dots';
export const STIMULUS_TYPES: readonly StimulusType[] = ['img', 'dots'];

export interface LundRecording {
  /** file name without .csv, e.g. UH21_img_Rome */
  name: string;
  file: string;
  stimulus: StimulusType;
  /** the participant code the file name starts with (UH21) */
  participant: string;
  csv: GazeCsv;
  /** positions in degrees (the CLI's conversion with the Lund screen geometry) */
  x: Float64Array;
  y: Float64Array;
  /** median sample interval, ms (2 for 500 Hz, 5 for the two 200 Hz files) */
  intervalMs: number;
}

export const CORRECTIONS_FOLDER = 'fix_by_Zemblys2018';

export async function loadLund2013(dir: string): Promise<LundRecording[]> {
  const missing = async (p: string): Promise<boolean> => !(await stat(p).then((s) => s.isDirectory(), () => false));
  if (await missing(dir)) throw new AfgError('AFG_E_INPUT_INVALID', `the Lund 2013 data folder ${dir} does not exist (give it with --data, e.g. --data ../shared/datasets/lund2013)`);
  const corrections = path.join(dir, CORRECTIONS_FOLDER);
  const corrected = new Set((await missing(corrections)) ? [] : (await readdir(corrections)).filter((f) => f.endsWith('.csv')));
  const out: LundRecording[] = [];
  for (const stimulus of STIMULUS_TYPES) {
    const sub = path.join(dir, stimulus);
    if (await missing(sub)) throw new AfgError('AFG_E_INPUT_INVALID', `${dir} has no ${stimulus}/ folder: not the Lund 2013 layout (README.md of the data set)`);
    for (const f of (await readdir(sub)).filter((n) => n.endsWith('.csv')).sort()) {
      const file = stimulus === 'img' && corrected.has(f) ? path.join(corrections, f) : path.join(sub, f);
      const csv = await readGazeCsv(file);
      for (const coder of ['MN', 'RA']) if (!csv.labels.has(coder)) throw new AfgError('AFG_E_INPUT_INVALID', `${file} has no label_${coder} column`);
      const { x, y } = toDegrees(csv, { units: 'px' });
      const gaps = Array.from({ length: Math.max(0, csv.n - 1) }, (_, i) => csv.t[i + 1]! - csv.t[i]!).sort((a, b) => a - b);
      out.push({ name: f.slice(0, -4), file, stimulus, participant: f.split('_')[0]!, csv, x, y, intervalMs: gaps[gaps.length >> 1] ?? NaN });
    }
  }
  if (!out.length) throw new AfgError('AFG_E_INPUT_INVALID', `no recordings in ${dir}/img or ${dir}/dots`);
  return out;
}

/** Recordings of the held-out participants, and the others. */
export function splitByParticipant(recs: readonly LundRecording[], heldOut: readonly string[]): { train: LundRecording[]; test: LundRecording[] } {
  const h = new Set(heldOut);
  return { train: recs.filter((r) => !h.has(r.participant)), test: recs.filter((r) => h.has(r.participant)) };
}
