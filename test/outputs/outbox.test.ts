import t from 'tap';
import { spawn } from 'node:child_process';
import { readFile, writeFile, appendFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { Outbox, type OutboxEntryInput } from '../../gateway/outputs/outbox.ts';

const entry = (id: string, cls: OutboxEntryInput['cls'] = 'alert', key = 'dr-19c2'): OutboxEntryInput => ({ id, topic: 'afg/v1/s/g/alerts', payload: `{"id":"${id}"}`, qos: 1, key, cls });

t.test('appended entries survive a reopen until acknowledged, in order', async (t) => {
  const dir = t.testdir();
  const errors = new ErrorCounter();
  const a = await Outbox.open({ dir, errors });
  await a.append(entry('e1'));
  await a.append(entry('e2', 'decision'));
  await a.append(entry('e3'));
  await a.ack('e2');
  await a.append(entry('e1')); // a re-raise of the same message is not duplicated
  await a.close();
  const b = await Outbox.open({ dir, errors });
  t.same(b.pending().map((e) => e.id), ['e1', 'e3']);
  t.ok(b.pending().every((e) => e.persisted));
  await b.close();
  t.equal(errors.total(), 0);
});

t.test('a torn last line (crash mid-write) is skipped and counted', async (t) => {
  const dir = t.testdir();
  const errors = new ErrorCounter();
  const a = await Outbox.open({ dir, errors });
  await a.append(entry('e1'));
  await a.close();
  await appendFile(`${dir}/outbox.log`, '{"op":"add","e":{"id":"e2","top');
  const b = await Outbox.open({ dir, errors });
  t.same(b.pending().map((e) => e.id), ['e1']);
  t.equal(errors.get('AFG_E_OUTBOX_IO'), 1);
  await b.close();
});

t.test('when full: telemetry goes first, then decisions, then alerts; every drop counted', async (t) => {
  const errors = new ErrorCounter();
  const box = await Outbox.open({ dir: t.testdir(), errors, maxEntries: 3 });
  await box.append(entry('a1'));
  await box.append(entry('t1', 'telemetry'));
  await box.append(entry('d1', 'decision'));
  await box.append(entry('a2')); // drops t1
  t.same(box.pending().map((e) => e.id), ['a1', 'd1', 'a2']);
  await box.append(entry('a3')); // drops d1
  t.same(box.pending().map((e) => e.id), ['a1', 'a2', 'a3']);
  await box.append(entry('a4')); // only alerts left: the oldest goes, counted
  t.same(box.pending().map((e) => e.id), ['a2', 'a3', 'a4']);
  t.equal(errors.get('AFG_E_OUTBOX_FULL'), 3);
  t.equal(box.dropped, 3);
  await box.close();
});

t.test('entries older than maxAge are dropped and counted', async (t) => {
  let now = 1000;
  const errors = new ErrorCounter();
  const box = await Outbox.open({ dir: t.testdir(), errors, maxAgeMs: 60_000, now: () => now });
  await box.append(entry('old'));
  now += 61_000;
  await box.append(entry('new'));
  t.same(box.pending().map((e) => e.id), ['new']);
  t.equal(errors.get('AFG_E_OUTBOX_FULL'), 1);
  await box.close();
});

t.test('the log is compacted when mostly acknowledged', async (t) => {
  const dir = t.testdir();
  const box = await Outbox.open({ dir, errors: new ErrorCounter() });
  for (let i = 0; i < 1200; i++) {
    await box.append(entry(`e${i}`));
    await box.ack(`e${i}`);
  }
  await box.append(entry('keep'));
  await new Promise((r) => setTimeout(r, 50));
  await box.close();
  const lines = (await readFile(`${dir}/outbox.log`, 'utf8')).trim().split('\n');
  t.ok(lines.length < 1000, `log has ${lines.length} lines after compaction`);
  const again = await Outbox.open({ dir, errors: new ErrorCounter() });
  t.same(again.pending().map((e) => e.id), ['keep']);
  await again.close();
});

t.test('entries whose append resolved survive SIGKILL of the process', async (t) => {
  const dir = t.testdir();
  const child = fileURLToPath(new URL('./outbox-writer.fixture.ts', import.meta.url));
  await writeFile(`${dir}/.keep`, '');
  const p = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let confirmed = 0;
  await new Promise<void>((resolve) => {
    p.stdout!.on('data', (d: Buffer) => {
      confirmed = Math.max(confirmed, ...d.toString().trim().split('\n').map(Number));
      if (confirmed >= 50) {
        p.kill('SIGKILL');
        resolve();
      }
    });
  });
  await new Promise((r) => p.once('exit', r));
  const box = await Outbox.open({ dir, errors: new ErrorCounter() });
  const ids = new Set(box.pending().map((e) => e.id));
  for (let i = 1; i <= confirmed; i++) if (!ids.has(`e${i}`)) t.fail(`confirmed entry e${i} lost`);
  t.ok(ids.size >= confirmed, `${confirmed} confirmed, ${ids.size} recovered`);
  await box.close();
});

t.test('the byte bound drops by class too, and per-class drops are reported', async (t) => {
  const errors = new ErrorCounter();
  const dropped: string[] = [];
  const big = (id: string, cls: OutboxEntryInput['cls']): OutboxEntryInput => ({ ...entry(id, cls), payload: JSON.stringify({ id, pad: 'x'.repeat(400) }) });
  const box = await Outbox.open({ dir: t.testdir(), errors, maxBytes: 2000, onDrop: (e, why) => dropped.push(`${e.id}:${why}`) });
  await box.append(big('t1', 'telemetry'));
  await box.append(big('d1', 'decision'));
  await box.append(big('a1', 'alert'));
  t.same(box.pending().map((e) => e.id), ['t1', 'd1', 'a1']);
  t.ok(box.pendingBytes() <= 2000 && box.pendingBytes() > 1200, `${box.pendingBytes()} bytes pending`);
  await box.append(big('a2', 'alert')); // over 2000 bytes: telemetry goes
  await box.append(big('a3', 'alert')); // then the decision
  t.same(box.pending().map((e) => e.id), ['a1', 'a2', 'a3']);
  t.same(dropped, ['t1:full', 'd1:full']);
  t.same(box.droppedByClass, { telemetry: 1, decision: 1, alert: 0 });
  t.equal(errors.get('AFG_E_OUTBOX_FULL'), 2);
  await box.append(big('t2', 'telemetry')); // a telemetry entry into a box full of alerts is itself the drop
  t.same(box.pending().map((e) => e.id), ['a1', 'a2', 'a3']);
  t.equal(box.droppedByClass.telemetry, 2);
  await box.close();
});

t.test('reopening with a smaller bound drops (counted) down to it, and the drops persist', async (t) => {
  const dir = t.testdir();
  const a = await Outbox.open({ dir, errors: new ErrorCounter() });
  for (const id of ['a1', 't1', 'd1', 'a2']) await a.append(entry(id, id[0] === 't' ? 'telemetry' : id[0] === 'd' ? 'decision' : 'alert'));
  await a.close();
  const errors = new ErrorCounter();
  const b = await Outbox.open({ dir, errors, maxEntries: 2 });
  t.same(b.pending().map((e) => e.id), ['a1', 'a2']);
  t.equal(errors.get('AFG_E_OUTBOX_FULL'), 2);
  await b.close();
  const c = await Outbox.open({ dir, errors: new ErrorCounter() });
  t.same(c.pending().map((e) => e.id), ['a1', 'a2'], 'the drops were logged, not only forgotten in memory');
  await c.close();
});

t.test('invalid bounds are refused', async (t) => {
  await t.rejects(Outbox.open({ dir: t.testdir(), errors: new ErrorCounter(), maxEntries: 0 }), RangeError);
  await t.rejects(Outbox.open({ dir: t.testdir(), errors: new ErrorCounter(), maxBytes: -1 }), RangeError);
  await t.rejects(Outbox.open({ dir: t.testdir(), errors: new ErrorCounter(), maxAgeMs: 0 }), RangeError);
});

t.test('the drop order is configurable: alerts first if a plant wants that', async (t) => {
  const box = await Outbox.open({ dir: t.testdir(), errors: new ErrorCounter(), maxEntries: 2, dropOrder: ['alert', 'decision', 'telemetry'] });
  await box.append(entry('t1', 'telemetry'));
  await box.append(entry('a1'));
  await box.append(entry('d1', 'decision')); // over the bound: the alert goes first
  t.same(box.pending().map((e) => e.id), ['t1', 'd1']);
  await box.close();
  await t.rejects(Outbox.open({ dir: t.testdir(), errors: new ErrorCounter(), dropOrder: ['alert', 'alert', 'telemetry'] as never }), /dropOrder/);
  await t.rejects(Outbox.open({ dir: t.testdir(), errors: new ErrorCounter(), dropOrder: ['alert', 'decision'] as never }), /dropOrder/);
});

t.test('drop statistics survive a restart and a compaction, with the latest ids', async (t) => {
  const dir = t.testdir();
  let now = 1_000_000;
  const a = await Outbox.open({ dir, errors: new ErrorCounter(), maxEntries: 2, maxAgeMs: 60_000, now: () => now });
  const seen: string[] = [];
  a.onDropped((d) => seen.push(`${d.id}:${d.cls}:${d.reason}`));
  await a.append(entry('t1', 'telemetry'));
  await a.append(entry('a1'));
  await a.append(entry('a2')); // t1 goes (full)
  now += 61_000;
  a.sweep(); // a1 and a2 age out without anything new being appended
  t.same(seen, ['t1:telemetry:full', 'a1:alert:age', 'a2:alert:age']);
  t.equal(a.depth(), 0);
  await a.close();
  const b = await Outbox.open({ dir, errors: new ErrorCounter(), maxEntries: 2, maxAgeMs: 60_000, now: () => now });
  t.same(b.dropStats(), { total: 3, byClass: { telemetry: 1, decision: 0, alert: 2 }, byReason: { full: 1, age: 2 }, recent: [{ id: 't1', cls: 'telemetry', reason: 'full', at: 1_000_000 }, { id: 'a1', cls: 'alert', reason: 'age', at: 1_061_000 }, { id: 'a2', cls: 'alert', reason: 'age', at: 1_061_000 }] }, 'recovered from the drop lines');
  // enough traffic to compact the log several times: the counts stay
  for (let i = 0; i < 1500; i++) {
    await b.append(entry(`e${i}`));
    await b.ack(`e${i}`);
  }
  await new Promise((r) => setTimeout(r, 50));
  await b.close();
  const lines = (await readFile(`${dir}/outbox.log`, 'utf8')).trim().split('\n');
  t.ok(lines.length < 1000, `compacted (${lines.length} lines)`);
  const c = await Outbox.open({ dir, errors: new ErrorCounter() });
  t.equal(c.dropStats().total, 3, 'still 3 after compaction');
  t.equal(c.dropStats().byClass.alert, 2);
  t.equal(c.oldestAt(), null);
  await c.close();
});
