/**
 * Decodes Pupil Labs Core network-API messages (multipart [topic, msgpack map]) into columnar
 * GazeBatches. Gaze datums (`gaze.*`) become samples; pupil datums (`pupil.*`) only feed the
 * pupil-diameter column of later gaze samples.
 *
 * Conversions (Pupil Core docs, "Terminology" → "Coordinate System", docs.pupil-labs.com/core/terminology/):
 * - `norm_pos` is normalised scene-camera coordinates with the origin at the BOTTOM left; the
 *   gateway's 'norm' units have the origin at the TOP left (gateway/core/types.ts), so y' = 1 - y.
 *   x is unchanged. Values outside 0..1 (gaze off the scene image) are kept as they are.
 * - `timestamp` is Pupil time in seconds; the batch clock is 'device' in µs (t = timestamp × 1e6).
 * - valid = confidence >= minConfidence. Default 0.6: Pupil Labs' docs ("Terminology" →
 *   "Confidence") call data with confidence above 0.6 useful and recommend discarding the rest.
 * - pupil (mm) = mean `diameter_3d` of the gaze datum's `base_data` pupil datums when present, else
 *   of the latest `pupil.*` datum per eye seen within `pupilMatchWindowS` of the gaze timestamp,
 *   else NaN (`diameter` in px is camera-dependent and is never reported as mm).
 * - openness: NaN; Pupil Core does not report eyelid aperture.
 *
 * Bad input (msgpack that does not decode, not a map, missing/ill-typed `norm_pos`, `confidence`
 * or `timestamp`) is dropped and counted under AFG_E_PUPIL_MESSAGE (and per kind in stats());
 * nothing is thrown.
 *
 * Cost: one msgpack decode per message plus O(1) column writes; flush() allocates one batch.
 *
 * @example
 *   const dec = new PupilDatumDecoder({ device: 'pupil-1', errors });
 *   dec.push('gaze.3d.01.', payloadBytes);
 *   const batch = dec.flush(); // GazeBatch | null
 */
import { decode } from '@msgpack/msgpack';
import type { ErrorCounter } from '../../gateway/core/errors.ts';
import type { GazeBatch } from '../../gateway/core/types.ts';

/** Pupil Labs' recommended confidence threshold (docs.pupil-labs.com/core/terminology/#confidence). */
export const PUPIL_DEFAULT_MIN_CONFIDENCE = 0.6;

export interface PupilDatumDecoderOptions {
  device: string;
  errors: ErrorCounter;
  /** samples with confidence below this are kept but marked invalid; default 0.6 */
  minConfidence?: number;
  /** a `pupil.*` datum is matched to a gaze datum at most this far apart in time, s; default 0.05 */
  pupilMatchWindowS?: number;
  /** initial column capacity; grows by doubling. Default 64 */
  initialCapacity?: number;
}

export interface PupilDatumDecoderStats {
  messages: number;
  gaze: number;
  pupil: number;
  /** payload bytes that are not msgpack, or not a map */
  malformed: number;
  /** a map without usable norm_pos / confidence / timestamp */
  missingFields: number;
  /** topics that are neither gaze.* nor pupil.* */
  ignoredTopics: number;
}

type Datum = Record<string, unknown>;

const textDecoder = new TextDecoder();

