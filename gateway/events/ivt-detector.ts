import { EventLabel } from './event-labels.ts';
import { StreamingLabeller } from './streaming-labeller.ts';

/**
 * The Tobii I-VT fixation filter as specified by Olsen (2012, "The Tobii I-VT Fixation Filter:
 * Algorithm description", Tobii Technology), default settings. Every value is Olsen's.
 */
export const IVT_SETTINGS = {
  /** gap fill-in: lost runs no longer than this (last valid to next valid sample) are interpolated */
  maxGapMs: 75,
  /** velocity calculator: window length; the velocity of a sample is the angle between the first and last sample of the window centred on it over their time difference */
  windowMs: 20,
  /** I-VT classifier threshold */
  thresholdDegS: 30,
  /** merge adjacent fixations: max time between them */
  mergeMaxGapMs: 75,
  /** merge adjacent fixations: max angle between their positions */
  mergeMaxDeg: 0.5,
  /** discard short fixations: shorter ones become unclassified */
  minFixationMs: 60,
} as const;

export type IvtSettings = { -readonly [K in keyof typeof IVT_SETTINGS]: number };

/**
 * Streaming I-VT with Olsen's post-processing (gap fill, merge, discard). Labels: Fixation,
 * Saccade, Undefined (no velocity, discarded fixations), TrackLoss (gaps not filled).
 *
 * Streaming departures from the offline filter, bounded and stated: the position of the next
 * fixation in the merge test is the mean of its first `minFixationMs` (Olsen: the whole
 * fixation), so a label waits at most ~ 0.3 s (`lookAheadMs`).
 *
 * Stages (cursors over the sample ring): gap fill (gPos) -> velocity (vPos) -> classification,
 * merge and discard (cPos) -> release.
 *
 * Cost: O(samples in a 20 ms window) per sample; no allocation.
 *
 * @example
 *   const ivt = new IvtDetector();
 *   ivt.push(gaze); const n = ivt.read(labels);
 */
export class IvtDetector extends StreamingLabeller {
  readonly name = 'ivt';
  readonly lookAheadMs: number;
  private readonly s: IvtSettings;
  private readonly vel: Float64Array;
  // gap fill
  private gPos = 0;
  private prevValid = -1;
  // velocity
  private vPos = 0;
  private streamStart = 0;
  // classification / merge / discard
  private cPos = 0;
  private phase = 0; // 0 none, 1 in fixation F, 2 interruption after F, 3 probing next fixation G
  private fStart = 0;
  private fEnd = 0;
  private fSx = 0;
  private fSy = 0;
  private fN = 0;
  private gStart = 0;
  private gSx = 0;
  private gSy = 0;
  private gN = 0;

  constructor(opts: { settings?: Partial<IvtSettings>; capacity?: number } = {}) {
    super(opts.capacity ?? 4096);
    this.s = { ...IVT_SETTINGS, ...opts.settings };
    for (const [k, v] of Object.entries(this.s)) if (!(v > 0)) throw new RangeError(`I-VT setting ${k} must be positive`);
    this.vel = new Float64Array(this.cap);
    const s = this.s;
    this.lookAheadMs = s.windowMs / 2 + s.maxGapMs + s.minFixationMs + s.mergeMaxGapMs + s.minFixationMs + 20;
  }

  protected advance(ended: boolean): void {
    this.gapFill(ended);
    this.velocity(ended);
    this.classify(ended);
  }

  protected restart(_endOfStream: boolean): void {
    this.gPos = this.vPos = this.cPos = this.streamStart = this.nIn;
    this.prevValid = -1;
    this.phase = 0;
  }

  private gapFill(ended: boolean): void {
    const { t, x, y, ok, mask } = this;
    while (this.gPos < this.nIn) {
      const k = this.gPos;
      if (ok[k & mask] === 1) {
        this.prevValid = k;
        this.gPos++;
        continue;
      }
      let j = k;
      while (j < this.nIn && ok[j & mask] === 0) j++;
      const p = this.prevValid;
      const tp = p >= 0 ? t[p & mask]! : NaN;
      if (j === this.nIn) {
        // no valid sample yet after the gap: wait while it could still be filled
        if (!ended && p >= 0 && t[(j - 1) & mask]! - tp <= this.s.maxGapMs) return;
        this.gPos = j;
        this.prevValid = -1;
        return;
      }
      if (p >= 0 && p >= this.nIn - this.cap && t[j & mask]! - tp <= this.s.maxGapMs) {
        const pi = p & mask;
        const ji = j & mask;
        const span = t[ji]! - tp;
        for (let m = k; m < j; m++) {
          const f = (t[m & mask]! - tp) / span;
          x[m & mask] = x[pi]! + f * (x[ji]! - x[pi]!);
          y[m & mask] = y[pi]! + f * (y[ji]! - y[pi]!);
          ok[m & mask] = 2;
        }
      }
      this.gPos = j;
    }
  }

