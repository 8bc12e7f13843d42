import cliProgress from 'cli-progress';

/** Where long phases (simulation, training, evaluation) report how far they are. */
export interface Progress {
  phase(name: string, total: number, unit: string): void;
  advance(by: number, info?: Record<string, string | number>): void;
  done(): void;
  log(line: string): void;
}

export const SILENT: Progress = { phase: () => undefined, advance: () => undefined, done: () => undefined, log: () => undefined };

/**
 * A progress bar per phase on stderr (cli-progress); on a non-terminal stderr it prints one line
 * per phase and at its end, so logs of CI runs stay readable.
 *
 * @example
 *   const p = progressBar();
 *   p.phase('training', epochs * batches, 'batches');
 *   p.advance(1, { loss: 0.42 });
 *   p.done();
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  let current = '';
  let started = 0;
  return {
    phase(name, total, unit) {
      this.done();
      current = name;
      started = Date.now();
      if (!tty) {
        stream.write(`${name}: ${total} ${unit}\n`);
        return;
      }
      bar = new cliProgress.SingleBar({ format: `${name.padEnd(22)} [{bar}] {percentage}% {value}/{total} ${unit} {info} eta {eta_formatted}`, stream, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
      bar.start(total, 0, { info: '' });
    },
    advance(by, info) {
      bar?.increment(by, { info: info ? Object.entries(info).map(([k, v]) => `${k}=${v}`).join(' ') : '' });
    },
    done() {
      if (bar) bar.stop();
      else if (current && !tty) stream.write(`${current}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      bar = null;
      current = '';
    },
    log(line) {
      stream.write(`${line}\n`);
    },
  };
}