function isMap(v: unknown): v is Datum {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** diameter_3d of one pupil datum in mm, NaN when absent or not positive */
function diameter3d(d: unknown): number {
  if (!isMap(d)) return NaN;
  const v = d['diameter_3d'];
  return finite(v) && v > 0 ? v : NaN;
}

export class PupilDatumDecoder {
  private readonly device: string;
  private readonly errors: ErrorCounter;
  private readonly minConfidence: number;
  private readonly matchWindowS: number;
  private cap: number;
  private n = 0;
  private t: Float64Array;
  private x: Float32Array;
  private y: Float32Array;
  private pupil: Float32Array;
  private valid: Uint8Array;
  // latest pupil datum per eye (0, 1): diameter_3d mm and Pupil time s
  private readonly eyeDiameter = new Float64Array([NaN, NaN]);
  private readonly eyeTime = new Float64Array([NaN, NaN]);
  private readonly s: PupilDatumDecoderStats = { messages: 0, gaze: 0, pupil: 0, malformed: 0, missingFields: 0, ignoredTopics: 0 };

  constructor(opts: PupilDatumDecoderOptions) {
    if (!opts || typeof opts.device !== 'string' || opts.device === '') throw new TypeError('PupilDatumDecoder: device is required');
    if (!opts.errors) throw new TypeError('PupilDatumDecoder: errors (ErrorCounter) is required');
    const minConfidence = opts.minConfidence ?? PUPIL_DEFAULT_MIN_CONFIDENCE;
    if (!(minConfidence >= 0 && minConfidence <= 1)) throw new RangeError(`minConfidence must be in 0..1, got ${minConfidence}`);
    const win = opts.pupilMatchWindowS ?? 0.05;
    if (!(win >= 0)) throw new RangeError(`pupilMatchWindowS must be >= 0, got ${win}`);
    const cap = opts.initialCapacity ?? 64;
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`initialCapacity must be an integer >= 1, got ${cap}`);
    this.device = opts.device;
    this.errors = opts.errors;
    this.minConfidence = minConfidence;
    this.matchWindowS = win;
    this.cap = cap;
    this.t = new Float64Array(cap);
    this.x = new Float32Array(cap);
    this.y = new Float32Array(cap);
    this.pupil = new Float32Array(cap);
    this.valid = new Uint8Array(cap);
  }

  /** Samples waiting for flush(). */
  get pending(): number {
    return this.n;
  }

  stats(): PupilDatumDecoderStats {
    return { ...this.s };
  }

  /**
   * Decodes one message. Returns true when it added a gaze sample. Never throws on bad input.
   * topic: utf8 bytes or string; payload: msgpack bytes.
   */
  push(topic: Uint8Array | string, payload: Uint8Array): boolean {
    this.s.messages++;
    const name = typeof topic === 'string' ? topic : textDecoder.decode(topic);
    const isGaze = name.startsWith('gaze.');
    const isPupil = !isGaze && name.startsWith('pupil.');
    if (!isGaze && !isPupil) {
      this.s.ignoredTopics++;
      return false;
    }
    let datum: unknown;
    try {
      datum = decode(payload);
    } catch {
      return this.reject('malformed');
    }
    if (!isMap(datum)) return this.reject('malformed');
    return isGaze ? this.gaze(datum) : this.pupilDatum(name, datum);
  }

  /** Hands out the collected gaze samples as one batch (trimmed copies), or null when none. */
  flush(): GazeBatch | null {
    const n = this.n;
    if (n === 0) return null;
    this.n = 0;
    const openness = new Float32Array(n);
    openness.fill(NaN);
    return {
      kind: 'gaze',
      device: this.device,
      clock: 'device',
      units: 'norm',
      n,
      t: this.t.slice(0, n),
      x: this.x.slice(0, n),
      y: this.y.slice(0, n),
      pupil: this.pupil.slice(0, n),
      openness,
      valid: this.valid.slice(0, n),
    };
  }

  /** Forgets pupil datums and pending samples (after a reconnect the old ones do not match). */
  reset(): void {
    this.n = 0;
    this.eyeDiameter.fill(NaN);
    this.eyeTime.fill(NaN);
  }

  private reject(kind: 'malformed' | 'missingFields'): false {
    this.s[kind]++;
    this.errors.count('AFG_E_PUPIL_MESSAGE');
    return false;
  }

  private pupilDatum(topic: string, d: Datum): boolean {
    const ts = d['timestamp'];
    if (!finite(ts)) return this.reject('missingFields');
    // eye id: the datum's `id`, else the topic (`pupil.0.3d`, `pupil.1.2d`, legacy `pupil.0`)
    let eye = d['id'];
    if (eye !== 0 && eye !== 1) eye = topic.charCodeAt(6) === 49 /* '1' */ ? 1 : topic.charCodeAt(6) === 48 ? 0 : -1;
    if (eye !== 0 && eye !== 1) return this.reject('missingFields');
    this.s.pupil++;
    const mm = diameter3d(d);
    // a 2d-only datum carries no mm: keep the last 3d value rather than overwriting it with NaN
    if (!Number.isNaN(mm)) {
      this.eyeDiameter[eye] = mm;
      this.eyeTime[eye] = ts;
    }
    return false;
  }

  private gaze(d: Datum): boolean {
    const pos = d['norm_pos'];
    const conf = d['confidence'];
    const ts = d['timestamp'];
    // ts * 1e6 must stay finite too: a timestamp of 1e308 s would become an infinite µs time
    if (!Array.isArray(pos) || pos.length < 2 || !finite(pos[0]) || !finite(pos[1]) || !finite(conf) || !finite(ts) || !Number.isFinite(ts * 1e6)) {
      return this.reject('missingFields');
    }
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.t[i] = ts * 1e6;
    this.x[i] = pos[0];
    this.y[i] = 1 - pos[1];
    this.valid[i] = conf >= this.minConfidence ? 1 : 0;
    this.pupil[i] = this.pupilFor(d['base_data'], ts);
    this.s.gaze++;
    return true;
  }

  private pupilFor(base: unknown, ts: number): number {
    let sum = 0;
    let k = 0;
    if (Array.isArray(base)) {
      for (const b of base) {
        const mm = diameter3d(b);
        if (!Number.isNaN(mm)) {
          sum += mm;
          k++;
        }
      }
      if (k > 0) return sum / k;
    }
    for (let eye = 0; eye < 2; eye++) {
      const mm = this.eyeDiameter[eye]!;
      if (!Number.isNaN(mm) && Math.abs(this.eyeTime[eye]! - ts) <= this.matchWindowS) {
        sum += mm;
        k++;
      }
    }
    return k > 0 ? sum / k : NaN;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const t = new Float64Array(cap);
    t.set(this.t);
    const x = new Float32Array(cap);
    x.set(this.x);
    const y = new Float32Array(cap);
    y.set(this.y);
    const p = new Float32Array(cap);
    p.set(this.pupil);
    const v = new Uint8Array(cap);
    v.set(this.valid);
    this.t = t;
    this.x = x;
    this.y = y;
    this.pupil = p;
    this.valid = v;
    this.cap = cap;
  }
}
