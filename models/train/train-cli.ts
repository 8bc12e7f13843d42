/**
 * `npm run train -- <model> [--data <dir>] [--seed N] [--out <dir>]`: rebuilds a model file, its
 * manifest entry and the metrics section of its model card from the repository. Each model
 * registers a trainer below; `--data` means what that model's trainer says.
 *
 *   attention-state   --data: folder of hand-written simulator scenarios evaluated as held-out
 *                     types (default examples/scenarios); --seed: default the recorded one (1)
 *   eye-events        --data: the Lund 2013 folder (required; e.g. ../shared/datasets/lund2013,
 *                     GPL-3.0 data, never copied into the repository); --seed: default 1;
 *                     also rewrites the "Eye-events model" tables of docs/event-detection.md
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ATTENTION_STATE_SETTINGS } from './attention-state/attention-state-settings.ts';
import { attentionMetricsMarkdown } from './attention-state/attention-state-report.ts';
import { trainAttentionState } from './attention-state/train-attention-state.ts';
import { AfgError } from '../../gateway/core/errors.ts';
import { DOCS_BEGIN, DOCS_END, eyeEventsMetricsMarkdown, replaceBetween } from './eye-events/eye-events-report.ts';
import { EYE_EVENTS_SETTINGS } from './eye-events/eye-events-settings.ts';
import { trainEyeEvents } from './eye-events/train-eye-events.ts';
import { updateCardMetrics } from './model-card-metrics.ts';
import { writeModelFiles } from './model-files.ts';
import { progressBar, type Progress } from './progress.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface TrainArgs {
  /** --data, resolved; undefined when not given */
  data: string | undefined;
  /** --seed, undefined when not given (the trainer's recorded seed) */
  seed: number | undefined;
  /** folder the model, manifest and card are written to */
  out: string;
  progress: Progress;
}

/** A model's trainer: trains, writes the files, returns the lines of its summary. */
type Trainer = (a: TrainArgs) => Promise<string[]>;

const TRAINERS: Record<string, Trainer> = {
  'attention-state': async (a) => {
    const seed = a.seed ?? ATTENTION_STATE_SETTINGS.seed;
    const dataDir = a.data ?? path.join(ROOT, 'examples', 'scenarios');
    const settings = { ...ATTENTION_STATE_SETTINGS, seed };
    const command = `npm run train -- attention-state --seed ${seed}${a.data ? ` --data ${path.relative(ROOT, dataDir)}` : ''}`;
    const r = await trainAttentionState(settings, { dataDir, progress: a.progress, command });
    const written = await writeModelFiles(a.out, 'attention-state', r.bytes, r.entry);
    const card = await updateCardMetrics(path.join(a.out, 'attention-state.md'), attentionMetricsMarkdown(r, written.sha256, seed));
    return [
      `attention-state ${settings.version}: ${written.file} (${r.bytes.length} bytes, sha256 ${written.sha256})`,
      ...Object.entries(r.metrics).map(([name, x]) => `  ${name.padEnd(24)} macro-F1 ${(100 * x.macroF1).toFixed(1)}%  accuracy ${(100 * x.accuracy).toFixed(1)}%  ECE ${(100 * x.ece).toFixed(1)}%  (${x.n} windows)`),
      `  export check: ${Object.entries(r.exportCheck).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`,
      `  manifest: ${path.join(a.out, 'manifest.json')}; card metrics ${card ? 'updated' : 'not updated (no card with markers)'}`,
    ];
  },
  'eye-events': async (a) => {
    if (!a.data) throw new AfgError('AFG_E_INPUT_INVALID', 'eye-events trains on the Lund 2013 data: give its folder with --data (e.g. --data ../shared/datasets/lund2013)');
    const seed = a.seed ?? EYE_EVENTS_SETTINGS.seed;
    const settings = { ...EYE_EVENTS_SETTINGS, seed };
    const command = `npm run train -- eye-events --data ${path.relative(ROOT, a.data)} --seed ${seed}`;
    const r = await trainEyeEvents(settings, { dataDir: a.data, progress: a.progress, command });
    const written = await writeModelFiles(a.out, 'eye-events', r.bytes, r.entry);
    const block = eyeEventsMetricsMarkdown(r.metrics, { sha256: written.sha256, seed, lookAheadMs: r.lookAheadMs, labelLatencyMs: r.labelLatencyMs, exportCheck: r.exportCheck });
    const card = await updateCardMetrics(path.join(a.out, 'eye-events.md'), block);
    // the docs page describes the committed model only
    const docs = path.resolve(a.out) === path.join(ROOT, 'models') ? await replaceBetween(path.join(ROOT, 'docs', 'event-detection.md'), DOCS_BEGIN, DOCS_END, block) : false;
    const held = r.metrics.heldOut;
    return [
      `eye-events ${settings.version}: ${written.file} (${r.bytes.length} bytes, ${r.parameters} weights, sha256 ${written.sha256})`,
      ...(['img', 'dots'] as const).flatMap((stim) => Object.entries(held[stim]).map(([det, tab]) => `  held-out ${stim.padEnd(4)} ${det.padEnd(10)} ${Object.entries(tab).map(([ev, k]) => `${ev} ${k['stacked'] === null || k['stacked'] === undefined ? '-' : k['stacked'].toFixed(3)}`).join('  ')}`)),
      `  export check: max |diff| ${r.exportCheck.toExponential(2)}; look-ahead ${r.labelLatencyMs} ms (${r.lookAheadMs} ms in tracker gaps)`,
      `  manifest: ${path.join(a.out, 'manifest.json')}; card metrics ${card ? 'updated' : 'not updated (no card with markers)'}; docs/event-detection.md ${docs ? 'updated' : 'not updated'}`,
    ];
  },
};

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { data: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`AFG_E_INPUT_INVALID: ${(err as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const model = positionals[0];
  const names = Object.keys(TRAINERS);
  if (values.help || !model) {
    process.stdout.write(`usage: npm run train -- <${names.join('|')}> [--data <dir>] [--seed N] [--out <dir>]\n`);
    return values.help ? 0 : 2;
  }
  const trainer = TRAINERS[model];
  if (!trainer) {
    process.stderr.write(`AFG_E_INPUT_INVALID: unknown model '${model}' (known: ${names.join(', ')})\n`);
    return 2;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) {
    process.stderr.write('AFG_E_INPUT_INVALID: --seed must be a non-negative integer\n');
    return 2;
  }
  const started = Date.now();
  const lines = await trainer({ data: values.data === undefined ? undefined : path.resolve(values.data), seed, out: path.resolve(values.out ?? path.join(ROOT, 'models')), progress: progressBar() });
  process.stdout.write(`${[...lines, `  took ${((Date.now() - started) / 1000).toFixed(0)} s`].join('\n')}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    if (err instanceof AfgError && err.code === 'AFG_E_INPUT_INVALID') {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
