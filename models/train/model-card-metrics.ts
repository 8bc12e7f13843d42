import { readFile, writeFile } from 'node:fs/promises';

export const METRICS_BEGIN = '<!-- metrics:begin (written by npm run train; do not edit by hand) -->';
export const METRICS_END = '<!-- metrics:end -->';

/**
 * Replaces the block between the metrics markers of a model card with `block`, so the card's
 * figures are always those of the committed model. A card without the markers is left alone
 * and reported (false).
 *
 * @example
 *   await updateCardMetrics('models/attention-state.md', markdownTables);
 */
export async function updateCardMetrics(file: string, block: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return false;
  }
  const a = text.indexOf(METRICS_BEGIN);
  const b = text.indexOf(METRICS_END);
  if (a < 0 || b < a) return false;
  await writeFile(file, `${text.slice(0, a + METRICS_BEGIN.length)}\n${block.trim()}\n${text.slice(b)}`);
  return true;
}
