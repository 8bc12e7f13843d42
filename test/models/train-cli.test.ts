import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../models/train/train-cli.ts', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

t.test('npm run train: usage, unknown model and bad seed are refused with exit 2', async (t) => {
  const h = run(['--help']);
  t.equal(h.status, 0);
  t.match(h.stdout, /usage: npm run train -- <attention-state\|eye-events> \[--data <dir>\] \[--seed N\] \[--out <dir>\]/);
  const u = run(['eye-tracker-9000']);
  t.equal(u.status, 2);
  t.match(u.stderr, /AFG_E_INPUT_INVALID: unknown model 'eye-tracker-9000' \(known: attention-state, eye-events\)/);
  const s = run(['attention-state', '--seed=-3']);
  t.equal(s.status, 2);
  t.match(s.stderr, /--seed must be a non-negative integer/);
  t.equal(run([]).status, 2, 'no model: usage and exit 2');
  const f = run(['attention-state', '--epochs', '3']);
  t.equal(f.status, 2);
  t.match(f.stderr, /AFG_E_INPUT_INVALID: Unknown option '--epochs'/);
});
