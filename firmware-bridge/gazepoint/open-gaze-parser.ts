/**
 * Streaming parser of the Gazepoint Open Gaze API (GP3 / GP3 HD): TCP text, one XML element per
 * line, lines terminated by CRLF.
 *
 * Field meanings below are from "Open Gaze API by Gazepoint", Version 2.0 (Gazepoint, rev.
 * November 18, 2013), §2 (structure: client sends GET/SET, server answers ACK/NACK and streams REC
 * and CAL records; CRLF delimiter) and §3 (the ENABLE_SEND_* data fields):
 * - FPOGX, FPOGY: fixation point of gaze as a fraction of the screen width / height (0,0 top left).
 *   FPOGS: fixation start time, seconds since system initialisation or calibration; FPOGD:
 *   fixation duration so far, seconds; FPOGID: fixation number; FPOGV: 1 valid, 0 not valid.
 * - BPOGX, BPOGY, BPOGV: the "best" point of gaze (average of left and right eye, else one eye).
 * - TIME: elapsed time in seconds since the last system initialisation or calibration.
 * - CNT: counter incremented with each data record (ENABLE_SEND_COUNTER); used to count gaps.
 * - LPD / RPD: left / right pupil diameter in PIXELS of the camera image, with LPV / RPV valid
 *   flags (ENABLE_SEND_PUPIL_LEFT / _RIGHT). Not millimetres, so they never go into `pupil`.
 * - LPMM / RPMM: left / right pupil diameter in millimetres, with LPMMV / RPMMV valid flags
 *   (ENABLE_SEND_PUPILMM). `pupil` is the mean of the valid ones, NaN when none is valid.
 *
 * Sample time (device clock, µs): TIME when present; otherwise FPOGS + FPOGD (the current time
 * within the fixation, same time base). FPOGS alone is not used: every sample of one fixation
 * shares it. A REC with gaze but neither time is dropped and counted.
 *
 * Bad input is never thrown: a garbled line, an oversized line (no CRLF within maxLineLength), a
 * REC with a partial or non-numeric gaze field, is dropped and counted as AFG_E_GAZEPOINT_RECORD
 * (its own stable code); stats() tells the kinds apart.
 *
 * Cost: O(bytes) per push; per line one sticky-regex pass over its attributes (a few short-lived
 * strings per attribute, no object per sample); one GazeBatch allocated per push that yields samples.
 *
 * @example
 *   const parser = new OpenGazeParser({
 *     device: 'gp3-1', errors,
 *     onBatch: (b) => sync.ingest(b),
 *     onReply: (r) => { if (r.tag === 'ACK') log(r.id, r.attrs.STATE); },
 *   });
 *   socket.on('data', (chunk) => parser.push(chunk));
 */
import type { ErrorCounter } from '../../gateway/core/errors.ts';
import type { GazeBatch } from '../../gateway/core/types.ts';

/** A non-sample server line: ACK / NACK to a GET or SET, or a CAL calibration record. */
export interface OpenGazeReply {
  tag: 'ACK' | 'NACK' | 'CAL';
  /** the ID attribute, '' when absent (CAL records often have none) */
  id: string;
  attrs: Record<string, string>;
}

export interface OpenGazeParserOptions {
  device: string;
  errors: ErrorCounter;
  onBatch: (batch: GazeBatch) => void;
  onReply?: (reply: OpenGazeReply) => void;
  /** which point of gaze fills x/y: 'fix' = FPOG* (default), 'best' = BPOG* */
  pog?: 'fix' | 'best';
  /** longest accepted line, characters without CRLF; default 4096 (a full REC is ~1 kB) */
  maxLineLength?: number;
  /** most samples per emitted batch; a push with more emits several; default 256 */
  maxBatch?: number;
}

export interface OpenGazeParserStats {
  bytes: number;
  lines: number;
  samples: number;
  replies: number;
  /** REC lines without the selected point-of-gaze fields (e.g. only CNT enabled): not an error */
  recordsWithoutGaze: number;
  garbled: number;
  oversized: number;
  /** REC with gaze but no TIME nor FPOGS+FPOGD */
  untimed: number;
  /** records missing according to CNT (sum of the jumps) */
  cntGaps: number;
}

// Attribute slots read from a REC line; anything else is ignored (the API has many more fields).
const F = {
  FPOGX: 0, FPOGY: 1, FPOGS: 2, FPOGD: 3, FPOGV: 4,
  BPOGX: 5, BPOGY: 6, BPOGV: 7,
  TIME: 8, CNT: 9,
  LPMM: 10, LPMMV: 11, RPMM: 12, RPMMV: 13,
} as const;
const SLOT = new Map<string, number>(Object.entries(F));
const N_SLOTS = 14;

