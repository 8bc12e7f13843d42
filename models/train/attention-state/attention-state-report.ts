import { ATTENTION_LABELS } from '../../../gateway/inference/model-manifest.ts';
import type { AttentionTrainingResult } from './train-attention-state.ts';

const pct = (x: number | null) => (x === null ? '—' : (100 * x).toFixed(1));

/**
 * The model card's metrics section as Markdown: a summary per evaluation set, then per set the
 * per-class table, the confusion matrix, per role, and the reliability table of the held-out sets.
 */
export function attentionMetricsMarkdown(r: AttentionTrainingResult, sha256: string, seed: number): string {
  const out: string[] = [];
  out.push(`Model file sha256 \`${sha256}\`, seed ${seed}, temperature ${r.temperature} (fitted on the calibration set). Export check: max |tfjs − onnxruntime| = ${Object.entries(r.exportCheck).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}.`);
  out.push('');
  out.push('| set | windows | accuracy % | macro-F1 % | ECE % | Brier | score MAE | F1 % operators | F1 % drivers |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const [name, m] of Object.entries(r.metrics)) {
    out.push(`| ${name} | ${m.n} | ${pct(m.accuracy)} | ${pct(m.macroF1)} | ${pct(m.ece)} | ${m.brier.toFixed(3)} | ${m.scoreMae.toFixed(3)} | ${pct(m.byRole.operator.macroF1)} (${m.byRole.operator.n}) | ${pct(m.byRole.driver.macroF1)} (${m.byRole.driver.n}) |`);
  }
  for (const [name, m] of Object.entries(r.metrics)) {
    if (name === 'calibration') continue;
    out.push('');
    out.push(`**${name}**: per class (precision / recall / F1 %, support) and confusion (rows: scripted label, columns: predicted)`);
    out.push('');
    out.push(`| label | precision | recall | F1 | support | ${ATTENTION_LABELS.map((l) => `→ ${l}`).join(' | ')} |`);
    out.push(`|---|---|---|---|---|${ATTENTION_LABELS.map(() => '---').join('|')}|`);
    ATTENTION_LABELS.forEach((l, k) => {
      const c = m.perClass[l]!;
      out.push(`| ${l} | ${pct(c.precision)} | ${pct(c.recall)} | ${pct(c.f1)} | ${c.support} | ${m.confusion[k]!.join(' | ')} |`);
    });
    const states = Object.entries(m.byScriptedState).map(([s, v]) => `${s} (${v.n}): ${Object.entries(v.predicted).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    out.push('');
    out.push(`Predicted state by scripted segment: ${states.join('; ')}.`);
  }
  for (const name of ['held-out seeds', 'held-out types']) {
    const m = r.metrics[name];
    if (!m) continue;
    out.push('');
    out.push(`Reliability (${name}; top-label confidence bins with rows): ${m.reliability.filter((b) => b.n > 0).map((b) => `${b.from.toFixed(1)}–${b.to.toFixed(1)}: conf ${pct(b.confidence)} / acc ${pct(b.accuracy)} (${b.n})`).join('; ')}.`);
  }
  return out.join('\n');
}
