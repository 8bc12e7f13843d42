import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorCounter } from '../core/errors.ts';

/** What goes first when the outbox is full: telemetry, then decisions, then alerts. */
export const OUTBOX_CLASS_RANK = { telemetry: 0, decision: 1, alert: 2 } as const;
export type OutboxClass = keyof typeof OUTBOX_CLASS_RANK;

export interface OutboxEntryInput {
  /** unique per message; consumers de-duplicate on it */
  id: string;
  topic: string;
  payload: string;
  qos: 0 | 1;
  /** order is kept per key (the wearer) */
  key: string;
  cls: OutboxClass;
}

export interface OutboxEntry extends OutboxEntryInput {
  /** when it entered the outbox, epoch ms */
  at: number;
  /** false while it could not be written to disk (full disk): it lives in memory only */
  persisted: boolean;
}

/** why an entry left without an ack: the count/byte bound, or older than maxAgeMs */
export type OutboxDropReason = 'full' | 'age';

type LogLine = { op: 'add'; e: OutboxEntry } | { op: 'ack'; id: string };

/**
 * Persisted store-and-forward queue between the policy and the broker (at-least-once).
 * An entry counts as raised only once its line is on disk and fsync'ed: appends in the same
 * event-loop turn share one write and one fsync (group commit). Entries leave only on ack
 * (after the broker's PUBACK); the ack is logged too. The log is compacted when most of it is
 * acknowledged. Bounded by count, bytes and age: when full, telemetry goes first, then decisions,
 * then alerts, oldest first, each drop counted (AFG_E_OUTBOX_FULL) — never silent. A write
 * that fails (full disk) is counted (AFG_E_OUTBOX_IO) and the entry stays in memory.
 *
 * Cost: one appended line per entry and ack, one fsync per event-loop turn with appends.
 *
 * @example
 *   const outbox = await Outbox.open({ dir: './data/outbox', errors });
 *   await outbox.append({ id: 'al-1:0', topic, payload, qos: 1, key: 'dr-19c2', cls: 'alert' });
 *   for (const e of outbox.pending()) publish(e, () => outbox.ack(e.id));
 */
export class Outbox {
  readonly file: string;
  private readonly entries = new Map<string, OutboxEntry>();
  private readonly errors: ErrorCounter;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly maxBytes: number;
  /** bytes of each pending entry's log line, for the byte bound */
  private readonly sizes = new Map<string, number>();
  private bytes = 0;
  private readonly now: () => number;
  private fh: FileHandle;
  private lines: string[] = [];
  private waiters: (() => void)[] = [];
  /** every file operation runs on this chain, one at a time: flushes and compactions never interleave */
  private serial: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private compactScheduled = false;
  private logLines = 0;
  /** entries dropped by the bounds since open, in total and by class (also counted as AFG_E_OUTBOX_FULL) */
  dropped = 0;
  readonly droppedByClass: Record<OutboxClass, number> = { telemetry: 0, decision: 0, alert: 0 };
  private readonly onDrop: ((e: OutboxEntry, reason: OutboxDropReason) => void) | undefined;

  private constructor(file: string, fh: FileHandle, opts: { errors: ErrorCounter; maxEntries: number; maxBytes: number; maxAgeMs: number; now: () => number; onDrop?: (e: OutboxEntry, reason: OutboxDropReason) => void }) {
    this.file = file;
    this.fh = fh;
    this.errors = opts.errors;
    this.maxEntries = opts.maxEntries;
    this.maxAgeMs = opts.maxAgeMs;
    this.maxBytes = opts.maxBytes;
    this.onDrop = opts.onDrop;
    this.now = opts.now;
  }

  /**
   * Opens (or creates) the outbox in `dir` and recovers what was not acknowledged.
   * Defaults: 100 000 entries, 64 MiB of log lines, 7 days.
   */
  static async open(opts: { dir: string; errors: ErrorCounter; maxEntries?: number; maxBytes?: number; maxAgeMs?: number; now?: () => number; onDrop?: (e: OutboxEntry, reason: OutboxDropReason) => void }): Promise<Outbox> {
    const maxEntries = opts.maxEntries ?? 100_000;
    const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    const maxAgeMs = opts.maxAgeMs ?? 7 * 24 * 3600_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError('maxBytes must be a positive integer');
    if (!(maxAgeMs > 0)) throw new RangeError('maxAgeMs must be positive');
    if (!opts.dir) throw new RangeError('dir is required');
    await mkdir(opts.dir, { recursive: true });
    const file = path.join(opts.dir, 'outbox.log');
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const fh = await open(file, 'a');
    const box = new Outbox(file, fh, { errors: opts.errors, maxEntries, maxBytes, maxAgeMs, now: opts.now ?? Date.now, onDrop: opts.onDrop });
    box.recover(text);
    box.enforceBounds(); // the bounds may have shrunk in config since the last run
    await box.enqueue(() => box.compactNow());
    return box;
  }

