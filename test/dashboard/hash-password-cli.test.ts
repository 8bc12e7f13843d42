import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parsePasswordHash, verifyPassword } from '../../dashboard/auth/password-hash.ts';
import { validateConfig } from '../../gateway/config/load-config.ts';

const AFG = fileURLToPath(new URL('../../gateway/cli/afg.mjs', import.meta.url));

function afg(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [AFG, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(stdin);
  });
}

t.test('afg hash-password reads the password from stdin and prints a hash the config accepts and the login verifies', async (t) => {
  const r = await afg(['hash-password'], 'a long passphrase\n');
  t.equal(r.code, 0, r.stderr);
  const hash = r.stdout.trim();
  t.match(hash, /^\$scrypt\$ln=17,r=8,p=1\$/);
  t.notMatch(r.stdout + r.stderr, /a long passphrase/, 'the password itself is never printed');
  t.match(r.stderr, /scrypt N=2\^17, r=8, p=1/);
  const parsed = parsePasswordHash(hash);
  if ('error' in parsed) throw new Error(parsed.error);
  t.equal(await verifyPassword('a long passphrase', parsed), true);
  t.equal(validateConfig({ dashboard: { auth: { users: [{ name: 'sup-1', passwordHash: hash }] } } }).dashboard.auth.users[0]!.role, 'supervisor');
});

t.test('afg hash-password refuses a short password with exit 2 and a code; --help explains it', async (t) => {
  const r = await afg(['hash-password'], 'short\n');
  t.equal(r.code, 2);
  t.match(r.stderr, /AFG_E_INPUT_INVALID: the password must have at least 10 characters/);
  t.equal(r.stdout, '');
  const h = await afg(['hash-password', '--help'], '');
  t.equal(h.code, 0);
  t.match(h.stdout, /scrypt hash of a dashboard supervisor password/);
  const list = await afg(['--help'], '');
  t.match(list.stdout, /\n  hash-password /);
});
