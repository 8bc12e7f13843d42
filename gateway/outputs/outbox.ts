import { mkdir, open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorCounter } from '../core/errors.ts';

/** What goes first when the outbox is full, by default: telemetry, then decisions, then alerts. */
export const OUTBOX_CLASS_RANK = { telemetry: 0, decision: 1, alert: 2 } as const;
export type OutboxClass = keyof typeof OUTBOX_CLASS_RANK;
export const DEFAULT_DROP_ORDER: readonly OutboxClass[] = ['telemetry', 'decision', 'alert'];

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

/** One entry that left without a PUBACK, for the outbox report. */
export interface OutboxDrop {
  id: string;
  cls: OutboxClass;
  reason: OutboxDropReason;
  /** epoch ms of the drop */
  at: number;
}

/** Cumulative drop counts since the outbox was created (they survive restarts: they are in the log). */
export interface OutboxDropStats {
  total: number;
  byClass: Record<OutboxClass, number>;
  byReason: Record<OutboxDropReason, number>;
  /** the most recent drops, oldest first (at most RECENT_DROPS) */
  recent: OutboxDrop[];
}

const RECENT_DROPS = 20;

type LogLine =
  | { op: 'add'; e: OutboxEntry }
  | { op: 'ack'; id: string }
  | { op: 'drop'; d: OutboxDrop }
  | { op: 'stats'; s: OutboxDropStats };

/**
 * Persisted store-and-forward queue between the policy and the broker (at-least-once).
 * An entry counts as raised only once its line is on disk and fsync'ed: appends in the same
 * event-loop turn share one write and one fsync (group commit). Entries leave only on ack
 * (after the broker's PUBACK); the ack is logged too. The log is compacted when most of it is
 * acknowledged. Bounded by count, bytes and age: when full, the classes go in `dropOrder`
 * (default telemetry, then decisions, then alerts), oldest first within a class. Every drop is
 * counted (AFG_E_OUTBOX_FULL), logged in the file as a drop line (not an ack), and kept in
 * `dropStats()` across restarts, so the sink can report it to line systems — never silent. A
 * write that fails (full disk) is counted (AFG_E_OUTBOX_IO) and every entry stays in memory
 * (still bounded, still published); the log may then end in a torn line, so it is never appended
 * to again: the outbox retries every `retryMs` to rewrite it whole from memory (the compaction
 * path: temp file, fsync, rename), and once that succeeds every entry is persisted again.
 *
 * Age is measured on a monotonic clock (`monoNow`), so a wall-clock jump neither ages entries
 * out nor keeps them forever; `at` (epoch ms) is only a label, and across a restart the age an
 * entry had is taken from it once (the only reading that survives a reboot).
 *
 * Cost: one appended line per entry and ack, one fsync per event-loop turn with appends;
 * finding the next entry to drop is O(1) (one insertion-ordered set per class); while the disk
 * fails, one rewrite attempt of the pending entries per retryMs.
 *
 * @example
 *   const outbox = await Outbox.open({ dir: './data/outbox', errors });
 *   await outbox.append({ id: 'al-1:0', topic, payload, qos: 1, key: 'dr-19c2', cls: 'alert' });
 *   for (const e of outbox.pending()) publish(e, () => outbox.ack(e.id));
 */
export class Outbox {
  readonly file: string;
  private readonly entries = new Map<string, OutboxEntry>();
  /** ids per class in insertion order: the next drop victim is the first of the first non-empty class in dropOrder */
  private readonly byClass: Record<OutboxClass, Set<string>> = { telemetry: new Set(), decision: new Set(), alert: new Set() };
  private readonly dropOrder: readonly OutboxClass[];
  private stats: OutboxDropStats = { total: 0, byClass: { telemetry: 0, decision: 0, alert: 0 }, byReason: { full: 0, age: 0 }, recent: [] };
  private readonly errors: ErrorCounter;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly maxBytes: number;
  /** bytes of each pending entry's log line, for the byte bound */
  private readonly sizes = new Map<string, number>();
  private bytes = 0;
  private readonly now: () => number;
  private readonly monoNow: () => number;
  /** monotonic ms at which each pending entry entered (its age is monoNow() minus this) */
  private readonly monoAt = new Map<string, number>();
  private readonly retryMs: number;
  /** a write failed: the log may end in a torn line; it must be rewritten whole before anything is appended */
  private damaged = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly onIo: ((state: 'failing' | 'recovered', err?: Error) => void) | undefined;
  /** failed writes (also counted as AFG_E_OUTBOX_IO) */
  ioErrors = 0;
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
  private readonly dropListeners: ((d: OutboxDrop) => void)[] = [];

