import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Supervisor password hashes: scrypt (RFC 7914) from node:crypto, stored as a PHC-style string
 * `$scrypt$ln=17,r=8,p=1$<salt base64>$<key base64>` so that the parameters travel with the
 * hash and can be raised later without breaking existing logins.
 *
 * Default parameter set: N = 2^17, r = 8, p = 1, 16-byte random salt, 32-byte key. This is
 * the OWASP Password Storage Cheat Sheet's scrypt minimum (CPU/memory cost 2^17, block size 8,
 * parallelism 1); it needs 128 · N · r = 128 MiB and about 0.3 s per verification on the dev
 * machine, which is fine for a rate-limited login and expensive for an offline guesser.
 */
export const SCRYPT_DEFAULTS = { ln: 17, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;

/** Bounds a hash from the config may use: below ln=14 (16 MiB) is too weak, above ln=20 a login would take seconds. */
export const SCRYPT_BOUNDS = { lnMin: 14, lnMax: 20, rMin: 8, rMax: 32, pMin: 1, pMax: 16 } as const;

export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

export interface ParsedHash extends ScryptParams {
  salt: Buffer;
  key: Buffer;
}

const HASH_RE = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,88}={0,2})\$([A-Za-z0-9+/]{22,88}={0,2})$/;

/**
 * Parses and bounds-checks a stored hash; returns the reason instead of throwing, so that the
 * config loader can name the field.
 *
 * @example
 *   const r = parsePasswordHash('$scrypt$ln=17,r=8,p=1$...$...');
 *   if ('error' in r) throw new Error(r.error);
 */
export function parsePasswordHash(s: string): ParsedHash | { error: string } {
  const m = HASH_RE.exec(s);
  if (!m) return { error: 'not a scrypt hash of the form $scrypt$ln=17,r=8,p=1$<salt>$<key> (make one with `afg hash-password`)' };
  const ln = Number(m[1]);
  const r = Number(m[2]);
  const p = Number(m[3]);
  const b = SCRYPT_BOUNDS;
  if (ln < b.lnMin || ln > b.lnMax) return { error: `scrypt ln=${ln} is outside ${b.lnMin}..${b.lnMax}` };
  if (r < b.rMin || r > b.rMax) return { error: `scrypt r=${r} is outside ${b.rMin}..${b.rMax}` };
  if (p < b.pMin || p > b.pMax) return { error: `scrypt p=${p} is outside ${b.pMin}..${b.pMax}` };
  const salt = Buffer.from(m[4]!, 'base64');
  const key = Buffer.from(m[5]!, 'base64');
  if (salt.length < 16) return { error: 'scrypt salt is shorter than 16 bytes' };
  if (key.length < 16 || key.length > 64) return { error: 'scrypt key must be 16..64 bytes' };
  return { ln, r, p, salt, key };
}

function derive(password: string, salt: Buffer, keyBytes: number, q: ScryptParams): Promise<Buffer> {
  const N = 2 ** q.ln;
  // maxmem must exceed 128·N·r, or node refuses; leave headroom for the p lanes' bookkeeping
  const maxmem = 128 * N * q.r + 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyBytes, { N, r: q.r, p: q.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Hashes a password for the config. Cost: one scrypt run (about 0.3 s, 128 MiB at the defaults).
 *
 * @example
 *   const line = await hashPassword('correct horse battery staple');
 */
export async function hashPassword(password: string, q: ScryptParams = SCRYPT_DEFAULTS): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) throw new RangeError('hashPassword: the password must be a non-empty string');
  const b = SCRYPT_BOUNDS;
  if (!(q.ln >= b.lnMin && q.ln <= b.lnMax && q.r >= b.rMin && q.r <= b.rMax && q.p >= b.pMin && q.p <= b.pMax)) throw new RangeError('hashPassword: scrypt parameters out of bounds');
  const salt = randomBytes(SCRYPT_DEFAULTS.saltBytes);
  const key = await derive(password, salt, SCRYPT_DEFAULTS.keyBytes, q);
  return `$scrypt$ln=${q.ln},r=${q.r},p=${q.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * Checks a password against a parsed hash in constant time (for equal key lengths).
 * Cost: one scrypt run at the hash's own parameters.
 */
export async function verifyPassword(password: string, hash: ParsedHash): Promise<boolean> {
  if (typeof password !== 'string' || password.length === 0 || password.length > 1024) return false;
  const key = await derive(password, hash.salt, hash.key.length, hash);
  return timingSafeEqual(key, hash.key);
}