  private recover(text: string): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const s = lines[i]!;
      if (!s) continue;
      let l: LogLine;
      try {
        l = JSON.parse(s) as LogLine;
      } catch {
        // a torn line: the crash came mid-write; that entry never counted as raised
        this.errors.count('AFG_E_OUTBOX_IO');
        continue;
      }
      if (l.op === 'add' && l.e && typeof l.e.id === 'string') {
        this.entries.set(l.e.id, { ...l.e, persisted: true });
        this.setSize(l.e.id, Buffer.byteLength(s) + 1);
      } else if (l.op === 'ack') this.forget(l.id);
    }
  }

  /** Resolves once the entry is on disk (or, when the disk fails, kept in memory and counted). */
  append(input: OutboxEntryInput): Promise<void> {
    if (this.entries.has(input.id)) return Promise.resolve(); // a re-raise of the same message
    const e: OutboxEntry = { ...input, at: this.now(), persisted: true };
    const line = JSON.stringify({ op: 'add', e } satisfies LogLine);
    this.entries.set(e.id, e);
    this.setSize(e.id, Buffer.byteLength(line) + 1);
    this.enforceBounds();
    if (!this.entries.has(e.id)) return Promise.resolve(); // it was the lowest-priority entry itself: counted as a drop
    return this.write(line);
  }

  /** Removes an entry after the broker acknowledged it. */
  ack(id: string): Promise<void> {
    if (!this.forget(id)) return Promise.resolve();
    const p = this.write(JSON.stringify({ op: 'ack', id } satisfies LogLine));
    // compact when everything is acknowledged, or when acknowledged lines dominate the log
    const due = this.entries.size === 0 ? this.logLines >= 256 : this.logLines > 1000 && this.logLines > 4 * this.entries.size;
    if (due && !this.compactScheduled) {
      this.compactScheduled = true;
      void this.enqueue(() => this.compactNow());
    }
    return p;
  }

  /** Unacknowledged entries in the order they were raised (so per key too). */
  pending(): readonly OutboxEntry[] {
    this.enforceBounds();
    return [...this.entries.values()];
  }

  depth(): number {
    return this.entries.size;
  }

  /** Bytes of log lines held by pending entries (what the byte bound counts). */
  pendingBytes(): number {
    return this.bytes;
  }

  private setSize(id: string, n: number): void {
    this.bytes += n - (this.sizes.get(id) ?? 0);
    this.sizes.set(id, n);
  }

  private forget(id: string): boolean {
    if (!this.entries.delete(id)) return false;
    this.bytes -= this.sizes.get(id) ?? 0;
    this.sizes.delete(id);
    return true;
  }

  async close(): Promise<void> {
    await this.enqueue(async () => {
      await this.flushNow();
      await this.fh.close();
    });
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.serial.then(op);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private write(line: string): Promise<void> {
    this.lines.push(line);
    this.logLines++;
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // group commit: whatever is appended in this event-loop turn shares one write and fsync
      setImmediate(() => {
        this.flushScheduled = false;
        void this.enqueue(() => this.flushNow());
      });
    }
    return done;
  }

  private async flushNow(): Promise<void> {
    while (this.lines.length) {
      const data = `${this.lines.join('\n')}\n`;
      const waiters = this.waiters;
      this.lines = [];
      this.waiters = [];
      try {
        await this.fh.write(data);
        await this.fh.sync();
      } catch {
        this.errors.count('AFG_E_OUTBOX_IO');
        for (const e of this.entries.values()) e.persisted = false;
      }
      for (const w of waiters) w();
    }
  }

  /** Rewrites the log with only the pending entries: temp file, fsync, rename. */
  private async compactNow(): Promise<void> {
    this.compactScheduled = false;
    await this.flushNow();
    const tmp = `${this.file}.tmp`;
    try {
      const out = await open(tmp, 'w');
      const body = [...this.entries.values()].map((e) => JSON.stringify({ op: 'add', e } satisfies LogLine)).join('\n');
      await out.write(body ? `${body}\n` : '');
      await out.sync();
      await out.close();
      await this.fh.close();
      await rename(tmp, this.file);
      const dir = await open(path.dirname(this.file), 'r');
      await dir.sync().catch(() => undefined);
      await dir.close();
      this.fh = await open(this.file, 'a');
      this.logLines = this.entries.size;
    } catch {
      this.errors.count('AFG_E_OUTBOX_IO');
      try {
        this.fh = await open(this.file, 'a');
      } catch {
        /* keep counting; entries stay in memory */
      }
    }
  }

  private enforceBounds(): void {
    const now = this.now();
    for (const e of this.entries.values()) {
      if (now - e.at <= this.maxAgeMs) break; // insertion order is age order
      this.drop(e, 'age');
    }
    while (this.entries.size > this.maxEntries || (this.bytes > this.maxBytes && this.entries.size > 0)) {
      let victim: OutboxEntry | null = null;
      for (const e of this.entries.values()) {
        if (!victim || OUTBOX_CLASS_RANK[e.cls] < OUTBOX_CLASS_RANK[victim.cls]) victim = e;
        if (OUTBOX_CLASS_RANK[victim.cls] === 0) break;
      }
      this.drop(victim!, 'full');
    }
  }

  private drop(e: OutboxEntry, reason: OutboxDropReason): void {
    this.forget(e.id);
    this.dropped++;
    this.droppedByClass[e.cls]++;
    this.onDrop?.(e, reason);
    this.errors.count('AFG_E_OUTBOX_FULL');
    void this.write(JSON.stringify({ op: 'ack', id: e.id } satisfies LogLine));
  }
}
