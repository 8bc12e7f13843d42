import t from 'tap';
import { readFileSync } from 'node:fs';
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { Outbox, type OutboxEntryInput } from '../../gateway/outputs/outbox.ts';
import { mountSmallFilesystem, smallFilesystemUnavailable } from '../helpers/small-filesystem.ts';

// Issue 10 §4 "a full disk for the outbox", on a real filesystem: a 1 MiB tmpfs filled up to
// ENOSPC by a filler file while alerts keep coming.
const skip = smallFilesystemUnavailable() ?? false;

const alert = (id: string): OutboxEntryInput => ({ id, topic: 'afg/v1/p/g/alerts', payload: JSON.stringify({ id, pad: 'x'.repeat(200) }), qos: 1, key: 'dr-1', cls: 'alert' });
const logIds = (file: string) => {
  const pending = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    let l: { op: string; e?: { id: string }; id?: string };
    try {
      l = JSON.parse(line);
    } catch {
      continue;
    }
    if (l.op === 'add' && l.e) pending.add(l.e.id);
    else if (l.op === 'ack' && l.id) pending.delete(l.id);
  }
  return [...pending];
};

t.test('outbox on a full disk: clear code, alerts kept in memory up to the bound and counted, on disk again once space is back', { skip }, async (t) => {
  const fs = mountSmallFilesystem(1 << 20);
  t.teardown(() => fs.unmount());
  const errors = new ErrorCounter();
  const io: string[] = [];
  const box = await Outbox.open({ dir: fs.dir, errors, maxEntries: 40, retryMs: 50, onIo: (s, e) => io.push(`${s}${e ? ` ${(e as NodeJS.ErrnoException).code}` : ''}`) });
  t.teardown(() => box.close());
  for (let i = 0; i < 5; i++) await box.append(alert(`before-${i}`));
  t.same(logIds(box.file), ['before-0', 'before-1', 'before-2', 'before-3', 'before-4'], 'on disk before the disk fills');

  fs.fill();
  t.equal(fs.availableBytes(), 0, 'the filesystem is full');
  for (let i = 0; i < 60; i++) await box.append(alert(`full-${i}`));
  t.ok(errors.get('AFG_E_OUTBOX_IO') >= 1, `every failed write is counted as AFG_E_OUTBOX_IO (${errors.get('AFG_E_OUTBOX_IO')})`);
  t.same(io, ['failing ENOSPC'], 'told once per episode, with the cause');
  t.equal(box.depth(), 40, 'kept in memory up to the bound (maxEntries 40)');
  t.equal(box.unpersisted(), 40, 'and marked as held in memory only');
  t.equal(errors.get('AFG_E_OUTBOX_FULL'), 25, 'what the bound pushed out is counted, oldest first, never silently');
  t.same(box.pending().map((e) => e.id), Array.from({ length: 40 }, (_, i) => `full-${i + 20}`), 'the newest 40 are kept, in order');
  t.same(box.dropStats().byClass.alert, 25);
  await new Promise((r) => setTimeout(r, 200));
  t.ok(errors.get('AFG_E_OUTBOX_IO') >= 2, 'the rewrite is retried while the disk stays full');

  fs.free();
  const back = Date.now();
  while (box.unpersisted() > 0 && Date.now() - back < 5000) await new Promise((r) => setTimeout(r, 20));
  t.equal(box.unpersisted(), 0, 'once space is back every pending entry is persisted again');
  t.same(io, ['failing ENOSPC', 'recovered']);
  const onDisk = logIds(box.file);
  t.same(onDisk.sort(), box.pending().map((e) => e.id).sort(), 'the rewritten log holds exactly what is pending (no torn line glued to a later one)');

  // delivery: acks after the recovery are appended normally; a reopen (crash) recovers the rest
  for (const e of box.pending().slice(0, 10)) await box.ack(e.id);
  await box.append(alert('after'));
  await box.close();
  const again = await Outbox.open({ dir: fs.dir, errors: new ErrorCounter() });
  t.teardown(() => again.close());
  t.same(again.pending().map((e) => e.id), [...Array.from({ length: 30 }, (_, i) => `full-${i + 30}`), 'after'], 'a restart recovers what was pending, nothing more, nothing less');
  t.equal(again.dropStats().byClass.alert, 25, 'and the drop count');
});

t.test('outbox opened on a full disk: the start goes on, entries live in memory until the disk has room', { skip }, async (t) => {
  const fs = mountSmallFilesystem(256 << 10);
  t.teardown(() => fs.unmount());
  const errors = new ErrorCounter();
  fs.fill();
  const box = await Outbox.open({ dir: fs.dir, errors, retryMs: 50 });
  t.teardown(() => box.close());
  await box.append(alert('a1'));
  t.ok(errors.get('AFG_E_OUTBOX_IO') >= 1, 'counted');
  t.equal(box.unpersisted(), 1);
  fs.free();
  const back = Date.now();
  while (box.unpersisted() > 0 && Date.now() - back < 5000) await new Promise((r) => setTimeout(r, 20));
  t.same(logIds(box.file), ['a1'], 'written once there is room');
});