const ELEMENT = /^<([A-Z]+)((?:\s+[A-Za-z_][A-Za-z0-9_]*="[^"<>]*")*)\s*\/>$/;
const ATTR = /\s+([A-Za-z_][A-Za-z0-9_]*)="([^"<>]*)"/y;
const latin1 = new TextDecoder('latin1');

export class OpenGazeParser {
  private readonly opts: OpenGazeParserOptions;
  private readonly maxLine: number;
  private readonly maxBatch: number;
  private readonly xSlot: number;
  private readonly ySlot: number;
  private readonly vSlot: number;
  private pending = '';
  /** dropping an oversized line until its CRLF */
  private skipping = false;
  private lastCnt = NaN;
  // one scratch row, reused for every REC
  private readonly row = new Float64Array(N_SLOTS);
  private readonly seen = new Uint8Array(N_SLOTS);
  // sample columns, flushed into a GazeBatch at the end of each push
  private readonly t: Float64Array;
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private readonly pupil: Float32Array;
  private readonly valid: Uint8Array;
  private n = 0;
  private readonly s: OpenGazeParserStats = {
    bytes: 0, lines: 0, samples: 0, replies: 0, recordsWithoutGaze: 0, garbled: 0, oversized: 0, untimed: 0, cntGaps: 0,
  };

  constructor(opts: OpenGazeParserOptions) {
    if (!opts || typeof opts.device !== 'string' || opts.device === '') throw new TypeError('OpenGazeParser: device is required');
    if (!opts.errors) throw new TypeError('OpenGazeParser: errors (ErrorCounter) is required');
    if (typeof opts.onBatch !== 'function') throw new TypeError('OpenGazeParser: onBatch must be a function');
    const pog = opts.pog ?? 'fix';
    if (pog !== 'fix' && pog !== 'best') throw new RangeError(`OpenGazeParser: pog must be 'fix' or 'best', got ${String(pog)}`);
    this.maxLine = opts.maxLineLength ?? 4096;
    this.maxBatch = opts.maxBatch ?? 256;
    if (!Number.isInteger(this.maxLine) || this.maxLine < 16) throw new RangeError('OpenGazeParser: maxLineLength must be an integer >= 16');
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new RangeError('OpenGazeParser: maxBatch must be an integer >= 1');
    this.opts = opts;
    this.xSlot = pog === 'fix' ? F.FPOGX : F.BPOGX;
    this.ySlot = pog === 'fix' ? F.FPOGY : F.BPOGY;
    this.vSlot = pog === 'fix' ? F.FPOGV : F.BPOGV;
    this.t = new Float64Array(this.maxBatch);
    this.x = new Float32Array(this.maxBatch);
    this.y = new Float32Array(this.maxBatch);
    this.pupil = new Float32Array(this.maxBatch);
    this.valid = new Uint8Array(this.maxBatch);
  }

