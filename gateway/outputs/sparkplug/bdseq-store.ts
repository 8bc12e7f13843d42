import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * The Sparkplug birth/death sequence number, persisted so it keeps counting across restarts:
 * it starts at 0 and goes up by one on every new MQTT CONNECT, wrapping from 255 to 0
 * ([tck-id-topics-nbirth-bdseq-increment], [tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq],
 * Sparkplug 3.0.0 §4.2.1.1.2 and §5.4). A host application pairs an NDEATH with the NBIRTH of the
 * same bdSeq, so a restart must not reuse the previous session's number.
 *
 * The file holds the last value used; `next()` writes the new one (temp file, fsync, rename)
 * before it is put into a CONNECT packet. A missing or unreadable file starts at 0.
 *
 * Cost: one small synchronous write and fsync per connection attempt.
 *
 * @example
 *   const store = new BdSeqStore('./data/sparkplug');
 *   const bdSeq = store.next(); // 0 the first time, then 1, 2, ... 255, 0
 */
export class BdSeqStore {
  readonly file: string;
  private last: number | null;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'bdseq.json');
    this.last = readLast(this.file);
  }

  /** The value of the current (latest) connection, null before the first. */
  get current(): number | null {
    return this.last;
  }

  next(): number {
    const n = this.last === null ? 0 : (this.last + 1) % 256;
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, `${JSON.stringify({ bdSeq: n })}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    this.last = n;
    return n;
  }
}

function readLast(file: string): number | null {
  try {
    const v = (JSON.parse(readFileSync(file, 'utf8')) as { bdSeq?: unknown }).bdSeq;
    return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255 ? (v as number) : null;
  } catch {
    return null;
  }
}
