import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AfgError, type ErrorCode, type ErrorCounter } from '../core/errors.ts';
import { AttentionModel, type AttentionModelSource } from './attention-model.ts';
import { MANIFEST_FILE, loadManifest } from './model-manifest.ts';
import type { ModelHolder } from './onnx-attention-estimator.ts';

export type SwapOutcome = 'unchanged' | 'pending' | 'swapped' | 'same-model' | 'refused' | 'busy';

export interface SwapRecord {
  /** wall-clock ms since the epoch, for /health */
  at: number;
  outcome: 'swapped' | 'refused';
  model: string;
  sha256?: string;
  code?: ErrorCode;
  message?: string;
}

/**
 * Holds the running attention model and replaces it when its files change: polls the manifest
 * and the model file (mtime, size, inode); once a change has held still for one poll (a file
 * still being copied is not loaded), it loads, hash-checks, validates and warms up the new
 * model beside the running one and then switches with one assignment between ticks, so no tick
 * is missed. The old session is released after its runs in flight finish. A file that fails any
 * check is refused with its code (counted, logged), the old model keeps running, and the same
 * files are not retried until they change again. Deploy by writing both files and renaming
 * them into place.
 *
 * Cost per poll: two stat calls and one small manifest read; a load only on a change.
 *
 * @example
 *   const swap = new ModelHotSwap({ initial: model, source, errors, log });
 *   swap.start(2000);
 *   estimator = new OnnxAttentionEstimator({ models: swap });
 */
export class ModelHotSwap implements ModelHolder {
  private model: AttentionModel;
  private readonly source: AttentionModelSource;
  private readonly errors: ErrorCounter | undefined;
  private readonly log: (level: 'info' | 'warn' | 'error', msg: string) => void;
  private readonly onSwap: ((m: AttentionModel, old: AttentionModel) => void) | undefined;
  private readonly onRefuse: ((e: AfgError) => void) | undefined;
  private readonly wallClock: () => number;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<SwapOutcome> | null = null;
  /** the files as the running model was loaded from them (taken at construction) */
  private seen: Promise<string> | string;
  private pending: string | null = null;
  swaps = 0;
  refusals = 0;
  last: SwapRecord | null = null;

  constructor(o: {
    initial: AttentionModel;
    source: AttentionModelSource;
    errors?: ErrorCounter;
    log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
    onSwap?: (m: AttentionModel, old: AttentionModel) => void;
    onRefuse?: (e: AfgError) => void;
    wallClock?: () => number;
  }) {
    if (!o?.initial || !o.source) throw new TypeError('ModelHotSwap needs the initial model and its source');
    this.model = o.initial;
    this.source = o.source;
    this.errors = o.errors;
    this.log = o.log ?? (() => undefined);
    this.onSwap = o.onSwap;
    this.onRefuse = o.onRefuse;
    this.wallClock = o.wallClock ?? Date.now;
    this.seen = this.signature();
  }

  get current(): AttentionModel {
    return this.model;
  }

  /** Starts polling every pollMs. */
  start(pollMs: number): void {
    if (!(pollMs >= 50)) throw new RangeError('hot-swap poll period must be >= 50 ms');
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.busy;
  }

  /** One poll: looks at the files and swaps or refuses when they changed and held still. */
  check(): Promise<SwapOutcome> {
    if (this.busy) return Promise.resolve('busy');
    this.busy = this.poll().finally(() => (this.busy = null));
    return this.busy;
  }

  private async poll(): Promise<SwapOutcome> {
    const sig = await this.signature();
    if (sig === (await this.seen)) {
      this.pending = null;
      return 'unchanged';
    }
    if (sig !== this.pending) {
      this.pending = sig; // changed: wait one poll for the copy to finish
      return 'pending';
    }
    this.pending = null;
    this.seen = sig;
    const old = this.model;
    let next: AttentionModel;
    try {
      next = await AttentionModel.load(this.source, await loadManifest(this.source.dir));
    } catch (err) {
      const e = err instanceof AfgError ? err : new AfgError('AFG_E_MODEL_LOAD', (err as Error).message, { cause: err });
      this.refusals++;
      this.errors?.count(e.code);
      this.last = { at: this.wallClock(), outcome: 'refused', model: this.source.name, code: e.code, message: e.message };
      this.log('error', `model hot swap refused, ${old.label} (sha256 ${old.sha256.slice(0, 12)}) keeps running: ${e.message}`);
      this.onRefuse?.(e);
      return 'refused';
    }
    if (next.sha256 === old.sha256) {
      await next.release();
      return 'same-model';
    }
    this.model = next;
    this.swaps++;
    this.last = { at: this.wallClock(), outcome: 'swapped', model: next.label, sha256: next.sha256 };
    this.log('info', `model hot swap: ${old.label} (sha256 ${old.sha256.slice(0, 12)}) -> ${next.label} (sha256 ${next.sha256.slice(0, 12)}) on ${next.provider}`);
    this.onSwap?.(next, old);
    await old.release();
    return 'swapped';
  }

  /** Identity of the files as they are: manifest and the model file it names (missing = '-'). */
  private async signature(): Promise<string> {
    const parts: string[] = [];
    const manifest = path.join(this.source.dir, MANIFEST_FILE);
    parts.push(await statSig(manifest));
    let file = this.model.file;
    try {
      const m = await loadManifest(this.source.dir);
      const e = m.models[this.source.name];
      if (e) file = path.resolve(this.source.dir, e.file);
    } catch {
      // an unreadable manifest is itself a change; the load attempt reports it
    }
    parts.push(file, await statSig(file));
    return parts.join('|');
  }
}

async function statSig(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return '-';
  }
}
