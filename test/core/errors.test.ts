import t from 'tap';
import { AfgError, ErrorCounter } from '../../gateway/core/errors.ts';

t.test('ErrorCounter counts per code and reports totals', async (t) => {
  const c = new ErrorCounter();
  const seen: string[] = [];
  c.onCount((code) => seen.push(code));
  c.count('AFG_E_FRAME_CRC');
  c.count('AFG_E_FRAME_CRC', 2);
  c.count('AFG_E_FRAME_COBS');
  t.equal(c.get('AFG_E_FRAME_CRC'), 3);
  t.equal(c.get('AFG_E_FRAME_TOO_LONG'), 0);
  t.equal(c.total(), 4);
  t.same(c.snapshot(), { AFG_E_FRAME_CRC: 3, AFG_E_FRAME_COBS: 1 });
  t.same(seen, ['AFG_E_FRAME_CRC', 'AFG_E_FRAME_CRC', 'AFG_E_FRAME_COBS']);
});

t.test('AfgError carries code and path', async (t) => {
  const e = new AfgError('AFG_E_CONFIG_INVALID', 'bad', { path: '/a/b' });
  t.equal(e.code, 'AFG_E_CONFIG_INVALID');
  t.equal(e.path, '/a/b');
  t.match(e.message, /^AFG_E_CONFIG_INVALID: bad/);
});
