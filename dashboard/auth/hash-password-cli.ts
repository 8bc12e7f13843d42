import { AfgError } from '../../gateway/core/errors.ts';
import { hashPassword, SCRYPT_DEFAULTS } from './password-hash.ts';

const MIN_LENGTH = 10;

/** Reads one line from a TTY without echoing it. */
function promptHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    let buf = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (err: Error | null) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003') return done(new AfgError('AFG_E_INPUT_INVALID', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    input.on('data', onData);
  });
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const chunk of input) s += chunk.toString();
  return s;
}

/**
 * `afg hash-password`: reads a password (twice, hidden, on a terminal; the first line of stdin
 * otherwise, so it never appears in the shell history or the process list) and prints the
 * scrypt hash for dashboard.auth.users[].passwordHash.
 *
 * @example
 *   printf '%s\n' 'a long passphrase' | afg hash-password
 */
export async function runHashPassword(io: { input: NodeJS.ReadStream; output: NodeJS.WriteStream; error: NodeJS.WriteStream } = { input: process.stdin, output: process.stdout, error: process.stderr }): Promise<number> {
  let password: string;
  if (io.input.isTTY) {
    password = await promptHidden('Password: ', io.input, io.error);
    const again = await promptHidden('Again: ', io.input, io.error);
    if (again !== password) throw new AfgError('AFG_E_INPUT_INVALID', 'the two passwords differ');
  } else {
    password = (await readAll(io.input)).split(/\r?\n/)[0] ?? '';
  }
  if (password.length < MIN_LENGTH) throw new AfgError('AFG_E_INPUT_INVALID', `the password must have at least ${MIN_LENGTH} characters`);
  const hash = await hashPassword(password);
  io.output.write(`${hash}\n`);
  io.error.write(`scrypt N=2^${SCRYPT_DEFAULTS.ln}, r=${SCRYPT_DEFAULTS.r}, p=${SCRYPT_DEFAULTS.p}; put it in the config:\n  dashboard:\n    auth:\n      users:\n        - { name: <login>, role: supervisor, passwordHash: '${hash}' }\n`);
  return 0;
}
