import { PHYSIOLOGY } from './physiology.ts';
import { cruiseSpeedMps, type Segment, type SegmentState, type WearerScript } from './scenario.ts';

/** What the script says holds at one instant; filled in place (no allocation per sample). */
export interface Conditions {
  /** the segment's state; 'attentive' outside every segment */
  state: SegmentState;
  /** the active segment (null outside every segment) and its occurrence, absolute ms */
  segment: Segment | null;
  startMs: number;
  endMs: number;
  /** drowsiness severity 0..1, ramping over the segment */
  drowsy: number;
  /** eyes shut in a scripted microsleep, and since when (absolute ms; NaN when not) */
  microsleep: boolean;
  microsleepStartMs: number;
  /** cognitive load 0..1, ramping in over the segment */
  load: number;
  pupilDilationMm: number;
  hrIncreaseBpm: number;
  fixationMs: number;
  gazeLost: boolean;
  heartLost: boolean;
  speedMps: number;
}

/** The labels `SignalSimulator.truth` gives: the segment states, and `microsleep` while the eyes are shut in one. */
export type TruthLabel = SegmentState | 'microsleep';

export function emptyConditions(): Conditions {
  return {
    state: 'attentive',
    segment: null,
    startMs: NaN,
    endMs: NaN,
    drowsy: 0,
    microsleep: false,
    microsleepStartMs: NaN,
    load: 0,
    pupilDilationMm: 0,
    hrIncreaseBpm: 0,
    fixationMs: PHYSIOLOGY.fixationMs,
    gazeLost: false,
    heartLost: false,
    speedMps: 0,
  };
}

/**
 * A wearer's script on the simulator clock: which segment holds at t (the script repeats every
 * loopS when given), and the graded conditions it implies (drowsiness and load ramps, a
 * microsleep window, lost sensors, vehicle speed).
 *
 * Cost: O(segments) per lookup, a few per wearer; no allocation.
 *
 * @example
 *   const tl = new ScenarioTimeline(script, 120);
 *   const c = tl.conditionsAt(15_000, emptyConditions());
 */
export class ScenarioTimeline {
  private readonly segments: Segment[];
  private readonly loopMs: number;
  private readonly cruise: number;
  /** occurrence start (absolute ms) of the last segmentAt hit */
  private occStart = NaN;
  /** start (absolute ms) of the occurrence found by the last nextOccurrence */
  nextStartMs = NaN;

  constructor(script: WearerScript, loopS?: number) {
    if (loopS !== undefined && !(loopS > 0)) throw new RangeError('loopS must be positive');
    this.segments = [...script.segments].sort((a, b) => a.at - b.at);
    this.loopMs = loopS ? loopS * 1000 : Infinity;
    this.cruise = cruiseSpeedMps(script);
  }

  /** The segment at t (a later-starting one wins if hand-built segments overlap), or null. */
  segmentAt(tMs: number): Segment | null {
    const base = Number.isFinite(this.loopMs) ? Math.floor(tMs / this.loopMs) * this.loopMs : 0;
    const local = tMs - base;
    let found: Segment | null = null;
    for (const seg of this.segments) {
      if (seg.at * 1000 > local) break;
      if (local < (seg.at + seg.duration) * 1000) found = seg;
    }
    this.occStart = found ? base + found.at * 1000 : NaN;
    return found;
  }

  /**
   * The first occurrence of a segment in `state` that ends after fromMs (it may have started
   * already), looking at most one loop ahead; its start lands in `nextStartMs`.
   */
  nextOccurrence(state: SegmentState, fromMs: number): Segment | null {
    const looped = Number.isFinite(this.loopMs);
    const base0 = looped ? Math.floor(fromMs / this.loopMs) * this.loopMs : 0;
    for (let k = 0; k < (looped ? 2 : 1); k++) {
      const base = looped ? base0 + k * this.loopMs : 0;
      for (const seg of this.segments) {
        if (seg.state === state && base + (seg.at + seg.duration) * 1000 > fromMs) {
          this.nextStartMs = base + seg.at * 1000;
          return seg;
        }
      }
    }
    this.nextStartMs = NaN;
    return null;
  }

  conditionsAt(tMs: number, out: Conditions): Conditions {
    const seg = this.segmentAt(tMs);
    const p = seg?.params;
    out.segment = seg;
    out.state = seg?.state ?? 'attentive';
    out.startMs = this.occStart;
    out.endMs = seg ? this.occStart + seg.duration * 1000 : NaN;
    const elapsed = tMs - this.occStart;
    out.drowsy = 0;
    out.microsleep = false;
    out.microsleepStartMs = NaN;
    out.load = 0;
    out.pupilDilationMm = 0;
    out.hrIncreaseBpm = 0;
    out.fixationMs = PHYSIOLOGY.fixationMs;
    out.gazeLost = false;
    out.heartLost = false;
    if (seg?.state === 'drowsy') {
      const msAt = (p?.microsleepAtS ?? 0) * 1000;
      // compressed (microsleep) segments reach full severity at the microsleep; plain ones ramp over minutes
      const rampMs = (p?.rampS ?? (p?.microsleepS !== undefined ? msAt / 1000 : Math.min(seg.duration, 300))) * 1000;
      out.drowsy = (p?.severity ?? 1) * (rampMs > 0 ? Math.min(1, elapsed / rampMs) : 1);
      if (p?.microsleepS !== undefined && elapsed >= msAt && elapsed < msAt + p.microsleepS * 1000) {
        out.microsleep = true;
        out.microsleepStartMs = this.occStart + msAt;
      }
    } else if (seg?.state === 'overload') {
      const rampMs = (p?.rampS ?? 10) * 1000;
      const u = rampMs > 0 ? Math.min(1, elapsed / rampMs) : 1;
      out.load = u * u * (3 - 2 * u); // smooth onset
      out.pupilDilationMm = p?.pupilDilationMm ?? PHYSIOLOGY.overloadPupilMm;
      out.hrIncreaseBpm = p?.hrIncreaseBpm ?? PHYSIOLOGY.overloadHeartRateBpm;
      out.fixationMs = PHYSIOLOGY.fixationMs + out.load * ((p?.fixationMs ?? PHYSIOLOGY.overloadFixationMs) - PHYSIOLOGY.fixationMs);
    } else if (seg?.state === 'sensor_loss') {
      const which = p?.sensors ?? 'gaze';
      out.gazeLost = which !== 'heart';
      out.heartLost = which !== 'gaze';
    }
    out.speedMps = p?.speedMps ?? (seg?.state === 'idle' ? 0 : this.cruise);
    return out;
  }
}