  private constructor(file: string, fh: FileHandle, opts: { errors: ErrorCounter; maxEntries: number; maxBytes: number; maxAgeMs: number; dropOrder: readonly OutboxClass[]; now: () => number; monoNow: () => number; retryMs: number; onDrop?: (e: OutboxEntry, reason: OutboxDropReason) => void; onIo?: (state: 'failing' | 'recovered', err?: Error) => void }) {
    this.file = file;
    this.dropOrder = opts.dropOrder;
    this.fh = fh;
    this.errors = opts.errors;
    this.maxEntries = opts.maxEntries;
    this.maxAgeMs = opts.maxAgeMs;
    this.maxBytes = opts.maxBytes;
    this.onDrop = opts.onDrop;
    this.now = opts.now;
    this.monoNow = opts.monoNow;
    this.retryMs = opts.retryMs;
    this.onIo = opts.onIo;
  }

  /**
   * Opens (or creates) the outbox in `dir` and recovers what was not acknowledged.
   * Defaults: 100 000 entries, 64 MiB of log lines, 7 days, a rewrite try every second while
   * the disk fails. `now` stamps `at` (epoch ms, default Date.now); `monoNow` measures age
   * (default performance.now; a test that injects only `now` gets it for both).
   */
  static async open(opts: { dir: string; errors: ErrorCounter; maxEntries?: number; maxBytes?: number; maxAgeMs?: number; dropOrder?: readonly OutboxClass[]; now?: () => number; monoNow?: () => number; retryMs?: number; onDrop?: (e: OutboxEntry, reason: OutboxDropReason) => void; onIo?: (state: 'failing' | 'recovered', err?: Error) => void }): Promise<Outbox> {
    const dropOrder = opts.dropOrder ?? DEFAULT_DROP_ORDER;
    if (dropOrder.length !== 3 || new Set(dropOrder).size !== 3 || !dropOrder.every((c) => c in OUTBOX_CLASS_RANK)) throw new RangeError(`dropOrder must name telemetry, decision and alert once each (got ${JSON.stringify(dropOrder)})`);
    const maxEntries = opts.maxEntries ?? 100_000;
    const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    const maxAgeMs = opts.maxAgeMs ?? 7 * 24 * 3600_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError('maxBytes must be a positive integer');
    if (!(maxAgeMs > 0)) throw new RangeError('maxAgeMs must be positive');
    const retryMs = opts.retryMs ?? 1000;
    if (!(retryMs >= 10)) throw new RangeError('retryMs must be >= 10');
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
    const now = opts.now ?? Date.now;
    const monoNow = opts.monoNow ?? opts.now ?? (() => performance.now());
    const box = new Outbox(file, fh, { errors: opts.errors, maxEntries, maxBytes, maxAgeMs, dropOrder, now, monoNow, retryMs, onDrop: opts.onDrop, onIo: opts.onIo });
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
      if (l.op === 'add' && l.e && typeof l.e.id === 'string' && l.e.cls in OUTBOX_CLASS_RANK) {
        // the age it had when this process started: the one place the wall clock decides age
        const age = Math.max(0, this.now() - l.e.at);
        this.remember({ ...l.e, persisted: true }, Buffer.byteLength(s) + 1, this.monoNow() - (Number.isFinite(age) ? age : 0));
      } else if (l.op === 'ack') this.forget(l.id);
      else if (l.op === 'drop' && l.d) {
        this.forget(l.d.id);
        this.countDrop(l.d);
      } else if (l.op === 'stats' && l.s) this.stats = structuredClone(l.s);
    }
  }

  /** Resolves once the entry is on disk (or, when the disk fails, kept in memory and counted). */
  append(input: OutboxEntryInput): Promise<void> {
    if (this.entries.has(input.id)) return Promise.resolve(); // a re-raise of the same message
    if (!(input.cls in OUTBOX_CLASS_RANK)) throw new RangeError(`unknown outbox class '${input.cls}'`);
    const e: OutboxEntry = { ...input, at: this.now(), persisted: !this.damaged };
    const line = JSON.stringify({ op: 'add', e: { ...e, persisted: true } } satisfies LogLine);
    this.remember(e, Buffer.byteLength(line) + 1, this.monoNow());
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

  /** Epoch ms of the oldest pending entry, null when empty. */
  oldestAt(): number | null {
    for (const e of this.entries.values()) return e.at;
    return null;
  }

  /** Cumulative drops (persisted in the log, so they survive a restart) and the latest ones. */
  dropStats(): OutboxDropStats {
    return structuredClone(this.stats);
  }

  /** Told of every drop as it happens (the sink reports them on the outbox topic). */
  onDropped(fn: (d: OutboxDrop) => void): void {
    this.dropListeners.push(fn);
  }

  /** Applies the age bound now (entries also age out on append and pending()). */
  sweep(): void {
    this.enforceBounds();
  }

  /** Bytes of log lines held by pending entries (what the byte bound counts). */
  pendingBytes(): number {
    return this.bytes;
  }

  /** Entries held in memory only (a write failed and the log is not rewritten yet). */
  unpersisted(): number {
    let n = 0;
    for (const e of this.entries.values()) if (!e.persisted) n++;
    return n;
  }

  private remember(e: OutboxEntry, lineBytes: number, monoAt: number): void {
    this.entries.set(e.id, e);
    this.monoAt.set(e.id, monoAt);
    this.byClass[e.cls].add(e.id);
    this.setSize(e.id, lineBytes);
  }

  private setSize(id: string, n: number): void {
    this.bytes += n - (this.sizes.get(id) ?? 0);
    this.sizes.set(id, n);
  }

  private forget(id: string): boolean {
    const e = this.entries.get(id);
    if (!e) return false;
    this.entries.delete(id);
    this.monoAt.delete(id);
    this.byClass[e.cls].delete(id);
    this.bytes -= this.sizes.get(id) ?? 0;
    this.sizes.delete(id);
    return true;
  }

  async close(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.enqueue(async () => {
      await this.flushNow();
      if (this.damaged) await this.rewrite(); // a last try, so the next start finds what is pending
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
      const waiters = this.waiters;
      if (this.damaged) {
        // nothing is appended after a torn line: the retry's rewrite writes what memory holds then
        this.lines = [];
        this.waiters = [];
        for (const w of waiters) w();
        continue;
      }
      const data = `${this.lines.join('\n')}\n`;
      this.lines = [];
      this.waiters = [];
      try {
        await this.fh.write(data);
        await this.fh.sync();
      } catch (err) {
        this.ioFailed(err as Error);
      }
      for (const w of waiters) w();
    }
  }

  private ioFailed(err: Error): void {
    this.errors.count('AFG_E_OUTBOX_IO');
    this.ioErrors++;
    for (const e of this.entries.values()) e.persisted = false;
    if (!this.damaged) this.onIo?.('failing', err);
    this.damaged = true;
    if (!this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        void this.enqueue(async () => {
          if (this.damaged) await this.rewrite();
        });
      }, this.retryMs);
      this.retryTimer.unref();
    }
  }

  /** Rewrites the log from memory; on success every pending entry is on disk again. */
  private async rewrite(): Promise<void> {
    const ok = await this.writeWhole();
    if (!ok || !this.damaged) return;
    this.damaged = false;
    for (const e of this.entries.values()) e.persisted = true;
    this.onIo?.('recovered');
  }

  /** Rewrites the log with only the pending entries: temp file, fsync, rename. */
  private async compactNow(): Promise<void> {
    this.compactScheduled = false;
    await this.flushNow();
    if (this.damaged) await this.rewrite();
    else await this.writeWhole();
  }

  /** The log as memory holds it, written to a temp file and renamed over the old one; false when the disk refused. */
  private async writeWhole(): Promise<boolean> {
    const tmp = `${this.file}.tmp`;
    try {
      const out = await open(tmp, 'w');
      // the drop statistics go first, so the counts survive the rewrite of the lines they came from
      const body = [JSON.stringify({ op: 'stats', s: this.stats } satisfies LogLine), ...[...this.entries.values()].map((e) => JSON.stringify({ op: 'add', e: { ...e, persisted: true } } satisfies LogLine))].join('\n');
      try {
        await out.write(body ? `${body}\n` : '');
        await out.sync();
      } finally {
        await out.close();
      }
      await this.fh.close();
      await rename(tmp, this.file);
      const dir = await open(path.dirname(this.file), 'r');
      await dir.sync().catch(() => undefined);
      await dir.close();
      this.fh = await open(this.file, 'a');
      this.logLines = this.entries.size + 1;
      return true;
    } catch (err) {
      await unlink(tmp).catch(() => undefined); // a half-written temp file would hold the space the retry needs
      this.ioFailed(err as Error);
      try {
        await this.fh.close().catch(() => undefined);
        this.fh = await open(this.file, 'a');
      } catch {
        /* keep counting; entries stay in memory */
      }
      return false;
    }
  }

  private enforceBounds(): void {
    const mono = this.monoNow();
    for (const e of this.entries.values()) {
      if (mono - this.monoAt.get(e.id)! <= this.maxAgeMs) break; // insertion order is age order
      this.drop(e, 'age');
    }
    while (this.entries.size > this.maxEntries || (this.bytes > this.maxBytes && this.entries.size > 0)) {
      let victim: OutboxEntry | undefined;
      for (const cls of this.dropOrder) {
        const first = this.byClass[cls].values().next();
        if (!first.done) {
          victim = this.entries.get(first.value);
          break;
        }
      }
      this.drop(victim!, 'full');
    }
  }

  private drop(e: OutboxEntry, reason: OutboxDropReason): void {
    this.forget(e.id);
    const d: OutboxDrop = { id: e.id, cls: e.cls, reason, at: this.now() };
    this.countDrop(d);
    this.dropped++;
    this.droppedByClass[e.cls]++;
    this.errors.count('AFG_E_OUTBOX_FULL');
    this.onDrop?.(e, reason);
    for (const fn of this.dropListeners) fn(d);
    void this.write(JSON.stringify({ op: 'drop', d } satisfies LogLine));
  }

  private countDrop(d: OutboxDrop): void {
    const s = this.stats;
    s.total++;
    s.byClass[d.cls]++;
    s.byReason[d.reason]++;
    s.recent.push(d);
    if (s.recent.length > RECENT_DROPS) s.recent.splice(0, s.recent.length - RECENT_DROPS);
  }
}
