import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { AfgError } from '../core/errors.ts';
import type { Alert, Decision } from '../core/types.ts';

/** One line of the audit trail: who did what, when, to which alert or decision. */
export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
  note?: string;
}

export interface StoredAlert extends Alert {
  history: { rev: number; level: number; state: Alert['state']; at: number }[];
}

export interface StoreData {
  version: 1;
  alerts: Record<string, StoredAlert>;
  decisions: Record<string, Decision>;
  audit: AuditEntry[];
  /**
   * Local-only mapping from pseudonym to whatever the plant uses to find the person (badge,
   * shift roster key). It never leaves the box: no sink reads it.
   */
  pseudonyms: Record<string, string>;
}

const EMPTY: StoreData = { version: 1, alerts: {}, decisions: {}, audit: [], pseudonyms: {} };

/**
 * The gateway's local store (lowdb, one JSON file): alert episodes with their history, decisions,
 * the audit trail and the pseudonym mapping. Writes are coalesced (at most one per `flushMs`);
 * lowdb writes atomically (temp file + rename). Alerts are durable through the outbox, not here.
 *
 * A corrupt file stops the start (AFG_E_STORE_CORRUPT) after a backup copy is kept: never a
 * silent reset that would erase the audit trail.
 *
 * @example
 *   const store = await GatewayStore.open({ dir: './data' });
 *   store.recordAlert(alert);
 *   await store.close();
 */
export class GatewayStore {
  readonly file: string;
  private readonly db: Low<StoreData>;
  private readonly maxClearedAlerts: number;
  private readonly maxAudit: number;
  private readonly flushMs: number;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  private constructor(file: string, db: Low<StoreData>, opts: { maxClearedAlerts: number; maxAudit: number; flushMs: number }) {
    this.file = file;
    this.db = db;
    this.maxClearedAlerts = opts.maxClearedAlerts;
    this.maxAudit = opts.maxAudit;
    this.flushMs = opts.flushMs;
  }

  static async open(opts: { dir: string; file?: string; maxClearedAlerts?: number; maxAudit?: number; flushMs?: number }): Promise<GatewayStore> {
    await mkdir(opts.dir, { recursive: true });
    const file = path.join(opts.dir, opts.file ?? 'afg-store.json');
    const db = new Low<StoreData>(new JSONFile<StoreData>(file), structuredClone(EMPTY));
    try {
      await db.read();
    } catch (err) {
      const backup = `${file}.corrupt-${process.pid}-${Date.now()}`;
      await copyFile(file, backup).catch(() => undefined);
      throw new AfgError('AFG_E_STORE_CORRUPT', `store file ${file} is not valid JSON (${(err as Error).message}); a copy was kept at ${backup}. Inspect it, then move it away to start with an empty store.`, { cause: err });
    }
    const d = db.data as Partial<StoreData> | null;
    if (!d || d.version !== 1 || typeof d.alerts !== 'object' || !Array.isArray(d.audit)) {
      const backup = `${file}.corrupt-${process.pid}-${Date.now()}`;
      await copyFile(file, backup).catch(() => undefined);
      throw new AfgError('AFG_E_STORE_CORRUPT', `store file ${file} has an unknown layout; a copy was kept at ${backup}.`);
    }
    db.data = { ...structuredClone(EMPTY), ...d } as StoreData;
    return new GatewayStore(file, db, { maxClearedAlerts: opts.maxClearedAlerts ?? 5000, maxAudit: opts.maxAudit ?? 50000, flushMs: opts.flushMs ?? 1000 });
  }

  get data(): Readonly<StoreData> {
    return this.db.data;
  }

  recordAlert(a: Alert): void {
    const alerts = this.db.data.alerts;
    const prev = alerts[a.id];
    const step = { rev: a.rev, level: a.level, state: a.state, at: a.raisedAt };
    if (prev) {
      if (a.rev < prev.rev) return; // an older revision arriving late never overwrites a newer one
      alerts[a.id] = { ...a, raisedAt: prev.raisedAt, history: [...prev.history, step] };
    } else {
      alerts[a.id] = { ...a, history: [step] };
    }
    this.pruneCleared();
    this.scheduleFlush();
  }

  recordDecision(d: Decision): void {
    this.db.data.decisions[d.id] = d;
    this.scheduleFlush();
  }

  audit(entry: AuditEntry): void {
    const audit = this.db.data.audit;
    audit.push(entry);
    if (audit.length > this.maxAudit) audit.splice(0, audit.length - this.maxAudit);
    this.scheduleFlush();
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.writing = this.writing.then(() => this.db.write());
    await this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private scheduleFlush(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush().catch(() => undefined);
    }, this.flushMs);
    this.timer.unref();
  }

  private pruneCleared(): void {
    const alerts = this.db.data.alerts;
    const cleared = Object.values(alerts).filter((a) => a.state === 'cleared');
    if (cleared.length <= this.maxClearedAlerts) return;
    cleared.sort((x, y) => x.raisedAt - y.raisedAt);
    for (const a of cleared.slice(0, cleared.length - this.maxClearedAlerts)) delete alerts[a.id];
  }
}
