import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AfgError } from '../core/errors.ts';

/**
 * `afg` command-line entry. Each command has its own flags and `--help`; errors print their
 * stable code and exit with 2 (bad input or config) or 1 (runtime failure).
 */
interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'run the gateway (simulated fleet with the demo config when --config is not given)',
    usage: 'afg start [--config path.yaml]',
    options: { config: { type: 'string', short: 'c' } },
    async run(v) {
      const { runStart } = await import('./start-command.ts');
      return runStart({ config: v['config'] as string | undefined });
    },
  },
  record: {
    summary: 'run the gateway and record what the codecs produce (gateway time) to a file',
    usage: 'afg record --out run.afgrec [--config path.yaml] [--duration seconds]',
    options: { out: { type: 'string', short: 'o' }, config: { type: 'string', short: 'c' }, duration: { type: 'string' } },
    async run(v) {
      if (typeof v['out'] !== 'string') throw new AfgError('AFG_E_INPUT_INVALID', 'afg record needs --out <file>');
      const { runStart } = await import('./start-command.ts');
      const opts: { config: string | undefined; record: string; durationS?: number } = { config: v['config'] as string | undefined, record: v['out'] };
      if (v['duration'] !== undefined) opts.durationS = positiveNumber(v['duration'] as string, '--duration');
      return runStart(opts);
    },
  },
  replay: {
    summary: 'replay a recording through the same pipeline; prints alerts as NDJSON',
    usage: 'afg replay <file.afgrec> [--speed N] (N=0: as fast as possible, the default)',
    options: { speed: { type: 'string', default: '0' } },
    async run(v, pos) {
      const file = pos[0];
      if (!file) throw new AfgError('AFG_E_INPUT_INVALID', 'afg replay needs a recording file');
      const speed = Number(v['speed']);
      if (!Number.isFinite(speed) || speed < 0) throw new AfgError('AFG_E_INPUT_INVALID', '--speed must be a number >= 0');
      const { replayRecording } = await import('../record/replay.ts');
      const { estimatorForRecording } = await import('../inference/recording-estimator.ts');
      await replayRecording(file, { speed, estimatorFor: estimatorForRecording, onAlert: (a) => process.stdout.write(`${JSON.stringify(a)}\n`) });
      return 0;
    },
  },
  policy: {
    summary: 'policy tools: `afg policy replay <scenario.ndjson>` prints level changes of the driver policy',
    usage: 'afg policy replay <scenario.ndjson>',
    options: {},
    async run(_v, pos) {
      if (pos[0] !== 'replay' || !pos[1]) throw new AfgError('AFG_E_INPUT_INVALID', 'usage: afg policy replay <scenario.ndjson>');
      const { readFile } = await import('node:fs/promises');
      const { replayDriverPolicy } = await import('../policy/policy-replay.ts');
      const text = await readFile(pos[1], 'utf8').catch((e: Error) => {
        throw new AfgError('AFG_E_INPUT_INVALID', `cannot read ${pos[1]}: ${e.message}`);
      });
      for await (const line of replayDriverPolicy(text)) process.stdout.write(`${line}\n`);
      return 0;
    },
  },
  hrv: {
    summary: 'HRV metrics (JSON) from a file with one RR/NN interval in ms per line',
    usage: 'afg hrv <rr.txt> [--correct]  (--correct: remove ectopic/missed beats first, docs/hrv.md)',
    options: { correct: { type: 'boolean', default: false } },
    async run(v, pos) {
      if (!pos[0]) throw new AfgError('AFG_E_INPUT_INVALID', 'afg hrv needs a file');
      const { runHrvCli } = await import('../hrv/hrv-cli.ts');
      const onRejected = (n: number, total: number) => process.stderr.write(`afg hrv: ${n} of ${total} intervals removed as artefacts\n`);
      process.stdout.write(`${await runHrvCli(pos[0], { correct: v['correct'] === true, onRejected })}\n`);
      return 0;
    },
  },
  events: {
    summary: 'eye-movement events: `detect <file.csv>` labels each sample, `eval <dir>` scores against hand labels (kappa)',
    usage: 'afg events detect <file.csv> --units px|deg [--screen 0.38x0.30 --res 1024x768 --distance 0.67] [--detector name] [--out labels.csv]\n       afg events eval <dir> [--units px|deg] [geometry] [--detector apd|ivt|eye-events] [--corrections dir] [--only PREFIX,..]\n  --config path.yaml: events.detector (unless --detector), inference.modelDir and executionProviders from the config\n  (docs/event-detection.md: columns, label codes 1 fixation .. 6 undefined, kappa table)',
    options: { units: { type: 'string' }, screen: { type: 'string' }, res: { type: 'string' }, distance: { type: 'string' }, out: { type: 'string', short: 'o' }, detector: { type: 'string' }, corrections: { type: 'string' }, only: { type: 'string' }, config: { type: 'string', short: 'c' } },
    async run(v, pos) {
      const { runEventsCommand } = await import('../events/events-cli.ts');
      const { config, ...o } = v as Record<string, string | undefined>;
      if (config === undefined) return runEventsCommand(o, pos);
      const { eventsCliOptionsFromConfig } = await import('../events/events-config.ts');
      return runEventsCommand({ ...o, ...(await eventsCliOptionsFromConfig(config, o['detector'])) }, pos);
    },
  },
  'hash-password': {
    summary: 'print the scrypt hash of a dashboard supervisor password (read hidden, or from stdin) for dashboard.auth.users',
    usage: "afg hash-password            (or: printf '%s\\n' 'passphrase' | afg hash-password)",
    options: {},
    async run() {
      const { runHashPassword } = await import('../../dashboard/auth/hash-password-cli.ts');
      return runHashPassword();
    },
  },
  doctor: {
    summary: 'check this machine: system binaries, serial ports, Bluetooth, ONNX runtime providers, ports',
    usage: 'afg doctor',
    options: {},
    async run() {
      const { runDoctor } = await import('./doctor-command.ts');
      return runDoctor();
    },
  },
};

function positiveNumber(s: string, flag: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new AfgError('AFG_E_INPUT_INVALID', `${flag} must be a positive number`);
  return n;
}

function help(): string {
  const lines = ['afg — Attention Flow Gateway', '', 'usage: afg <command> [options]   (afg <command> --help for its options)', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(13)} ${c.summary}`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`AFG_E_INPUT_INVALID: unknown command '${name}'\n\n${help()}\n`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({ args: rest, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (values['help']) {
      process.stdout.write(`${cmd.summary}\n\nusage: ${cmd.usage}\n`);
      return 0;
    }
    return await cmd.run(values as Record<string, string | boolean | undefined>, positionals);
  } catch (err) {
    if (err instanceof AfgError) {
      process.stderr.write(`${err.message}${err.path ? `\n  at config path ${err.path}` : ''}\n`);
      return err.code === 'AFG_E_CONFIG_INVALID' || err.code === 'AFG_E_CONFIG_UNREADABLE' || err.code === 'AFG_E_INPUT_INVALID' || err.code === 'AFG_E_GAZE_CSV_INVALID' ? 2 : 1;
    }
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`AFG_E_INPUT_INVALID: ${(err as Error).message}\nusage: ${cmd.usage}\n`);
      return 2;
    }
    throw err;
  }
}