  /** Feeds received bytes (any chunking); emits at most ceil(samples / maxBatch) batches. Never throws on content. */
  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === 'string' ? chunk : latin1.decode(chunk);
    this.s.bytes += text.length;
    let buf = this.pending + text;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf('\n', start);
      if (nl < 0) break;
      if (this.skipping) this.skipping = false; // the tail of an oversized line: already counted
      else this.line(buf, start, nl);
      start = nl + 1;
    }
    buf = start === 0 ? buf : buf.slice(start);
    if (buf.length > this.maxLine) {
      if (!this.skipping) this.oversized();
      this.skipping = true;
      buf = '';
    }
    this.pending = buf;
    this.flush();
  }

  /** End of stream (connection closed): a partial last line is garbage; counted and dropped. */
  end(): void {
    if (!this.skipping && this.pending.trim() !== '') this.garbled();
    this.reset();
  }

  /** Forgets partial input and the CNT history (new connection); stats are kept. */
  reset(): void {
    this.pending = '';
    this.skipping = false;
    this.lastCnt = NaN;
    this.n = 0;
  }

  stats(): OpenGazeParserStats {
    return { ...this.s };
  }

  private line(buf: string, from: number, nl: number): void {
    let end = nl;
    if (end > from && buf.charCodeAt(end - 1) === 13) end--; // CRLF; a bare LF is tolerated
    if (end - from > this.maxLine) return this.oversized();
    const line = buf.slice(from, end).trim();
    if (line === '') return; // keep-alive blank lines are harmless
    this.s.lines++;
    const m = ELEMENT.exec(line);
    if (!m) return this.garbled();
    const tag = m[1]!;
    const attrText = m[2]!;
    if (tag === 'REC') return this.rec(attrText);
    if (tag === 'ACK' || tag === 'NACK' || tag === 'CAL') {
      const attrs: Record<string, string> = {};
      ATTR.lastIndex = 0;
      let a: RegExpExecArray | null;
      while ((a = ATTR.exec(attrText)) !== null) attrs[a[1]!] = a[2]!;
      this.s.replies++;
      this.opts.onReply?.({ tag, id: attrs.ID ?? '', attrs });
      return;
    }
    this.garbled(); // a well-formed element the server never sends
  }

  private rec(attrText: string): void {
    const row = this.row;
    const seen = this.seen;
    seen.fill(0);
    ATTR.lastIndex = 0;
    let a: RegExpExecArray | null;
    while ((a = ATTR.exec(attrText)) !== null) {
      const k = SLOT.get(a[1]!);
      if (k === undefined) continue;
      const raw = a[2]!;
      const v = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(v)) return this.garbled();
      row[k] = v;
      seen[k] = 1;
    }
    if (seen[F.CNT]) this.counter(row[F.CNT]!);
    const hasX = seen[this.xSlot]!, hasY = seen[this.ySlot]!, hasV = seen[this.vSlot]!;
    if (!hasX && !hasY && !hasV) {
      this.s.recordsWithoutGaze++;
      return;
    }
    if (!hasX || !hasY || !hasV) return this.garbled();
    let tSec: number;
    if (seen[F.TIME]) tSec = row[F.TIME]!;
    else if (seen[F.FPOGS] && seen[F.FPOGD]) tSec = row[F.FPOGS]! + row[F.FPOGD]!;
    else {
      this.s.untimed++;
      this.opts.errors.count('AFG_E_GAZEPOINT_RECORD');
      return;
    }
    // a time so large that it has no µs value (TIME="1e303") would poison every later sample's order
    const tUs = Math.round(tSec * 1e6);
    if (!Number.isFinite(tUs)) return this.garbled();
    let sum = 0;
    let k = 0;
    // a pupil counts only with its own valid flag (LPMMV / RPMMV) set; 0 mm is "not measured"
    if (seen[F.LPMM] && seen[F.LPMMV] && row[F.LPMMV] === 1 && row[F.LPMM]! > 0) {
      sum += row[F.LPMM]!;
      k++;
    }
    if (seen[F.RPMM] && seen[F.RPMMV] && row[F.RPMMV] === 1 && row[F.RPMM]! > 0) {
      sum += row[F.RPMM]!;
      k++;
    }
    const i = this.n;
    // TIME has 10 µs resolution (5 decimals): rounding to whole µs removes binary-float noise
    this.t[i] = tUs;
    this.x[i] = row[this.xSlot]!;
    this.y[i] = row[this.ySlot]!;
    this.valid[i] = row[this.vSlot] === 1 ? 1 : 0;
    this.pupil[i] = k > 0 ? sum / k : NaN;
    this.n = i + 1;
    this.s.samples++;
    if (this.n === this.maxBatch) this.flush();
  }

  private counter(cnt: number): void {
    const last = this.lastCnt;
    this.lastCnt = cnt;
    if (Number.isNaN(last)) return;
    const jump = cnt - last - 1;
    if (jump > 0) this.s.cntGaps += jump; // a reset (smaller CNT) is a restart, not a gap
  }

  private flush(): void {
    const n = this.n;
    if (n === 0) return;
    this.n = 0;
    const buf = new ArrayBuffer(n * 25 + 8);
    const b: GazeBatch = {
      kind: 'gaze',
      device: this.opts.device,
      clock: 'device',
      units: 'norm',
      n,
      t: new Float64Array(buf, 0, n),
      x: new Float32Array(buf, 8 * n, n),
      y: new Float32Array(buf, 12 * n, n),
      pupil: new Float32Array(buf, 16 * n, n),
      openness: new Float32Array(buf, 20 * n, n),
      valid: new Uint8Array(buf, 24 * n, n),
    };
    b.t.set(this.t.subarray(0, n));
    b.x.set(this.x.subarray(0, n));
    b.y.set(this.y.subarray(0, n));
    b.pupil.set(this.pupil.subarray(0, n));
    b.openness.fill(NaN); // the GP3 does not report eye openness
    b.valid.set(this.valid.subarray(0, n));
    this.opts.onBatch(b);
  }

  private garbled(): void {
    this.s.garbled++;
    this.opts.errors.count('AFG_E_GAZEPOINT_RECORD');
  }

  private oversized(): void {
    this.s.oversized++;
    this.opts.errors.count('AFG_E_GAZEPOINT_RECORD');
  }
}
