import { readFile } from 'node:fs/promises';
import { AfgError } from '../core/errors.ts';

/**
 * Gaze recordings as CSV (the format of `afg events detect|eval`): a header row, then one sample
 * per row. Columns (any order, others ignored): `timestamp_ms`; `x`, `y` (or `x_px`/`y_px`,
 * `x_deg`/`y_deg`); NaN or an empty cell = lost; optional hand labels `label_<coder>` with the
 * codes of event-labels.ts.
 *
 * Errors (AFG_E_GAZE_CSV_INVALID) name the file and line: a missing column, a cell that is not a
 * number, a timestamp that does not increase, a label outside 1..6.
 */
export interface GazeCsv {
  file: string;
  n: number;
  t: Float64Array;
  x: Float64Array;
  y: Float64Array;
  /** coder name (the part after `label_`) -> labels */
  labels: Map<string, Uint8Array>;
}

const X_NAMES = ['x', 'x_px', 'x_deg'];
const Y_NAMES = ['y', 'y_px', 'y_deg'];

function bad(file: string, msg: string): AfgError {
  return new AfgError('AFG_E_GAZE_CSV_INVALID', `${file}: ${msg}`);
}

function cellNumber(s: string | undefined): number {
  if (s === undefined) return NaN;
  const v = s.trim();
  if (v === '' || v === 'NaN' || v === 'nan' || v === 'NA') return NaN;
  const n = Number(v);
  return n;
}

export function parseGazeCsv(text: string, file: string): GazeCsv {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (!lines.length) throw bad(file, 'empty file (a header row with timestamp_ms,x,y is needed)');
  const header = lines[0]!.split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  const col = (names: string[]): number => header.findIndex((h) => names.includes(h));
  const it = col(['timestamp_ms']);
  const ix = col(X_NAMES);
  const iy = col(Y_NAMES);
  const missing = [it < 0 ? 'timestamp_ms' : '', ix < 0 ? 'x' : '', iy < 0 ? 'y' : ''].filter(Boolean);
  if (missing.length) throw bad(file, `line 1: missing column(s) ${missing.join(', ')} (header: ${header.join(',')})`);
  const labelCols = header.map((h, i) => [h, i] as const).filter(([h]) => h.startsWith('label_'));
  const n = lines.length - 1;
  const t = new Float64Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const labels = new Map<string, Uint8Array>(labelCols.map(([h]) => [h.slice(6), new Uint8Array(n)]));
  let last = -Infinity;
  for (let r = 0; r < n; r++) {
    const line = lines[r + 1]!;
    const cells = line.split(',');
    if (cells.length < header.length) throw bad(file, `line ${r + 2}: ${cells.length} cells, the header has ${header.length}`);
    const tv = cellNumber(cells[it]);
    if (!Number.isFinite(tv)) throw bad(file, `line ${r + 2}: timestamp_ms '${cells[it]}' is not a number`);
    if (!(tv > last)) throw bad(file, `line ${r + 2}: timestamp_ms ${tv} does not increase (previous ${last})`);
    last = tv;
    t[r] = tv;
    const xv = cellNumber(cells[ix]);
    const yv = cellNumber(cells[iy]);
    if (Number.isNaN(xv) && !isNanCell(cells[ix])) throw bad(file, `line ${r + 2}: x '${cells[ix]}' is not a number`);
    if (Number.isNaN(yv) && !isNanCell(cells[iy])) throw bad(file, `line ${r + 2}: y '${cells[iy]}' is not a number`);
    if (!Number.isNaN(xv) && !Number.isFinite(xv)) throw bad(file, `line ${r + 2}: x '${cells[ix]}' is not finite`);
    if (!Number.isNaN(yv) && !Number.isFinite(yv)) throw bad(file, `line ${r + 2}: y '${cells[iy]}' is not finite`);
    x[r] = xv;
    y[r] = yv;
    for (const [h, i] of labelCols) {
      const lv = Number(cells[i]);
      if (!(Number.isInteger(lv) && lv >= 1 && lv <= 6)) throw bad(file, `line ${r + 2}: ${h} '${cells[i]}' is not a label code 1..6`);
      labels.get(h.slice(6))![r] = lv;
    }
  }
  return { file, n, t, x, y, labels };
}

function isNanCell(s: string | undefined): boolean {
  const v = (s ?? '').trim();
  return v === '' || v === 'NaN' || v === 'nan' || v === 'NA';
}

export async function readGazeCsv(file: string): Promise<GazeCsv> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AfgError('AFG_E_INPUT_INVALID', `cannot read ${file}: ${(err as Error).message}`);
  }
  return parseGazeCsv(text, file);
}
