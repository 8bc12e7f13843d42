import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AfgError } from '../core/errors.ts';
import { BinaryKappa } from './cohen-kappa.ts';
import { labelRecordingAsync } from './async-event-detector.ts';
import { DEFAULT_EVENT_DETECTOR, loadEventDetector, type DetectorLoadOptions } from './detector-registry.ts';
import { fileLabel, SCORED_EVENTS } from './event-labels.ts';
import { readGazeCsv, type GazeCsv } from './gaze-csv.ts';
import { LabelEventStats } from './label-events.ts';
import { LUND_2013_SCREEN, ScreenGeometry } from './screen-geometry.ts';

/**
 * `afg events detect <file.csv>` and `afg events eval <dir>`: see the command's --help and
 * docs/event-detection.md.
 */
export interface EventsCliOptions {
  units?: string;
  screen?: string;
  res?: string;
  distance?: string;
  out?: string;
  detector?: string;
  corrections?: string;
  only?: string;
  /** model folder and execution providers of a model-backed detector (from --config) */
  detectorOptions?: DetectorLoadOptions;
}

export const EVENTS_USAGE = [
  'afg events detect <file.csv> --units px|deg [--screen 0.38x0.30 --res 1024x768 --distance 0.67] [--detector name] [--out labels.csv]',
  '       afg events eval <dir> [--units px|deg] [geometry as above] [--detector name] [--corrections dir] [--only PREFIX,PREFIX]',
  '  input columns: timestamp_ms, x, y (or x_px/y_px, x_deg/y_deg; NaN or empty = lost); others ignored, label_<coder> scored by eval',
  '  labels: 1 fixation, 2 saccade, 3 PSO, 4 smooth pursuit, 5 blink, 6 undefined (also track loss)',
  '  geometry defaults: the Lund 2013 set-up (0.38x0.30 m screen, 1024x768 px, 0.67 m); used with --units px',
  '  eval --corrections dir: CSVs there replace the folder\'s files of the same name (e.g. fix_by_Zemblys2018)',
].join('\n');

function pair(s: string, flag: string): [number, number] {
  const m = /^\s*([0-9.]+)\s*x\s*([0-9.]+)\s*$/i.exec(s);
  const a = m ? Number(m[1]) : NaN;
  const b = m ? Number(m[2]) : NaN;
  if (!(a > 0 && b > 0)) throw new AfgError('AFG_E_INPUT_INVALID', `${flag} must be WIDTHxHEIGHT with positive numbers (got '${s}')`);
  return [a, b];
}

/** Positions in degrees for the detector (converted from pixels with the screen geometry). */
export function toDegrees(csv: GazeCsv, o: EventsCliOptions): { x: Float64Array; y: Float64Array } {
  const units = o.units ?? 'px';
  if (units === 'deg') return { x: csv.x, y: csv.y };
  if (units !== 'px') throw new AfgError('AFG_E_INPUT_INVALID', `--units must be px or deg (got '${units}')`);
  const [widthM, heightM] = o.screen ? pair(o.screen, '--screen') : [LUND_2013_SCREEN.widthM, LUND_2013_SCREEN.heightM];
  const [widthPx, heightPx] = o.res ? pair(o.res, '--res') : [LUND_2013_SCREEN.widthPx, LUND_2013_SCREEN.heightPx];
  const distanceM = o.distance === undefined ? LUND_2013_SCREEN.distanceM : Number(o.distance);
  if (!(distanceM > 0)) throw new AfgError('AFG_E_INPUT_INVALID', `--distance must be a positive number of metres (got '${o.distance}')`);
  const g = new ScreenGeometry({ widthM, heightM, widthPx, heightPx, distanceM });
  const x = new Float64Array(csv.n);
  const y = new Float64Array(csv.n);
  g.toDegrees(csv.x, csv.y, x, y, csv.n);
  return { x, y };
}

export async function detectLabels(csv: GazeCsv, o: EventsCliOptions): Promise<Uint8Array> {
  const { x, y } = toDegrees(csv, o);
  const det = await loadEventDetector(o.detector ?? DEFAULT_EVENT_DETECTOR, o.detectorOptions);
  const labels = await labelRecordingAsync(det, { n: csv.n, t: csv.t, x, y });
  for (let i = 0; i < labels.length; i++) labels[i] = fileLabel(labels[i]!);
  return labels;
}

export async function runEventsDetect(file: string, o: EventsCliOptions): Promise<string | undefined> {
  if (o.units === undefined) throw new AfgError('AFG_E_INPUT_INVALID', 'afg events detect needs --units px|deg');
  const csv = await readGazeCsv(file);
  const labels = await detectLabels(csv, o);
  const rows = new Array<string>(csv.n + 1);
  rows[0] = 'timestamp_ms,label';
  for (let i = 0; i < csv.n; i++) rows[i + 1] = `${csv.t[i]},${labels[i]}`;
  const text = `${rows.join('\n')}\n`;
  if (o.out === undefined) return text;
  try {
    await writeFile(o.out, text);
  } catch (err) {
    throw new AfgError('AFG_E_INPUT_INVALID', `cannot write ${o.out}: ${(err as Error).message}`);
  }
  return undefined;
}

