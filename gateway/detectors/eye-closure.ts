import { EventRing } from '../features/event-ring.ts';

/**
 * Eye-closure episodes from a gaze stream, sample by sample, state kept across batches.
 *
 * With eye openness reported (0..1), the eye is closed at openness <= 0.2, i.e. at least 80%
 * closed: the P80 criterion of PERCLOS (Wierwille et al. 1994; Dinges & Grace 1998,
 * FHWA-MCRT-98-006). Without openness, a short track-loss gap between valid samples is taken as
 * a blink (a proxy: pupil-based trackers lose the pupil while the lid covers it); gaps of
 * 50-500 ms count (blink durations 100-400 ms, Stern et al. 1984; up to 500 ms allows for
 * drowsy blinks, Schleicher et al. 2008). Longer gaps are track loss, which is never closure.
 *
 * Cost: O(1) per sample, no allocation.
 *
 * @example
 *   const eye = new EyeClosure();
 *   eye.sample(t, valid, openness); // for each sample in time order
 *   eye.currentClosureMs(t);       // NaN while the eye cannot be seen
 */
export class EyeClosure {
  static readonly CLOSED_OPENNESS = 0.2;
  static readonly PROXY_MIN_MS = 50;
  static readonly PROXY_MAX_MS = 500;
  static readonly LONG_BLINK_MS = 500;

  /** closure episodes: end time, duration (ms) */
  readonly episodes = new EventRing(1024);
  /** true when the last valid samples carried openness (Good quality), false for the gap proxy */
  usesOpenness = false;
  /** closed time to be booked by the caller (proxy episodes are only known when they end) */
  private closedStart = NaN;
  private lastT = NaN;
  private lastValid = false;
  private gapStart = NaN;
  private lastOpenness = NaN;
  /** a proxy blink that just ended: [start, end), for the caller to book as closed time */
  proxyStart = NaN;
  proxyEnd = NaN;

  /** Feeds one sample; returns true when this sample counts as eye closed (openness mode only). */
  sample(t: number, valid: boolean, openness: number): boolean {
    this.proxyStart = NaN;
    let closedNow = false;
    if (valid) {
      if (!Number.isNaN(this.gapStart)) {
        const gap = t - this.gapStart;
        if (!this.usesOpenness && gap >= EyeClosure.PROXY_MIN_MS && gap <= EyeClosure.PROXY_MAX_MS) {
          this.episodes.push(t, gap);
          this.proxyStart = this.gapStart;
          this.proxyEnd = t;
        }
        this.gapStart = NaN;
      }
      if (Number.isNaN(openness)) {
        this.usesOpenness = false;
        this.endClosure(t, false);
      } else {
        this.usesOpenness = true;
        closedNow = openness <= EyeClosure.CLOSED_OPENNESS;
        if (closedNow && Number.isNaN(this.closedStart)) this.closedStart = t;
        else if (!closedNow) this.endClosure(t, true);
      }
      this.lastOpenness = openness;
    } else {
      // Track lost: an episode in progress ends unknown (not recorded: we did not see it end).
      if (Number.isNaN(this.gapStart)) this.gapStart = Number.isNaN(this.lastT) ? t : this.lastT;
      this.closedStart = NaN;
    }
    this.lastT = t;
    this.lastValid = valid;
    return closedNow;
  }

  /** Duration of the closure in progress (ms); 0 when open; NaN when the eye cannot be seen now. */
  currentClosureMs(): number {
    if (!this.lastValid || Number.isNaN(this.lastT)) return NaN;
    if (!this.usesOpenness) return Number.isNaN(this.lastOpenness) ? 0 : NaN;
    return Number.isNaN(this.closedStart) ? 0 : this.lastT - this.closedStart;
  }

  private endClosure(t: number, record: boolean): void {
    if (Number.isNaN(this.closedStart)) return;
    if (record) this.episodes.push(t, t - this.closedStart);
    this.closedStart = NaN;
  }
}
