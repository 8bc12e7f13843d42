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

t.test('decisions keep their state history (duplicates ignored); thresholds and effects are kept over a reopen', async (t) => {
  const dir = t.testdir();
  const s = await GatewayStore.open({ dir, maxEffects: 2 });
  const d = { id: 'dc-1', kind: 'break' as const, targets: ['op-7f3a'], reason: 'fatigue', inputs: {}, validUntil: 9000, state: 'pending' as const, createdAt: 1000 };
  s.recordDecision(d);
  s.recordDecision(d);
  s.recordDecision({ ...d, state: 'accepted', decidedBy: 'mes-1', decidedAt: 2000 });
  s.setThreshold('operator.enterProb', { value: 0.7, by: 'sup-1', at: 5 });
  const eff = (id: string) => ({ id, kind: 'break', wearer: 'op-7f3a', station: 'st-01', at: 1, before: { score: 0.5, perclos: 0.2, coveredS: 600 }, after: { score: 0.8, perclos: 0.05, coveredS: 600 }, deltaScore: 0.3, deltaPerclos: -0.15, beforeS: 600, delayS: 300, afterS: 600 });
  for (const id of ['a', 'b', 'c']) s.recordEffect(eff(id));
  s.audit({ at: 1, actor: 'x', action: 'decision.accept', target: 'dc-1' });
  s.audit({ at: 2, actor: 'y', action: 'alert.ack', target: 'al-1' });
  await s.close();
  const s2 = await GatewayStore.open({ dir });
  t.same(s2.data.decisions['dc-1']!.history, [{ state: 'pending', at: 1000 }, { state: 'accepted', at: 2000, by: 'mes-1' }]);
  t.equal(s2.data.decisions['dc-1']!.state, 'accepted');
  t.same(s2.data.thresholds, { 'operator.enterProb': { value: 0.7, by: 'sup-1', at: 5 } });
  t.same(s2.data.effects.map((e) => e.id), ['b', 'c'], 'effects bounded, oldest dropped');
  t.same(s2.auditOf('dc-1').map((e) => e.actor), ['x']);
  await s2.close();
});

t.test('a store written before decisions had a history opens, and a repeated alert revision is not appended twice', async (t) => {
  const dir = t.testdir({ 'afg-store.json': JSON.stringify({ version: 1, alerts: {}, decisions: { 'dc-0': { id: 'dc-0', kind: 'break', targets: [], reason: '', inputs: {}, validUntil: 1, state: 'pending' } }, audit: [], pseudonyms: {} }) });
  const s = await GatewayStore.open({ dir });
  t.same(s.data.decisions['dc-0']!.history, []);
  t.same(s.data.thresholds, {});
  s.recordAlert(alert(0, 1, 'active'));
  s.recordAlert(alert(0, 1, 'active'));
  t.equal(s.data.alerts['al-1']!.history.length, 1);
  await s.close();
});
