import { readFile, writeFile } from 'node:fs/promises';
import { SCORED_EVENTS } from '../../../gateway/events/event-labels.ts';
import { STIMULUS_TYPES } from './lund-dataset.ts';
import { COMPARED_DETECTORS, type EyeEventsMetrics, type KappaTable } from './train-eye-events.ts';

const k3 = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(3).replace(/^(-?)0\./, '$1.'));

/** Which detector has the highest stacked kappa per event type (ties: all of them). */
export function bestPerEvent(byDetector: Record<string, KappaTable>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const ev of SCORED_EVENTS) {
    let best = -Infinity;
    for (const d of Object.keys(byDetector)) best = Math.max(best, byDetector[d]![ev.name]?.['stacked'] ?? -Infinity);
    out[ev.name] = Object.keys(byDetector).filter((d) => (byDetector[d]![ev.name]?.['stacked'] ?? -Infinity) === best && best > -Infinity);
  }
  return out;
}

/**
 * The kappa tables as Markdown: per stimulus type, one row per detector (stacked kappa, both
 * coders), the best of each column in bold; then the same per coder; then the training set.
 */
export function eyeEventsMetricsMarkdown(m: EyeEventsMetrics, o: { sha256: string; seed: number; lookAheadMs: number; labelLatencyMs: number; exportCheck: number }): string {
  const out: string[] = [];
  const events = SCORED_EVENTS.map((e) => e.name);
  const table = (set: 'heldOut' | 'training', coder: string): void => {
    out.push(`| ${set === 'heldOut' ? 'held out' : 'training'} · ${coder === 'stacked' ? 'vs both coders stacked' : `vs coder ${coder}`} | ${events.join(' | ')} |`);
    out.push(`|---|${events.map(() => '---').join('|')}|`);
    for (const stim of STIMULUS_TYPES) {
      const by = m[set][stim];
      const best = coder === 'stacked' ? bestPerEvent(by) : {};
      for (const d of COMPARED_DETECTORS) {
        if (!by[d]) continue;
        const cells = events.map((ev) => {
          const v = k3(by[d]![ev]?.[coder]);
          return best[ev]?.includes(d) ? `**${v}**` : v;
        });
        out.push(`| ${stim} · ${d} | ${cells.join(' | ')} |`);
      }
    }
    out.push('');
  };
  out.push(`Model file sha256 \`${o.sha256}\`, seed ${o.seed}. Export check: max |tfjs − onnxruntime| = ${o.exportCheck.toExponential(2)} over a held-out window. Look-ahead: labels final ${o.labelLatencyMs} ms after their sample, ${o.lookAheadMs} ms at most (tracker gaps).`);
  out.push('');
  const sets = m.sets.heldOut;
  out.push(`Held-out recordings (participants never seen in training): img ${sets.img.recordings.join(', ')} (${sets.img.samples} samples); dots ${sets.dots.recordings.join(', ')} (${sets.dots.samples} samples). Sample-level Cohen's kappa of event k vs not-k, all files of a stimulus type pooled, as \`afg events eval\` computes it; apd and ivt on the same files. Bold: best per column and stimulus type.`);
  out.push('');
  table('heldOut', 'stacked');
  table('heldOut', 'MN');
  table('heldOut', 'RA');
  out.push(`Training recordings (in-sample for eye-events, so not evidence of generalisation; ${m.sets.training.img.recordings.length} img, ${m.sets.training.dots.recordings.length} dots):`);
  out.push('');
  table('training', 'stacked');
  return out.join('\n').trim();
}

/** Replaces the text between two marker lines of a file; false when the file or a marker is missing. */
export async function replaceBetween(file: string, begin: string, end: string, block: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return false;
  }
  const a = text.indexOf(begin);
  const b = text.indexOf(end, a + begin.length);
  if (a < 0 || b < 0) return false;
  await writeFile(file, `${text.slice(0, a + begin.length)}\n${block.trim()}\n${text.slice(b)}`);
  return true;
}

export const DOCS_BEGIN = '<!-- eye-events:begin (written by npm run train -- eye-events; do not edit by hand) -->';
export const DOCS_END = '<!-- eye-events:end -->';
