import { open, readFile, type FileHandle } from 'node:fs/promises';
import { decodeMulti, encode } from '@msgpack/msgpack';
import { validateConfig } from '../config/load-config.ts';
import { AfgError } from '../core/errors.ts';
import type { SampleBatch } from '../core/types.ts';
import type { FleetConfig, FleetPipeline } from '../pipeline/fleet-pipeline.ts';

/**
 * Recording file: what the codecs produced (after clock sync, in gateway time) plus the ticks,
 * so a replay steps the stages exactly as the live run did. A stream of MessagePack values:
 * the header first, then records. Typed-array columns are stored as raw little-endian bytes.
 */
export interface RecordingHeader {
  format: 'afg-recording';
  version: 1;
  /** epoch ms at gateway time 0, so replayed alerts carry the original wall-clock times */
  epochAtZeroMs: number;
  fleet: FleetConfig;
  /** the estimator of the live run ('rule-based/1', 'attention-state/1.0.0'); absent in older recordings (rule-based) */
  estimator?: string;
  /** the ONNX model it ran, so that a replay runs the same file (sha256) or refuses */
  model?: { name: string; sha256: string };
}

type Columns = Record<string, Uint8Array>;
type BatchRecord = { k: 'b'; w: string; kind: SampleBatch['kind']; dev: string; n: number; units?: string; c: Columns };
type TickRecord = { k: 't'; t: number };
type SpeedRecord = { k: 'v'; w: string; v: number };
export type RecordingEntry = { kind: 'batch'; wearer: string; batch: SampleBatch } | { kind: 'tick'; t: number } | { kind: 'speed'; wearer: string; speedMps: number };

const COLUMNS: Record<SampleBatch['kind'], readonly string[]> = {
  gaze: ['t', 'x', 'y', 'pupil', 'openness', 'valid'],
  hr: ['t', 'bpm', 'contact'],
  rr: ['t', 'rrMs'],
  ecg: ['t', 'uV'],
  acc: ['t', 'x', 'y', 'z'],
};

type TypedColumn = Float64Array | Float32Array | Uint8Array;

function bytesOf(a: TypedColumn, n: number): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT).slice();
}

function column(kind: SampleBatch['kind'], name: string, bytes: Uint8Array): TypedColumn {
  // a copy into a fresh, aligned buffer (Node's decoder hands out Buffers that view a shared pool)
  const buf = Uint8Array.prototype.slice.call(bytes).buffer;
  if (name === 't') return new Float64Array(buf);
  if (name === 'valid' || (kind === 'hr' && name === 'contact')) return new Uint8Array(buf);
  return new Float32Array(buf);
}

/**
 * Appends a recording. Writes are buffered and flushed every `flushEvery` records and on close.
 *
 * @example
 *   const rec = await RecordingWriter.create('run.afgrec', header);
 *   fleet.onIngest((w, b) => rec.batch(w, b));
 *   fleet.onTick((t) => rec.tick(t));
 *   fleet.onVehicleSpeed((w, v) => rec.vehicleSpeed(w, v));
 */
export class RecordingWriter {
  private readonly fh: FileHandle;
  private pending: Uint8Array[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(fh: FileHandle) {
    this.fh = fh;
  }

  static async create(file: string, header: RecordingHeader): Promise<RecordingWriter> {
    const fh = await open(file, 'w');
    const w = new RecordingWriter(fh);
    w.pending.push(encode(header));
    return w;
  }

  batch(wearer: string, b: SampleBatch): void {
    const c: Columns = {};
    const src = b as unknown as Record<string, TypedColumn>;
    for (const name of COLUMNS[b.kind]) c[name] = bytesOf(src[name]!, b.n);
    const rec: BatchRecord = { k: 'b', w: wearer, kind: b.kind, dev: b.device, n: b.n, c };
    if (b.kind === 'gaze') rec.units = b.units;
    this.push(encode(rec));
  }

  tick(t: number): void {
    this.push(encode({ k: 't', t } satisfies TickRecord));
  }

  vehicleSpeed(wearer: string, speedMps: number): void {
    this.push(encode({ k: 'v', w: wearer, v: speedMps } satisfies SpeedRecord));
  }

  async close(): Promise<void> {
    this.flush();
    await this.chain;
    await this.fh.close();
  }

  private push(bytes: Uint8Array): void {
    this.pending.push(bytes);
    if (this.pending.length >= 256) this.flush();
  }

  private flush(): void {
    if (!this.pending.length) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.chain = this.chain.then(() => this.fh.write(data));
  }
}

/** Reads a whole recording: its header and its entries in order. */
export async function readRecording(file: string): Promise<{ header: RecordingHeader; entries: RecordingEntry[] }> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw new AfgError('AFG_E_RECORDING_INVALID', `cannot read recording ${file}: ${(err as Error).message}`);
  }
  const values: unknown[] = [];
  try {
    for (const v of decodeMulti(data)) values.push(v);
  } catch (err) {
    // a recording cut off by a crash keeps what was complete; garbage from the start is an error
    if (values.length === 0) throw new AfgError('AFG_E_RECORDING_INVALID', `recording ${file} is invalid: ${(err as Error).message}`);
  }
  const header = values[0] as RecordingHeader | undefined;
  if (header === undefined) throw new AfgError('AFG_E_RECORDING_INVALID', `recording ${file} is empty`);
  if (header?.format !== 'afg-recording' || header.version !== 1) throw new AfgError('AFG_E_RECORDING_INVALID', `recording ${file} is not an afg recording (bad header)`);
  header.fleet = fleetOf(header.fleet, file);
  const entries: RecordingEntry[] = [];
  for (let i = 1; i < values.length; i++) {
    const r = values[i] as BatchRecord | TickRecord | SpeedRecord;
    try {
      // a tick at NaN or Infinity would reach the policies (which refuse it by throwing)
      if (r.k === 't' && Number.isFinite(r.t)) entries.push({ kind: 'tick', t: r.t });
      else if (r.k === 'v' && typeof r.w === 'string' && typeof r.v === 'number') entries.push({ kind: 'speed', wearer: r.w, speedMps: r.v });
      else if (r.k === 'b' && typeof r.w === 'string') entries.push({ kind: 'batch', wearer: r.w, batch: toBatch(r) });
      else if (r.k === 't' || r.k === 'v' || r.k === 'b') throw new Error(`malformed ${r.k} record`);
      else throw new Error('unknown record kind');
    } catch (err) {
      throw new AfgError('AFG_E_RECORDING_INVALID', `recording ${file}, record ${i}: ${(err as Error).message}`);
    }
  }
  return { header, entries };
}