  /** Olsen's velocity: angle between the window's first and last sample over their time difference. */
  private velocity(ended: boolean): void {
    const { t, x, y, ok, mask, vel } = this;
    const half = this.s.windowMs / 2;
    while (this.vPos < this.gPos) {
      const k = this.vPos;
      const ki = k & mask;
      if (ok[ki] === 0) {
        vel[ki] = NaN;
        this.vPos++;
        continue;
      }
      const tk = t[ki]!;
      // last contiguous valid sample within +half (at least the next one)
      let hi = k;
      while (hi + 1 < this.gPos && ok[(hi + 1) & mask] !== 0 && (t[(hi + 1) & mask]! <= tk + half || hi === k)) hi++;
      const complete = hi + 1 < this.gPos || ended;
      if (!complete) return;
      if (hi > k && t[hi & mask]! - tk > 2 * half && hi === k + 1) hi = k; // neighbour too far: one-sided
      let lo = k;
      const oldest = Math.max(this.streamStart, this.nIn - this.cap);
      while (lo - 1 >= oldest && ok[(lo - 1) & mask] !== 0 && (t[(lo - 1) & mask]! >= tk - half || lo === k)) lo--;
      if (lo < k && tk - t[lo & mask]! > 2 * half && lo === k - 1) lo = k;
      const dt = t[hi & mask]! - t[lo & mask]!;
      vel[ki] = dt > 0 ? (Math.hypot(x[hi & mask]! - x[lo & mask]!, y[hi & mask]! - y[lo & mask]!) / dt) * 1000 : NaN;
      this.vPos++;
    }
  }

  private classify(ended: boolean): void {
    const { t, x, y, ok, mask, vel, lab } = this;
    const s = this.s;
    while (this.cPos < this.vPos) {
      const k = this.cPos;
      const ki = k & mask;
      const v = vel[ki]!;
      const c = ok[ki] === 0 ? EventLabel.TrackLoss : v !== v ? EventLabel.Undefined : v > s.thresholdDegS ? EventLabel.Saccade : EventLabel.Fixation;
      lab[ki] = c;
      this.step(k, c, t[ki]!, x[ki]!, y[ki]!);
      this.cPos++;
    }
    if (ended) {
      if (this.phase === 3) this.decideMerge(this.cPos);
      if (this.phase !== 0) this.finishF();
      this.phase = 0;
    }
    this.releaseHeld();
    // velocity is final, so the ring must not be held by a stale merge decision beyond its capacity
  }

  private step(k: number, c: number, tk: number, xk: number, yk: number): void {
    const s = this.s;
    const fix = c === EventLabel.Fixation;
    for (;;) {
      switch (this.phase) {
        case 0:
          if (fix) this.openF(k, xk, yk);
          return;
        case 1:
          if (fix) {
            this.fEnd = k;
            this.fSx += xk;
            this.fSy += yk;
            this.fN++;
          } else if (c === EventLabel.TrackLoss) {
            this.finishF();
          } else {
            this.phase = 2;
          }
          return;
        case 2: {
          const since = tk - this.t[this.fEnd & this.mask]!;
          if (fix) {
            if (since <= s.mergeMaxGapMs) {
              this.phase = 3;
              this.gStart = k;
              this.gSx = xk;
              this.gSy = yk;
              this.gN = 1;
            } else {
              this.finishF();
              this.openF(k, xk, yk);
            }
          } else if (c === EventLabel.TrackLoss || since > s.mergeMaxGapMs) {
            this.finishF();
          }
          return;
        }
        case 3:
          if (fix && tk - this.t[this.gStart & this.mask]! < s.minFixationMs) {
            this.gSx += xk;
            this.gSy += yk;
            this.gN++;
            return;
          }
          this.decideMerge(k);
          continue; // sample k again, now in phase 1 of the merged or the new fixation
      }
    }
  }

  /** G (gStart .. k-1) is probed: merge it into F or let it replace F; leaves phase 1 at k-1. */
  private decideMerge(k: number): void {
    const d = Math.hypot(this.fSx / this.fN - this.gSx / this.gN, this.fSy / this.fN - this.gSy / this.gN);
    if (d <= this.s.mergeMaxDeg) {
      for (let m = this.fEnd + 1; m < this.gStart; m++) this.lab[m & this.mask] = EventLabel.Fixation;
      this.fSx += this.gSx;
      this.fSy += this.gSy;
      this.fN += this.gN;
    } else {
      this.finishF();
      this.fStart = this.gStart;
      this.fSx = this.gSx;
      this.fSy = this.gSy;
      this.fN = this.gN;
    }
    this.fEnd = k - 1;
    this.phase = 1;
  }

  private openF(k: number, xk: number, yk: number): void {
    this.phase = 1;
    this.fStart = this.fEnd = k;
    this.fSx = xk;
    this.fSy = yk;
    this.fN = 1;
  }

  private fDuration(): number {
    const { t, mask } = this;
    const last = t[this.fEnd & mask]!;
    const step = this.fEnd > this.fStart ? last - t[(this.fEnd - 1) & mask]! : 0;
    return last - t[this.fStart & mask]! + step;
  }

  /** F is over: discard it if short. */
  private finishF(): void {
    if (this.fDuration() < this.s.minFixationMs) for (let m = this.fStart; m <= this.fEnd; m++) this.lab[m & this.mask] = EventLabel.Undefined;
    this.phase = 0;
  }

  private releaseHeld(): void {
    let upTo = this.cPos;
    if (this.phase !== 0) {
      const long = this.fDuration() >= this.s.minFixationMs;
      upTo = long ? (this.phase === 1 ? this.cPos : this.fEnd + 1) : this.fStart;
    }
    this.release(upTo);
  }
}
