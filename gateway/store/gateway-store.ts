import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { AfgError } from '../core/errors.ts';
import type { Alert, Decision } from '../core/types.ts';
import type { EffectRecord } from '../effects/effect-record.ts';

/** One line of the audit trail: who did what, when, to which alert or decision. */
export interface AuditEntry {
  /** epoch ms when it took effect */
  at: number;
  /** pseudonymous user id or line-system client name */
  actor: string;
  action: string;
  target: string;
  note?: string;
  /** the actor's role and the way the command came in (commands) */
  role?: string;
  via?: string;
  correlationId?: string;
  /** false for a refused command worth keeping (an unauthorised attempt), with its code */
  ok?: boolean;
  code?: string;
  /** what the command changed (state, value), as the reply carried it */
  result?: Record<string, number | string | boolean | null>;
}

export interface StoredAlert extends Alert {
  history: { rev: number; level: number; state: Alert['state']; at: number; by?: string }[];
}

export interface StoredDecision extends Decision {
  history: { state: Decision['state']; at: number; by?: string }[];
}

/** A threshold changed by a supervisor's command; re-applied at start so a restart keeps it. */
export interface ThresholdOverride {
  value: number;
  by: string;
  at: number;
}

export interface StoreData {
  version: 1;
  alerts: Record<string, StoredAlert>;
  decisions: Record<string, StoredDecision>;
  audit: AuditEntry[];
  /**
   * Local-only mapping from pseudonym to whatever the plant uses to find the person (badge,
   * shift roster key). It never leaves the box: no sink reads it.
   */
  pseudonyms: Record<string, string>;
  thresholds: Record<string, ThresholdOverride>;
  /** before/after attention metrics of interventions (gateway/effects), oldest first */
  effects: EffectRecord[];
}

const EMPTY: StoreData = { version: 1, alerts: {}, decisions: {}, audit: [], pseudonyms: {}, thresholds: {}, effects: [] };

/**
 * The gateway's local store (lowdb, one JSON file): alert episodes and decisions with their
 * history, the audit trail, threshold overrides, intervention effects and the pseudonym mapping. Writes are coalesced (at most one per `flushMs`);
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
  private readonly maxEffects: number;
  private readonly maxSettledDecisions: number;
  private readonly flushMs: number;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly onIo: ((state: 'failing' | 'recovered', err?: Error) => void) | undefined;
  private failing = false;
  /** failed writes since open */
  writeErrors = 0;

  private constructor(file: string, db: Low<StoreData>, opts: { maxClearedAlerts: number; maxAudit: number; maxEffects: number; maxSettledDecisions: number; flushMs: number; onIo?: (state: 'failing' | 'recovered', err?: Error) => void }) {
    this.file = file;
    this.db = db;
    this.maxClearedAlerts = opts.maxClearedAlerts;
    this.maxAudit = opts.maxAudit;
    this.maxEffects = opts.maxEffects;
    this.maxSettledDecisions = opts.maxSettledDecisions;
    this.flushMs = opts.flushMs;
    this.onIo = opts.onIo;
  }

  /**
   * `onIo` is told of every failed write (with the cause) and when one succeeds again; the state
   * stays in memory meanwhile and each write is of the whole file.
   */
  static async open(opts: { dir: string; file?: string; maxClearedAlerts?: number; maxAudit?: number; maxEffects?: number; maxSettledDecisions?: number; flushMs?: number; onIo?: (state: 'failing' | 'recovered', err?: Error) => void }): Promise<GatewayStore> {
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
    // decisions stored before they had a history get an empty one
    for (const dec of Object.values(db.data.decisions)) if (!Array.isArray(dec.history)) dec.history = [];
    return new GatewayStore(file, db, {
      maxClearedAlerts: opts.maxClearedAlerts ?? 5000,
      maxAudit: opts.maxAudit ?? 50000,
      maxEffects: opts.maxEffects ?? 20000,
      maxSettledDecisions: opts.maxSettledDecisions ?? 5000,
      flushMs: opts.flushMs ?? 1000,
      ...(opts.onIo ? { onIo: opts.onIo } : {}),
    });
  }

  get data(): Readonly<StoreData> {
    return this.db.data;
  }

  recordAlert(a: Alert): void {
    const alerts = this.db.data.alerts;
    const prev = alerts[a.id];
    const step: StoredAlert['history'][number] = { rev: a.rev, level: a.level, state: a.state, at: a.raisedAt };
    if (a.by !== undefined) step.by = a.by;
    if (prev) {
      if (a.rev <= prev.rev) return; // an older or repeated revision arriving late never overwrites a newer one
      alerts[a.id] = { ...a, raisedAt: prev.raisedAt, history: [...prev.history, step] };
    } else {
      alerts[a.id] = { ...a, history: [step] };
    }
    this.pruneCleared();
    this.scheduleFlush();
  }

  /** A decision's new state; its history keeps every state with when and by whom. */
  recordDecision(d: Decision): void {
    const decisions = this.db.data.decisions;
    const prev = decisions[d.id];
    const at = d.state === 'pending' ? (d.createdAt ?? Date.now()) : (d.decidedAt ?? d.validUntil);
    const step: StoredDecision['history'][number] = { state: d.state, at };
    if (d.decidedBy !== undefined) step.by = d.decidedBy;
    if (prev && prev.history.some((h) => h.state === d.state)) return; // at-least-once duplicates
    decisions[d.id] = { ...d, history: [...(prev?.history ?? []), step] };
    this.pruneSettled();
    this.scheduleFlush();
  }

  audit(entry: AuditEntry): void {
    const audit = this.db.data.audit;
    audit.push(entry);
    if (audit.length > this.maxAudit) audit.splice(0, audit.length - this.maxAudit);
    this.scheduleFlush();
  }

  /** Audit lines about one alert or decision, oldest first. Cost: O(audit length). */
  auditOf(target: string): AuditEntry[] {
    return this.db.data.audit.filter((e) => e.target === target);
  }

  setThreshold(name: string, o: ThresholdOverride): void {
    this.db.data.thresholds[name] = o;
    this.scheduleFlush();
  }

  recordEffect(e: EffectRecord): void {
    const effects = this.db.data.effects;
    effects.push(e);
    if (effects.length > this.maxEffects) effects.splice(0, effects.length - this.maxEffects);
    this.scheduleFlush();
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // a failed write must not poison the chain: every later write is of the whole state anyway
    // (seen: one ENOSPC and the store never wrote again, silently)
    this.writing = this.writing
      .catch(() => undefined)
      .then(() => this.db.write())
      .then(
        () => {
          if (this.failing) this.onIo?.('recovered');
          this.failing = false;
        },
        (err: unknown) => {
          this.writeErrors++;
          this.failing = true;
          this.onIo?.('failing', err as Error);
          throw err;
        },
      );
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

  private pruneSettled(): void {
    const decisions = this.db.data.decisions;
    const settled = Object.values(decisions).filter((d) => d.state !== 'pending');
    if (settled.length <= this.maxSettledDecisions) return;
    settled.sort((x, y) => (x.createdAt ?? 0) - (y.createdAt ?? 0));
    for (const d of settled.slice(0, settled.length - this.maxSettledDecisions)) delete decisions[d.id];
  }

  private pruneCleared(): void {
    const alerts = this.db.data.alerts;
    const cleared = Object.values(alerts).filter((a) => a.state === 'cleared');
    if (cleared.length <= this.maxClearedAlerts) return;
    cleared.sort((x, y) => x.raisedAt - y.raisedAt);
    for (const a of cleared.slice(0, cleared.length - this.maxClearedAlerts)) delete alerts[a.id];
  }
}
