import { emptyTickBytes, WearerDeviceBytes } from './wearer-device-bytes.ts';
import type { SignalVariant } from './signal-variants.ts';
import type { TickBytes } from './wearer-device-bytes.ts';

/**
 * One wearer's device bytes for a whole paced run, produced before the clock starts so that
 * producing them costs the measured process nothing: a step every `stepMs` of device time,
 * each holding the serial bytes sent then (the frame that ends with the sample just taken),
 * and the PMD and 0x2A37 notifications due by then. Stored flat (one buffer and an offset
 * table per kind), so thousands of steps are a handful of objects for the garbage collector.
 *
 * @example
 *   const rec = PrerecordedWearerStream.build({ variant, seed: 1, stepMs: 10, durationMs: 30_000 });
 *   rec.step(k, tb); // tb now holds step k's bytes
 */
export class PrerecordedWearerStream {
  readonly steps: number;
  readonly stepMs: number;
  readonly hello: Uint8Array;
  private readonly serial: Chunks;
  private readonly pmd: Chunks;
  private readonly hrm: Chunks;
  private readonly gazeSamples: Uint16Array;

  private constructor(o: { steps: number; stepMs: number; hello: Uint8Array; serial: Chunks; pmd: Chunks; hrm: Chunks; gazeSamples: Uint16Array }) {
    this.steps = o.steps;
    this.stepMs = o.stepMs;
    this.hello = o.hello;
    this.serial = o.serial;
    this.pmd = o.pmd;
    this.hrm = o.hrm;
    this.gazeSamples = o.gazeSamples;
  }

  /**
   * Step k covers device time ((k-1)·stepMs, k·stepMs] and is sent at k·stepMs: the produce
   * call is nudged by 1 µs so that the sample taken exactly at k·stepMs is in step k.
   */
  static build(o: { variant: SignalVariant; seed: number; stepMs: number; durationMs: number; id?: string }): PrerecordedWearerStream {
    const steps = Math.floor(o.durationMs / o.stepMs);
    const dev = new WearerDeviceBytes({ variant: o.variant, phase: 0, seed: o.seed, ...(o.id ? { id: o.id } : {}) });
    const serial = new ChunkWriter(steps);
    const pmd = new ChunkWriter(steps);
    const hrm = new ChunkWriter(steps);
    const gazeSamples = new Uint16Array(steps + 1);
    const tb = emptyTickBytes();
    for (let k = 1; k <= steps; k++) {
      dev.produce(k * o.stepMs + 0.001, tb);
      serial.step(k, tb.serial, true);
      pmd.step(k, tb.pmd, false);
      hrm.step(k, tb.hrm, false);
      gazeSamples[k] = tb.gazeSamples;
    }
    return new PrerecordedWearerStream({ steps, stepMs: o.stepMs, hello: dev.hello(), serial: serial.done(), pmd: pmd.done(), hrm: hrm.done(), gazeSamples });
  }

  /** Fills `out` with step k's bytes (views into the recording; do not keep them). */
  step(k: number, out: TickBytes): void {
    this.serial.get(k, out.serial);
    this.pmd.get(k, out.pmd);
    this.hrm.get(k, out.hrm);
    out.gazeSamples = this.gazeSamples[k] ?? 0;
    out.otherSamples = 0;
  }

  static tickBytes(): TickBytes {
    return emptyTickBytes();
  }
}

/** Chunks of bytes per step, flat: chunk i is data[off[i]..off[i+1]), step k owns chunks first[k]..first[k+1]. */
interface Chunks {
  get(k: number, out: Uint8Array[]): void;
}

class ChunkWriter {
  private parts: Uint8Array[] = [];
  private offs: number[] = [0];
  private readonly first: Uint32Array;
  private bytes = 0;

  constructor(steps: number) {
    this.first = new Uint32Array(steps + 2);
  }

  /** joined: all of the step's pieces form one chunk (a byte stream), else one chunk each (notifications) */
  step(k: number, pieces: readonly Uint8Array[], joined: boolean): void {
    this.first[k] = this.offs.length - 1;
    if (joined) {
      for (const p of pieces) this.add(p, false);
      if (pieces.length) this.offs.push(this.bytes);
    } else for (const p of pieces) this.add(p, true);
    this.first[k + 1] = this.offs.length - 1;
  }

  private add(p: Uint8Array, close: boolean): void {
    this.parts.push(p.slice());
    this.bytes += p.length;
    if (close) this.offs.push(this.bytes);
  }

  done(): Chunks {
    const data = new Uint8Array(this.bytes);
    let at = 0;
    for (const p of this.parts) {
      data.set(p, at);
      at += p.length;
    }
    this.parts = [];
    const off = Uint32Array.from(this.offs);
    const first = this.first;
    return {
      get(k: number, out: Uint8Array[]): void {
        out.length = 0;
        for (let i = first[k]!; i < first[k + 1]!; i++) out.push(data.subarray(off[i]!, off[i + 1]!));
      },
    };
  }
}
