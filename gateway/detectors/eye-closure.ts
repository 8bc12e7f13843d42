import type { GazeBatch } from '../core/types.ts';
import { EventRing, type EventStats } from '../features/event-ring.ts';

/** What is known about the eye at the newest sample. Unknown is never "closed". */
export const EyeState = {
  Open: 0,
  Closed: 1,
  /** track lost (or a gap that may still turn out to be a blink): no statement about the eye */
  Unknown: 2,
} as const;
export type EyeState = (typeof EyeState)[keyof typeof EyeState];

/** Where the newest closure information comes from. */
export const ClosureSource = {
  None: 0,
  /** the device reports eye openness: closure measured (P80) */
  Openness: 1,
  /** no openness: closure inferred from short track-loss gaps (blink proxy) */
  GapProxy: 2,
} as const;
export type ClosureSource = (typeof ClosureSource)[keyof typeof ClosureSource];

export interface EyeClosureOptions {
  /** openness at or below which the eye counts as closed; 0.2 = at least 80% closed (P80) */
  closedOpenness?: number;
  /** shortest invalid run taken as a blink when there is no openness (ms) */
  proxyMinMs?: number;
  /** longest invalid run taken as a blink; longer is track loss (ms) */
  proxyMaxMs?: number;
  /** closures longer than this are long blinks (ms) */
  longBlinkMs?: number;
  /** completed episodes kept for window queries */
  capacity?: number;
}

/**
 * Eye-closure episodes from a gaze stream, sample by sample, state kept across batches.
 *
 * With eye openness reported (0..1), the eye is closed at openness <= 0.2, i.e. at least 80%
 * closed: the P80 criterion of PERCLOS (Wierwille et al. 1994, DOT HS 808 247; Dinges & Grace
 * 1998, FHWA-MCRT-98-006). An episode runs from the first closed sample to the first open one.
 * Without openness, an invalid run of 50-500 ms between valid samples is taken as a blink (a
 * proxy: pupil/corneal-reflection trackers lose the pupil while the lid covers it). Blinks last
 * about 100-400 ms (Stern, Walrath & Goldstein 1984); 500 ms leaves room for the slower blinks of
 * drowsiness (Schleicher et al. 2008). Longer invalid runs are TRACK LOSS, which is never closure:
 * the eye state is Unknown then, and a closure interrupted by track loss is not recorded (its end
 * was not seen). Every completed closure is an episode (a "blink"); those > 500 ms are long.
 *
 * Cost: O(1) per sample, no allocation.
 *
 * @example
 *   const eye = new EyeClosure();
 *   eye.push(batch);                  // or eye.sample(t, valid, openness) per sample
 *   eye.state;                        // EyeState.Open | Closed | Unknown
 *   eye.currentClosureMs();           // NaN while the eye cannot be seen
 *   eye.blinkStats(now - 60_000, st); // count, mean, long blinks in the last minute
 */
export class EyeClosure {
  readonly closedOpenness: number;
  readonly proxyMinMs: number;
  readonly proxyMaxMs: number;
  readonly longBlinkMs: number;
  /** completed closure episodes: end time, duration (ms) */
  readonly episodes: EventRing;
  state: EyeState = EyeState.Unknown;
  source: ClosureSource = ClosureSource.None;
  /** set by `sample` when the sample ended a gap-proxy blink: its duration (ms), else 0 */
  proxyClosedMs = 0;
  /** total episodes since start (not windowed) */
  totalEpisodes = 0;
  private closedStart = NaN;
  private lastT = NaN;
  /** time of the first invalid sample of the current gap; NaN when no valid sample came before it */
  private gapStartT = NaN;
  private seenValid = false;
  private inGap = false;

  constructor(opts: EyeClosureOptions = {}) {
    this.closedOpenness = opts.closedOpenness ?? 0.2;
    this.proxyMinMs = opts.proxyMinMs ?? 50;
    this.proxyMaxMs = opts.proxyMaxMs ?? 500;
    this.longBlinkMs = opts.longBlinkMs ?? 500;
    if (!(this.closedOpenness > 0 && this.closedOpenness < 1)) throw new RangeError('closedOpenness must be in (0, 1)');
    if (!(this.proxyMinMs >= 0 && this.proxyMaxMs > this.proxyMinMs)) throw new RangeError('need 0 <= proxyMinMs < proxyMaxMs');
    if (!(this.longBlinkMs > 0)) throw new RangeError('longBlinkMs must be positive');
    this.episodes = new EventRing(opts.capacity ?? 1024);
  }

  /**
   * Feeds one sample (time order; the caller drops non-increasing times). Returns true when this
   * sample shows the eye closed by openness (P80). A gap-proxy blink is reported on the first
   * valid sample after it, in `proxyClosedMs`.
   */
  sample(t: number, valid: boolean, openness: number): boolean {
    this.proxyClosedMs = 0;
    this.lastT = t;
    if (!valid) {
      if (!this.inGap) {
        this.inGap = true;
        this.gapStartT = this.seenValid ? t : NaN;
        // a closure in progress ends unseen: not an episode (we did not see the eye open again)
        this.closedStart = NaN;
      }
      this.state = EyeState.Unknown;
      return false;
    }
    if (this.inGap) {
      this.inGap = false;
      // the invalid run lasts from its first invalid sample to the first valid one after it
      const gap = t - this.gapStartT;
      if (Number.isNaN(openness) && gap >= this.proxyMinMs && gap <= this.proxyMaxMs) {
        this.proxyClosedMs = gap;
        this.record(t, gap);
      }
    }
    this.seenValid = true;
    if (Number.isNaN(openness)) {
      this.source = ClosureSource.GapProxy;
      this.closedStart = NaN;
      this.state = EyeState.Open; // seen by the tracker, so not covered by the lid (proxy reading)
      return false;
    }
    this.source = ClosureSource.Openness;
    if (openness <= this.closedOpenness) {
      if (Number.isNaN(this.closedStart)) this.closedStart = t;
      this.state = EyeState.Closed;
      return true;
    }
    if (!Number.isNaN(this.closedStart)) {
      this.record(t, t - this.closedStart);
      this.closedStart = NaN;
    }
    this.state = EyeState.Open;
    return false;
  }

  /** Feeds a columnar batch (gateway clock); same result whatever the batch boundaries. */
  push(b: GazeBatch): void {
    for (let i = 0; i < b.n; i++) {
      const t = b.t[i]!;
      if (!(t > this.lastT) && !Number.isNaN(this.lastT)) continue;
      this.sample(t, b.valid[i] === 1, b.openness[i]!);
    }
  }

  /** Duration of the closure in progress at the newest sample (ms); 0 when open; NaN when unknown. */
  currentClosureMs(): number {
    if (this.state === EyeState.Unknown) return NaN;
    return this.state === EyeState.Closed ? this.lastT - this.closedStart : 0;
  }

  /** Episodes ending in (sinceMs, untilMs]: count, sum, max of durations; `over` = long blinks. */
  blinkStats(sinceMs: number, out: EventStats, untilMs = Infinity): void {
    this.episodes.stats(sinceMs, out, this.longBlinkMs, untilMs);
  }

  private record(t: number, durationMs: number): void {
    this.episodes.push(t, durationMs);
    this.totalEpisodes++;
  }
}