/**
 * The header's fleet, validated like a config (a damaged or forged header must be refused with
 * a code, not crash the replay). Devices do not matter to a replay and are left out.
 */
function fleetOf(raw: unknown, file: string): FleetConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AfgError('AFG_E_RECORDING_INVALID', `recording ${file} has no fleet in its header`);
  const f = raw as Record<string, unknown>;
  const wearers = Array.isArray(f['wearers']) ? f['wearers'].map((w: unknown) => (typeof w === 'object' && w !== null && !Array.isArray(w) ? { ...w, devices: [] } : w)) : f['wearers'];
  const picked = Object.fromEntries(Object.entries({ site: f['site'], gateway: f['gateway'], tickMs: f['tickMs'], stations: f['stations'], wearers, aois: f['aois'], features: f['features'] }).filter(([, v]) => v !== undefined));
  try {
    const c = validateConfig(picked);
    return { site: c.site, gateway: c.gateway, tickMs: c.tickMs, stations: c.stations, wearers: c.wearers, aois: c.aois, ...(c.features ? { features: c.features } : {}) };
  } catch (err) {
    throw new AfgError('AFG_E_RECORDING_INVALID', `recording ${file} carries an invalid fleet: ${(err as Error).message}`);
  }
}

function toBatch(r: BatchRecord): SampleBatch {
  const cols: Record<string, TypedColumn> = {};
  for (const name of COLUMNS[r.kind]) {
    const bytes = r.c[name];
    if (!(bytes instanceof Uint8Array)) throw new Error(`batch record lacks column ${name}`);
    cols[name] = column(r.kind, name, bytes);
  }
  // n must be what the columns hold: a damaged n (3e9 from a flipped byte) would make every stage
  // loop over, or allocate for, samples that are not there
  if (!Number.isInteger(r.n) || r.n < 0 || Object.values(cols).some((c) => c.length < r.n)) throw new Error(`batch record claims ${String(r.n)} samples, its columns hold fewer`);
  return { kind: r.kind, device: r.dev, clock: 'gateway', n: r.n, ...(r.kind === 'gaze' ? { units: r.units ?? 'deg' } : {}), ...cols } as unknown as SampleBatch;
}

/**
 * Records everything a FleetPipeline is given (batches, vehicle speeds, ticks), so a replay
 * steps it identically. The caller closes the returned writer.
 */
export async function recordFleet(fleet: FleetPipeline, file: string, epochAtZeroMs: number, config: FleetConfig, model?: { name: string; sha256: string }): Promise<RecordingWriter> {
  const rec = await RecordingWriter.create(file, {
    format: 'afg-recording',
    version: 1,
    epochAtZeroMs,
    estimator: fleet.estimatorName,
    ...(model ? { model } : {}),
    fleet: { site: config.site, gateway: config.gateway, tickMs: config.tickMs, stations: config.stations, wearers: config.wearers, aois: config.aois, ...(config.features ? { features: config.features } : {}) },
  });
  fleet.onIngest((w, b) => rec.batch(w, b));
  fleet.onTick((t) => rec.tick(t));
  fleet.onVehicleSpeed((w, v) => rec.vehicleSpeed(w, v));
  return rec;
}
