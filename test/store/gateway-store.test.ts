import t from 'tap';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { GatewayStore } from '../../gateway/store/gateway-store.ts';
import type { Alert } from '../../gateway/core/types.ts';

const alert = (rev: number, level: Alert['level'], state: Alert['state']): Alert => ({
  id: 'al-1', rev, wearer: 'dr-19c2', role: 'driver', kind: 'distraction', level, raisedAt: 1000 + rev, evidence: {}, state,
});

t.test('alert episodes keep their history and survive reopen', async (t) => {
  const dir = t.testdir();
  const s = await GatewayStore.open({ dir });
  s.recordAlert(alert(0, 1, 'active'));
  s.recordAlert(alert(1, 2, 'active'));
  s.recordAlert(alert(0, 1, 'active')); // late duplicate must not rewind
  s.audit({ at: 5, actor: 'sup-1', action: 'ack', target: 'al-1', note: 'talked to driver' });
  await s.close();
  const s2 = await GatewayStore.open({ dir });
  const a = s2.data.alerts['al-1']!;
  t.equal(a.level, 2);
  t.equal(a.raisedAt, 1000, 'raisedAt is the episode start');
  t.same(a.history.map((h) => h.rev), [0, 1]);
  t.equal(s2.data.audit.length, 1);
});

t.test('a corrupt store file stops the open, with a backup kept', async (t) => {
  const dir = t.testdir({ 'afg-store.json': '{"version":1,"alerts":{' });
  await t.rejects(GatewayStore.open({ dir }), { code: 'AFG_E_STORE_CORRUPT' });
  const files = await readdir(dir);
  const backup = files.find((f) => f.startsWith('afg-store.json.corrupt-'));
  t.ok(backup, 'backup kept');
  t.equal(await readFile(`${dir}/${backup}`, 'utf8'), '{"version":1,"alerts":{');
  t.equal(await readFile(`${dir}/afg-store.json`, 'utf8'), '{"version":1,"alerts":{', 'original left untouched');
});

t.test('an unknown layout is refused too', async (t) => {
  const dir = t.testdir();
  await writeFile(`${dir}/afg-store.json`, '[1,2,3]');
  await t.rejects(GatewayStore.open({ dir }), { code: 'AFG_E_STORE_CORRUPT' });
});

t.test('cleared alerts are bounded', async (t) => {
  const s = await GatewayStore.open({ dir: t.testdir(), maxClearedAlerts: 2 });
  for (let i = 0; i < 5; i++) s.recordAlert({ ...alert(0, 0, 'cleared'), id: `al-${i}`, raisedAt: i });
  t.same(Object.keys(s.data.alerts).sort(), ['al-3', 'al-4']);
  await s.close();
});
