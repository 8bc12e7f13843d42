/**
 * `npm run train -- <model> [--data <dir>] [--seed N] [--out <dir>]`: rebuilds a model file, its
 * manifest entry and the metrics section of its model card from the repository.
 *
 *   attention-state   --data: folder of hand-written simulator scenarios evaluated as held-out
 *                     types (default examples/scenarios); --seed: default the recorded one
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ATTENTION_STATE_SETTINGS } from './attention-state/attention-state-settings.ts';
import { attentionMetricsMarkdown } from './attention-state/attention-state-report.ts';
import { trainAttentionState } from './attention-state/train-attention-state.ts';
import { updateCardMetrics } from './model-card-metrics.ts';
import { writeModelFiles } from './model-files.ts';
import { progressBar } from './progress.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODELS = ['attention-state'] as const;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { data: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  const model = positionals[0];
  if (values.help || !model) {
    process.stdout.write(`usage: npm run train -- <${MODELS.join('|')}> [--data <dir>] [--seed N] [--out <dir>]\n`);
    return values.help ? 0 : 2;
  }
  if (!(MODELS as readonly string[]).includes(model)) {
    process.stderr.write(`AFG_E_INPUT_INVALID: unknown model '${model}' (known: ${MODELS.join(', ')})\n`);
    return 2;
  }
  const seed = values.seed === undefined ? ATTENTION_STATE_SETTINGS.seed : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) {
    process.stderr.write('AFG_E_INPUT_INVALID: --seed must be a non-negative integer\n');
    return 2;
  }
  const out = path.resolve(values.out ?? path.join(ROOT, 'models'));
  const dataDir = path.resolve(values.data ?? path.join(ROOT, 'examples', 'scenarios'));
  const progress = progressBar();
  const started = Date.now();
  const settings = { ...ATTENTION_STATE_SETTINGS, seed };
  const command = `npm run train -- attention-state --seed ${seed}${values.data ? ` --data ${path.relative(ROOT, dataDir)}` : ''}`;
  const r = await trainAttentionState(settings, { dataDir, progress, command });
  const written = await writeModelFiles(out, model, r.bytes, r.entry);
  const card = await updateCardMetrics(path.join(out, `${model}.md`), attentionMetricsMarkdown(r, written.sha256, seed));
  const m = r.metrics;
  process.stdout.write(
    [
      `${model} ${settings.version}: ${written.file} (${r.bytes.length} bytes, sha256 ${written.sha256})`,
      ...Object.entries(m).map(([name, x]) => `  ${name.padEnd(24)} macro-F1 ${(100 * x.macroF1).toFixed(1)}%  accuracy ${(100 * x.accuracy).toFixed(1)}%  ECE ${(100 * x.ece).toFixed(1)}%  (${x.n} windows)`),
      `  export check: ${Object.entries(r.exportCheck).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`,
      `  manifest: ${path.join(out, 'manifest.json')}; card metrics ${card ? 'updated' : 'not updated (no card with markers)'}`,
      `  took ${((Date.now() - started) / 1000).toFixed(0)} s`,
    ].join('\n') + '\n',
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