interface EventSummary {
  count: number;
  meanMs: number | null;
}

export interface EvalReport {
  detector: string;
  lookAheadMs: number;
  folder: string;
  files: string[];
  samples: number;
  /** event -> coder -> kappa (detector vs that coder); `stacked`: vs all coders' labels stacked */
  kappa: Record<string, Record<string, number | null>>;
  /** event -> "A~B" -> kappa between two coders (when the files have two or more label columns) */
  coderAgreement: Record<string, Record<string, number | null>>;
  /** event -> rater (detector, coders) -> events and their mean duration */
  events: Record<string, Record<string, EventSummary>>;
}

const round = (v: number): number | null => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null);

async function csvFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.csv')).sort();
  } catch (err) {
    throw new AfgError('AFG_E_INPUT_INVALID', `cannot read folder ${dir}: ${(err as Error).message}`);
  }
}

export async function runEventsEval(dir: string, o: EventsCliOptions): Promise<EvalReport> {
  let names = await csvFiles(dir);
  if (o.only) {
    const prefixes = o.only.split(',').map((s) => s.trim()).filter(Boolean);
    names = names.filter((n) => prefixes.some((p) => n.startsWith(p)));
  }
  if (!names.length) throw new AfgError('AFG_E_INPUT_INVALID', `no CSV files in ${dir}${o.only ? ` matching --only ${o.only}` : ''}`);
  const corrected = new Set(o.corrections ? await csvFiles(o.corrections) : []);
  const detector = o.detector ?? DEFAULT_EVENT_DETECTOR;
  const lookAheadMs = (await loadEventDetector(detector, o.detectorOptions)).lookAheadMs;
  const kappas = new Map<string, BinaryKappa>(); // `${event}|${coder}`
  const agree = new Map<string, BinaryKappa>(); // `${event}|${a}~${b}`
  const stats = new Map<string, LabelEventStats>(); // rater
  const coders = new Set<string>();
  let samples = 0;
  const get = <V>(m: Map<string, V>, k: string, make: () => V): V => {
    let v = m.get(k);
    if (v === undefined) m.set(k, (v = make()));
    return v;
  };
  for (const name of names) {
    const file = corrected.has(name) ? path.join(o.corrections!, name) : path.join(dir, name);
    const csv = await readGazeCsv(file);
    const labels = await detectLabels(csv, o);
    samples += csv.n;
    get(stats, 'detector', () => new LabelEventStats()).add(csv.t, labels);
    const cs = [...csv.labels.keys()].sort();
    for (const c of cs) {
      coders.add(c);
      const ref = csv.labels.get(c)!;
      get(stats, c, () => new LabelEventStats()).add(csv.t, ref);
      for (const ev of SCORED_EVENTS) {
        get(kappas, `${ev.name}|${c}`, () => new BinaryKappa(ev.code)).add(labels, ref);
        get(kappas, `${ev.name}|stacked`, () => new BinaryKappa(ev.code)).add(labels, ref);
      }
    }
    for (let i = 0; i < cs.length; i++) {
      for (let j = i + 1; j < cs.length; j++) {
        for (const ev of SCORED_EVENTS) get(agree, `${ev.name}|${cs[i]}~${cs[j]}`, () => new BinaryKappa(ev.code)).add(csv.labels.get(cs[i]!)!, csv.labels.get(cs[j]!)!);
      }
    }
  }
  const report: EvalReport = { detector, lookAheadMs, folder: dir, files: names, samples, kappa: {}, coderAgreement: {}, events: {} };
  for (const ev of SCORED_EVENTS) {
    const k: Record<string, number | null> = {};
    for (const c of [...coders].sort()) k[c] = round(kappas.get(`${ev.name}|${c}`)!.kappa());
    if (coders.size) k['stacked'] = round(kappas.get(`${ev.name}|stacked`)!.kappa());
    report.kappa[ev.name] = k;
    const a: Record<string, number | null> = {};
    for (const [key, v] of agree) if (key.startsWith(`${ev.name}|`)) a[key.slice(ev.name.length + 1)] = round(v.kappa());
    if (Object.keys(a).length) report.coderAgreement[ev.name] = a;
    const e: Record<string, EventSummary> = {};
    for (const [rater, s] of stats) {
      const mean = s.meanMs(ev.code);
      e[rater] = { count: s.count(ev.code), meanMs: Number.isFinite(mean) ? Math.round(mean * 10) / 10 : null };
    }
    report.events[ev.name] = e;
  }
  return report;
}

export async function runEventsCommand(o: EventsCliOptions, positionals: string[]): Promise<number> {
  const [sub, target] = positionals;
  if (sub === 'detect' && target) {
    const text = await runEventsDetect(target, o);
    if (text !== undefined) process.stdout.write(text);
    return 0;
  }
  if (sub === 'eval' && target) {
    process.stdout.write(`${JSON.stringify(await runEventsEval(target, o), null, 2)}\n`);
    return 0;
  }
  throw new AfgError('AFG_E_INPUT_INVALID', `usage: ${EVENTS_USAGE}`);
}
