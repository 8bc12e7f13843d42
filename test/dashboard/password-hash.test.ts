import t from 'tap';
import { scryptSync } from 'node:crypto';
import { hashPassword, parsePasswordHash, SCRYPT_DEFAULTS, verifyPassword } from '../../dashboard/auth/password-hash.ts';
import { FAST } from './auth-fixture.ts';

t.test('the default hash is scrypt N=2^17, r=8, p=1 with a 16-byte salt and a 32-byte key, and verifies', async (t) => {
  const h = await hashPassword('correct horse battery staple');
  t.match(h, /^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  const p = parsePasswordHash(h);
  if ('error' in p) throw new Error(p.error);
  t.equal(p.salt.length, SCRYPT_DEFAULTS.saltBytes);
  t.equal(p.key.length, SCRYPT_DEFAULTS.keyBytes);
  // the key is plain RFC 7914 scrypt of the NFC password: any scrypt implementation can check it
  t.same(scryptSync('correct horse battery staple', p.salt, 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 }), p.key);
  t.equal(await verifyPassword('correct horse battery staple', p), true);
  t.equal(await verifyPassword('correct horse battery stapl', p), false);
});

t.test('every hash has its own salt; parameters travel with the hash', async (t) => {
  const [a, b] = await Promise.all([hashPassword('same', FAST), hashPassword('same', FAST)]);
  t.not(a, b, 'two hashes of one password differ');
  const pa = parsePasswordHash(a);
  if ('error' in pa) throw new Error(pa.error);
  t.equal(pa.ln, 14);
  t.equal(await verifyPassword('same', pa), true);
});

t.test('unicode passwords are normalised (NFC) before hashing', async (t) => {
  const h = parsePasswordHash(await hashPassword('Gr\u00fc\u00dfe', FAST));
  if ('error' in h) throw new Error(h.error);
  t.equal(await verifyPassword('Gru\u0308\u00dfe', h), true, 'decomposed ü matches the composed one');
});

t.test('malformed and too-weak hashes are refused with a reason', async (t) => {
  const good = await hashPassword('x', FAST);
  const [, , , salt, key] = good.split('$');
  for (const [h, why] of [
    ['plain-text-password', /not a scrypt hash/],
    [`$scrypt$ln=10,r=8,p=1$${salt}$${key}`, /ln=10 is outside 14\.\.20/],
    [`$scrypt$ln=21,r=8,p=1$${salt}$${key}`, /ln=21 is outside/],
    [`$scrypt$ln=14,r=4,p=1$${salt}$${key}`, /r=4 is outside/],
    [`$scrypt$ln=14,r=8,p=0$${salt}$${key}`, /p=0 is outside/],
    [`$scrypt$ln=14,r=8,p=1$AAAAAAAAAAAAAAAAAAAA$${key}`, /salt is shorter than 16 bytes/],
    [`$bcrypt$ln=14,r=8,p=1$${salt}$${key}`, /not a scrypt hash/],
  ] as const) {
    const r = parsePasswordHash(h);
    t.ok('error' in r && why.test(r.error), `${h.slice(0, 30)}… → ${'error' in r ? r.error : 'accepted'}`);
  }
  await t.rejects(hashPassword(''), /non-empty/);
  await t.rejects(hashPassword('x', { ln: 12, r: 8, p: 1 }), /out of bounds/);
});

t.test('verification refuses empty and absurdly long passwords without hashing them', async (t) => {
  const h = parsePasswordHash(await hashPassword('x', FAST));
  if ('error' in h) throw new Error(h.error);
  t.equal(await verifyPassword('', h), false);
  t.equal(await verifyPassword('x'.repeat(2000), h), false);
});
