import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeConfig } from '../helpers/gateway-process.ts';

// Issue 10 §4 "a corrupted store file at start", through the real CLI (`afg start`): the start
// stops with AFG_E_STORE_CORRUPT and a non-zero exit status, a byte-for-byte backup is kept,
// and the file itself is left as it was (no silent reset that would erase the audit trail).
const AFG = fileURLToPath(new URL('../../gateway/cli/afg.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A store as the gateway writes it: an alert with its history and an audit line. */
const STORE = JSON.stringify(
  {
    version: 1,
    alerts: { 'al-dr-19c2-1': { id: 'al-dr-19c2-1', rev: 1, wearer: 'dr-19c2', kind: 'eyes_off_road', level: 2, raisedAt: 1_767_225_600_000, evidence: {}, state: 'acked', audience: 'in_cab', history: [{ rev: 0, level: 2, state: 'active', at: 1_767_225_600_000 }, { rev: 1, level: 2, state: 'acked', at: 1_767_225_601_000, by: 'sup-1' }] } },
    decisions: {},
    audit: [{ at: 1_767_225_601_000, actor: 'sup-1', action: 'alert.ack', target: 'al-dr-19c2-1', ok: true }],
    pseudonyms: { 'dr-19c2': 'badge 4711' },
    thresholds: {},
    effects: [],
  },
  null,
  2,
);

const CASES: [string, string][] = [
  ['torn mid-write (the first 60 % of the file)', STORE.slice(0, Math.floor(STORE.length * 0.6))],
  ['valid JSON of another layout', JSON.stringify({ version: 2, alerts: [] })],
  ['empty (a power cut before the data reached the disk)', ''],
  ['bytes that are not text', '\u0000\u0001\u00ff\u00fe garbage'],
];

function afgStart(config: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [AFG, 'start', '--config', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

for (const [what, content] of CASES) {
  t.test(`store file ${what}: afg start refuses with AFG_E_STORE_CORRUPT, exit 1, backup kept, file untouched`, async (t) => {
    const dir = t.testdir();
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir);
    const file = path.join(dataDir, 'afg-store.json');
    writeFileSync(file, content);
    const config = writeConfig(path.join(dir, 'plant.json'), { site: 'plant-1', gateway: 'gw-a', dataDir, dashboard: { enabled: false }, mqtt: { embeddedPort: 0 } });

    const first = await afgStart(config);
    t.equal(first.code, 1, 'non-zero exit status (1: a runtime failure, not a config error)');
    t.match(first.out, /AFG_E_STORE_CORRUPT: store file .*afg-store\.json/, 'the code and the file are named');
    t.match(first.out, /a copy was kept at \S+/, 'and where the backup is');
    t.notMatch(first.out, /dashboard:|Ctrl-C stops the gateway/, 'the gateway did not start');
    const backups = readdirSync(dataDir).filter((f) => f.startsWith('afg-store.json.corrupt-'));
    t.equal(backups.length, 1, `one backup (${backups.join(', ')})`);
    t.ok(first.out.includes(path.join(dataDir, backups[0]!)), 'the message names that backup');
    t.same(readFileSync(path.join(dataDir, backups[0]!)), Buffer.from(content), 'the backup holds the exact bytes');
    t.same(readFileSync(file), Buffer.from(content), 'the store file itself is left as it was: no silent reset');

    const second = await afgStart(config);
    t.equal(second.code, 1, 'a second start refuses too (the first refusal did not "repair" the file)');
    t.same(readFileSync(file), Buffer.from(content));
  });
}
