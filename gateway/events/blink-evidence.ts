/**
 * When a tracker loss may be called a blink. Missing data is not a state of a person: a lost eye
 * is not a closed one unless something says the lid moved. The evidence is physical:
 *
 * - the device reports the eye closed during the loss (openness), or
 * - the loss lasts as long as a blink — 100-400 ms (Caffier et al. 2003, Eur J Appl Physiol
 *   89:319), taken as 20-500 ms here: shorter losses are tracker dropouts, longer ones are not
 *   assumed closed eyes — the device never reports the eye open during it, AND an edge of it
 *   shows eyelid artefacts: non-fixation motion of the tracked gaze right before or after the
 *   loss. A closing lid drags the pupil centre the tracker measures (and the eye itself moves
 *   down and in during a blink, Evinger et al. 1991, Invest Ophthalmol Vis Sci 32:387), so a
 *   real blink is framed by motion; a loss between two still fixations (head turn, glare,
 *   slippage) is not.
 *
 * What counts as "non-fixation motion" is the caller's motion labels (apd: its own saccade / PSO
 * / pursuit / undefined labels; eye-events: the model's best class other than blink), so the rule
 * stays the same whichever detector supplies them.
 *
 * Cost: O(1) per loss.
 *
 * @example
 *   const ev = new BlinkEvidence({ minGapMs: 20, maxGapMs: 500 });
 *   ev.isBlink(180, false, false, true, false); // true: a 180 ms loss after lid motion
 *   ev.isBlink(180, false, false, false, false); // false: still gaze on both sides
 */
export class BlinkEvidence {
  readonly minGapMs: number;
  readonly maxGapMs: number;

  constructor(o: { minGapMs: number; maxGapMs: number }) {
    if (!(o.minGapMs >= 0 && Number.isFinite(o.minGapMs))) throw new RangeError(`blink minGapMs must be a finite number >= 0 (got ${o.minGapMs})`);
    if (!(o.maxGapMs >= o.minGapMs && o.maxGapMs <= 10_000)) throw new RangeError(`blink maxGapMs must be within minGapMs..10000 ms (got ${o.maxGapMs})`);
    this.minGapMs = o.minGapMs;
    this.maxGapMs = o.maxGapMs;
  }

  /**
   * durMs: last tracked sample before the loss to the first after it (NaN where an edge is
   * missing: then only a reported closed eye makes it a blink); shut: some sample reported the
   * eye closed; open: some lost sample reported it open; lidBefore / lidAfter: the tracked sample
   * at that edge moves as no fixation does.
   */
  isBlink(durMs: number, shut: boolean, open: boolean, lidBefore: boolean, lidAfter: boolean): boolean {
    if (shut) return true;
    return !open && (lidBefore || lidAfter) && durMs >= this.minGapMs && durMs <= this.maxGapMs;
  }
}
