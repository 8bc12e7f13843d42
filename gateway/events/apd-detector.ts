import { APD_SETTINGS, type ApdSettings } from './apd-settings.ts';
import { BlinkEvidence } from './blink-evidence.ts';
import { EventLabel as L } from './event-labels.ts';
import { slopeOver, windowEnd, windowStart, type SlopeOut, type SlopeRing } from './local-slope.ts';
import { StreamingLabeller } from './streaming-labeller.ts';
import { VelocityNoise } from './velocity-noise.ts';

/** working label: valid, slow, not yet told fixation or pursuit */
const SLOW = 8;

/**
 * The default event detector (`apd`: adaptive, pursuit-aware): fixation, saccade, PSO, smooth
 * pursuit, blink, track loss, per sample, streaming. What it takes from where:
 * - saccades: velocity thresholds adapted to the noise (Nyström & Holmqvist 2010), measured
 *   robustly with median/MAD (REMoDNaV, Dar et al. 2021); a saccade is a run of smoothed speed
 *   above the onset threshold that reaches the peak threshold (NH2010), and it ends where the
 *   eye turns back (the fine velocity's component along the saccade changes sign), which is
 *   where the expert coders of Andersson et al. (2017) put the saccade/PSO boundary;
 * - PSO: the wobble after the turning point until the fine speed is back to noise, if it starts
 *   within psoStartMs (after NH2010's glissade window; Larsson et al. 2013 treat PSO as part
 *   of the saccade's landing);
 * - pursuit vs fixation: within each intersaccadic interval, the least-squares velocity over a
 *   400 ms window kept inside the interval, against a speed and an amplitude floor (in the
 *   spirit of Larsson et al. 2015, who classify intersaccadic intervals by their movement;
 *   REMoDNaV's pursuit velocity threshold);
 * - blinks: a loss of 20-500 ms with eyelid artefacts (non-fixation motion) at its edge, or
 *   openness reported closed (the rule shared with eye-events: blink-evidence.ts); the artefacts around it (up to 150 ms before, 300 ms after)
 *   belong to the blink; other losses are track loss (or, up to 75 ms inside a fixation, filled:
 *   Olsen 2012).
 *
 * Streaming: five stages with cursors over the sample ring (velocity -> saccade/PSO -> pursuit
 * -> blink -> release), each deciding a sample once it has seen enough after it. A label is
 * final at most `lookAheadMs` after its sample (about 1.4 s, reached only around losses;
 * typically 0.2-0.45 s, the pursuit window).
 *
 * Cost: O(samples in the velocity windows) per sample, the rest O(1) amortised; no allocation.
 *
 * @example
 *   const det = new ApdDetector();
 *   det.push(gaze);                 // degrees, ms
 *   const n = det.read(labels);     // EventLabel codes, in input order
 */
export class ApdDetector extends StreamingLabeller {
  readonly name = 'apd';
  readonly lookAheadMs: number;
  readonly settings: Readonly<ApdSettings>;
  private readonly ring: SlopeRing;
  private readonly so: SlopeOut = { vx: 0, vy: 0, lo: 0, hi: 0 };
  private readonly vxs: Float64Array;
  private readonly vys: Float64Array;
  private readonly ss: Float64Array;
  private readonly vxf: Float64Array;
  private readonly vyf: Float64Array;
  private readonly sf: Float64Array;
  /** prefix sums inside the current slow interval (origin: its first sample) */
  private readonly pT: Float64Array;
  private readonly pTT: Float64Array;
  private readonly pX: Float64Array;
  private readonly pTX: Float64Array;
  private readonly pY: Float64Array;
  private readonly pTY: Float64Array;
  private readonly noiseS: VelocityNoise;
  private readonly noiseF: VelocityNoise;
  private streamStart = 0;
  // velocity
  private vPos = 0;
  // saccade / PSO
  private sPos = 0;
  private scan = 0;
  private sState = 0; // 0 idle, 1 run, 2 offset, 3 pso, 4 artefact
  private sLast = -1;
  private on = 0;
  private pk = 0;
  private pkS = 0;
  private off = 0;
  private offScan = 0;
  private ux = 0;
  private uy = 0;
  /** smooth (pursuit) velocity before the saccade, deg/s: offsets and PSOs are judged relative to it */
  private bx = 0;
  private by = 0;
  private psoStart = 0;
  private psoScan = 0;
  private psoSeen = false;
  /** first sample of the current quiet stretch inside a PSO, or -1 */
  private psoQuiet = -1;
  private sacPeak = 0;
  // pursuit
  private pPos = 0;
  private runA = -1;
  private runEnd = -1;
  private pf = 0;
  private iL = 0;
  private iR = 0;
  // blink
  private bPos = 0;
  private postUntil = -Infinity;
  private nfEnd = 0;
  private gapStart = -1;
  private gapEnd = -1;
  private gapClass = 0; // 1 blink, 2 filled, 3 loss
  /** how far the loss starting at lossAt has been scanned, and what was seen in it (a long loss is scanned once, not once per sample) */
  private lossAt = -1;
  private lossScan = 0;
  private lossShut = false;
  private lossOpen = false;
  private readonly blinkEvidence: BlinkEvidence;

  constructor(opts: { settings?: Partial<ApdSettings>; maxRateHz?: number } = {}) {
    const s: ApdSettings = { ...APD_SETTINGS, ...opts.settings };
    for (const [k, v] of Object.entries(s)) if (!(typeof v === 'number' && Number.isFinite(v) && (v >= 0 || k === 'pursuitMinCos'))) throw new RangeError(`apd setting ${k} must be a finite number >= 0`);
    if (!(s.pursuitMinCos >= -1 && s.pursuitMinCos <= 1)) throw new RangeError('apd setting pursuitMinCos must be within -1..1');
    if (!(s.smoothHalfMs > 0 && s.fineHalfMs > 0 && s.maxStepMs > 0 && s.noiseK > 0 && s.pursuitHalfMs > 0)) throw new RangeError('apd: window sizes and noiseK must be positive');
    const lookAhead = s.maxStepMs + s.onsetWalkMs + s.maxSaccadeMs + s.maxStepMs + s.psoMaxMs + 2 * s.pursuitHalfMs + s.maxStepMs + s.blinkBeforeMs + Math.max(s.blinkMaxGapMs, s.gapFillMs) + s.maxStepMs;
    const maxRate = opts.maxRateHz ?? 2000;
    if (!(maxRate > 0)) throw new RangeError('apd: maxRateHz must be positive');
    super(Math.ceil((maxRate * (lookAhead + 200)) / 1000) + 64);
    this.settings = s;
    this.blinkEvidence = new BlinkEvidence({ minGapMs: s.blinkMinGapMs, maxGapMs: s.blinkMaxGapMs });
    this.lookAheadMs = lookAhead;
    this.closedOpenness = s.closedOpenness;
    this.ring = { t: this.t, x: this.x, y: this.y, ok: this.ok, mask: this.mask };
    const c = this.cap;
    this.vxs = new Float64Array(c);
    this.vys = new Float64Array(c);
    this.ss = new Float64Array(c);
    this.vxf = new Float64Array(c);
    this.vyf = new Float64Array(c);
    this.sf = new Float64Array(c);
    this.pT = new Float64Array(c);
    this.pTT = new Float64Array(c);
    this.pX = new Float64Array(c);
    this.pTX = new Float64Array(c);
    this.pY = new Float64Array(c);
    this.pTY = new Float64Array(c);
    // the floors guard the saccade thresholds (smoothed speed); the fine speed's noise sets the PSO's end and stays unfloored
    this.noiseS = new VelocityNoise({ k: s.noiseK, memoryMs: s.noiseMemoryMs, minOnset: s.minOnsetDegS, minPeak: s.minPeakDegS });
    this.noiseF = new VelocityNoise({ k: s.noiseK, memoryMs: s.noiseMemoryMs });
  }

  /** Current thresholds (deg/s): smoothed-speed onset and peak, fine-speed onset and PSO end. */
  thresholds(): { onset: number; peak: number; fineOnset: number; psoEnd: number } {
    return { onset: this.noiseS.onset, peak: this.noiseS.peak, fineOnset: this.noiseF.onset, psoEnd: this.psoEnd() };
  }

  protected advance(ended: boolean): void {
    this.velocity(ended);
    this.saccades(ended);
    this.pursuit(ended);
    this.blinks(ended);
    this.release(this.bPos);
  }

  protected restart(endOfStream: boolean): void {
    const n = this.nIn;
    this.streamStart = this.vPos = this.sPos = this.scan = this.pPos = this.pf = this.bPos = this.nfEnd = n;
    this.sState = 0;
    this.sLast = n - 1;
    this.runA = this.runEnd = -1;
    this.postUntil = -Infinity;
    this.gapStart = this.gapEnd = -1;
    this.lossAt = -1;
    if (endOfStream) {
      this.noiseS.reset();
      this.noiseF.reset();
    }
  }

  private psoEnd(): number {
    const f = this.noiseF;
    return Number.isFinite(f.median) ? f.median + this.settings.psoEndK * f.mad : f.onset / 2;
  }

  // ---------------------------------------------------------------- stage 1: velocities
  private velocity(ended: boolean): void {
    const { mask, ok, t, so, ring } = this;
    const s = this.settings;
    while (this.vPos < this.nIn) {
      const k = this.vPos;
      const ki = k & mask;
      if (ok[ki] === 0) {
        this.vxs[ki] = this.vys[ki] = this.ss[ki] = this.vxf[ki] = this.vyf[ki] = this.sf[ki] = NaN;
        this.vPos++;
        continue;
      }
      const hiS = windowEnd(ring, k, this.nIn, s.smoothHalfMs, s.maxStepMs, ended);
      if (hiS < 0) return;
      const hiF = windowEnd(ring, k, this.nIn, s.fineHalfMs, s.maxStepMs, true);
      const oldest = Math.max(this.streamStart, this.nIn - this.cap);
      slopeOver(ring, windowStart(ring, k, oldest, s.smoothHalfMs, s.maxStepMs), hiS, so);
      this.vxs[ki] = so.vx;
      this.vys[ki] = so.vy;
      this.ss[ki] = Math.hypot(so.vx, so.vy);
      slopeOver(ring, windowStart(ring, k, oldest, s.fineHalfMs, s.maxStepMs), Math.min(hiF, hiS), so);
      this.vxf[ki] = so.vx;
      this.vyf[ki] = so.vy;
      this.sf[ki] = Math.hypot(so.vx, so.vy);
      this.noiseS.add(this.ss[ki]!, t[ki]!);
      this.noiseF.add(this.sf[ki]!, t[ki]!);
      this.vPos++;
    }
  }

  // ---------------------------------------------------------------- stage 2: saccades and PSO
  private saccades(ended: boolean): void {
    const { mask, ok, t, ss, sf, lab } = this;
    const s = this.settings;
    for (;;) {
      const avail = this.vPos;
      if (this.sState === 0) {
        // idle: look for a peak-threshold crossing
        while (this.scan < avail) {
          const k = this.scan;
          const ki = k & mask;
          const v = ss[ki]!;
          if (ok[ki] !== 0 && v > this.noiseS.peak) {
            const st = this.noiseS.onset;
            const lower = Math.max(this.sLast + 1, this.sPos, this.nIn - this.cap);
            let o = k;
            while (o - 1 >= lower && ok[(o - 1) & mask] !== 0 && ss[(o - 1) & mask]! >= st && ss[(o - 1) & mask]! < ss[o & mask]! && t[ki]! - t[(o - 1) & mask]! <= s.onsetWalkMs && t[o & mask]! - t[(o - 1) & mask]! <= s.maxStepMs) o--;
            this.on = o;
            this.pk = k;
            this.pkS = v;
            this.scan = k + 1;
            this.sState = 1;
            break;
          }
          lab[ki] = ok[ki] === 0 ? L.TrackLoss : v !== v ? L.Undefined : SLOW;
          this.scan++;
        }
        if (this.sState === 0) {
          if (ended) this.sPos = this.scan;
          else if (this.scan > this.sPos) {
            const tNew = t[(this.scan - 1) & mask]!;
            while (this.sPos < this.scan && (this.sPos <= this.sLast || t[this.sPos & mask]! < tNew - s.onsetWalkMs)) this.sPos++;
          }
          return;
        }
      }
      this.sPos = Math.max(this.sPos, this.on);
      if (this.sState === 1) {
        // the run of smoothed speed above the onset threshold
        const st = this.noiseS.onset;
        let over = false;
        while (this.scan < avail) {
          const k = this.scan;
          const ki = k & mask;
          if (!(ok[ki] !== 0 && ss[ki]! >= st) || t[ki]! - t[(k - 1) & mask]! > s.maxStepMs) {
            over = true;
            break;
          }
          if (ss[ki]! > this.pkS) {
            this.pkS = ss[ki]!;
            this.pk = k;
          }
          this.scan++;
          if (t[ki]! - t[this.on & mask]! > s.maxSaccadeMs) {
            this.sState = 4;
            break;
          }
        }
        if (this.sState === 1) {
          if (!over && !ended) return;
          this.baseline();
          const pi = this.pk & mask;
          const dx = this.vxs[pi]! - this.bx;
          const dy = this.vys[pi]! - this.by;
          const dn = Math.hypot(dx, dy);
          this.ux = dx / dn;
          this.uy = dy / dn;
          this.off = this.pk;
          this.offScan = this.pk + 1;
          this.sState = 2;
        }
      }
      if (this.sState === 2) {
        // from the peak to the turning point (or back to noise)
        const st = this.noiseS.onset;
        const stf = this.noiseF.onset;
        let stop = false;
        while (this.offScan < avail) {
          const j = this.offScan;
          const ji = j & mask;
          if (ok[ji] === 0 || t[ji]! - t[(j - 1) & mask]! > s.maxStepMs) {
            stop = true;
            break;
          }
          const rx = this.vxf[ji]! - this.bx;
          const ry = this.vyf[ji]! - this.by;
          if (!(rx * this.ux + ry * this.uy > 0)) {
            this.off = j; // the turning sample belongs to the saccade
            stop = true;
            break;
          }
          if (Math.hypot(this.vxs[ji]! - this.bx, this.vys[ji]! - this.by) < st && Math.hypot(rx, ry) < stf) {
            stop = true;
            break;
          }
          this.off = j;
          this.offScan++;
          if (t[ji]! - t[this.on & mask]! > s.maxSaccadeMs) {
            this.sState = 4;
            break;
          }
        }
        if (this.sState === 2) {
          if (!stop && !ended) return;
          this.finishSaccade(avail);
          continue;
        }
      }
      if (this.sState === 3) {
        // PSO: wobble after the turning point until the fine speed is back to noise
        const tOff = t[this.off & mask]!;
        const stf = this.noiseF.onset;
        const endThr = this.psoEnd();
        let end = -1;
        while (this.psoScan < avail) {
          const m = this.psoScan;
          const mi = m & mask;
          if (ok[mi] === 0 || t[mi]! - t[(m - 1) & mask]! > s.maxStepMs) {
            end = m;
            break;
          }
          if (ss[mi]! > this.noiseS.peak && ss[mi]! > s.newSaccadeShare * this.sacPeak) {
            end = m;
            break;
          }
          const rel = Math.hypot(this.vxf[mi]! - this.bx, this.vyf[mi]! - this.by);
          if (rel >= stf) this.psoSeen = true;
          if (this.psoSeen) {
            // the PSO is over once the eye stays quiet for psoSettleMs (a single slow sample is a turning point of the wobble)
            if (rel < endThr) {
              if (this.psoQuiet < 0) this.psoQuiet = m;
              if (t[mi]! - t[this.psoQuiet & mask]! >= s.psoSettleMs) {
                end = this.psoQuiet;
                break;
              }
            } else {
              this.psoQuiet = -1;
            }
          }
          if (!this.psoSeen && t[mi]! - tOff > s.psoStartMs) {
            end = m;
            break;
          }
          if (t[mi]! - tOff > s.psoMaxMs) {
            end = this.psoQuiet >= 0 ? this.psoQuiet : m;
            break;
          }
          this.psoScan++;
        }
        if (end < 0) {
          if (!ended) return;
          end = this.psoQuiet >= 0 ? this.psoQuiet : avail;
        }
        if (this.psoSeen && end > this.psoStart) {
          for (let m = this.psoStart; m < end; m++) lab[m & mask] = L.Pso;
          this.sLast = end - 1;
          this.scan = end;
        } else {
          this.scan = this.psoStart;
        }
        this.sPos = this.sLast + 1;
        this.sState = 0;
        continue;
      }
      if (this.sState === 4) {
        // too long for a saccade: an artefact, undefined until the speed is back below onset
        const st = this.noiseS.onset;
        for (let m = this.on; m < this.scan; m++) lab[m & mask] = L.Undefined;
        while (this.scan < avail) {
          const ki = this.scan & mask;
          if (!(ok[ki] !== 0 && ss[ki]! >= st)) break;
          lab[ki] = L.Undefined;
          this.scan++;
        }
        this.sLast = this.scan - 1;
        this.sPos = this.scan;
        if (this.scan < avail || ended) {
          this.sState = 0;
          continue;
        }
        return;
      }
    }
  }

  /**
   * Smooth velocity before the onset: the least-squares slope over the baselineMs before it
   * (ending 10 ms before the onset, where the saccade's acceleration starts; never reaching into
   * the previous event).
   * Below the pursuit speed floor it is drift and noise and counts as zero.
   */
  private baseline(): void {
    const { mask, t, ok } = this;
    const s = this.settings;
    const o = this.on;
    const t0 = t[o & mask]!;
    let lo = o;
    const oldest = Math.max(this.streamStart, this.nIn - this.cap, this.sLast + 1);
    while (lo - 1 >= oldest && ok[(lo - 1) & mask] !== 0 && t0 - t[(lo - 1) & mask]! <= s.baselineMs + 10 && t[lo & mask]! - t[(lo - 1) & mask]! <= s.maxStepMs) lo--;
    let hi = o - 1;
    while (hi > lo && t0 - t[hi & mask]! < 10) hi--;
    this.bx = this.by = 0;
    if (hi - lo >= 2) {
      slopeOver(this.ring, lo, hi, this.so);
      if (Math.hypot(this.so.vx, this.so.vy) > s.pursuitMinDegS) {
        this.bx = this.so.vx;
        this.by = this.so.vy;
      }
    }
  }

  private finishSaccade(avail: number): void {
    const { mask, t, ok, lab, ss } = this;
    const s = this.settings;
    const o = this.on;
    const f = this.off;
    const next = f + 1;
    const tEnd = next < avail && ok[next & mask] !== 0 && t[next & mask]! - t[f & mask]! <= s.maxStepMs ? t[next & mask]! : t[f & mask]! + (f > o ? (t[f & mask]! - t[o & mask]!) / (f - o) : 0);
    if (tEnd - t[o & mask]! < s.minSaccadeMs) {
      // too short: noise, the samples stay slow
      for (let m = o; m <= f; m++) {
        const mi = m & mask;
        lab[mi] = ok[mi] === 0 ? L.TrackLoss : ss[mi]! !== ss[mi]! ? L.Undefined : SLOW;
      }
      this.scan = f + 1;
      this.sState = 0;
      return;
    }
    for (let m = o; m <= f; m++) lab[m & mask] = L.Saccade;
    this.sLast = f;
    this.sPos = f + 1;
    this.sacPeak = this.pkS;
    this.psoStart = this.psoScan = f + 1;
    this.psoSeen = false;
    this.psoQuiet = -1;
    this.scan = f + 1;
    this.sState = 3;
  }

  // ---------------------------------------------------------------- stage 3: fixation or pursuit
  private pursuit(ended: boolean): void {
    const { mask, t, x, y, lab, pT, pTT, pX, pTX, pY, pTY } = this;
    const s = this.settings;
    const h = s.pursuitHalfMs;
    while (this.pPos < this.sPos) {
      const k = this.pPos;
      const ki = k & mask;
      if (lab[ki] !== SLOW) {
        this.runA = -1;
        this.pPos++;
        continue;
      }
      if (this.runA < 0 || (this.runEnd >= 0 && k > this.runEnd)) {
        this.runA = k;
        this.runEnd = -1;
        this.pf = k;
        this.iL = this.iR = k;
      }
      const a = this.runA;
      const ai = a & mask;
      const ta = t[ai]!;
      // extend the prefix sums of this interval as far as the saccade stage has decided
      while (this.runEnd < 0 && this.pf < this.sPos) {
        const j = this.pf;
        const ji = j & mask;
        if (lab[ji] !== SLOW || (j > a && t[ji]! - t[(j - 1) & mask]! > s.maxStepMs)) {
          this.runEnd = j - 1;
          break;
        }
        const dt = t[ji]! - ta;
        const dx = x[ji]! - x[ai]!;
        const dy = y[ji]! - y[ai]!;
        const pi = (j - 1) & mask;
        const first = j === a;
        pT[ji] = (first ? 0 : pT[pi]!) + dt;
        pTT[ji] = (first ? 0 : pTT[pi]!) + dt * dt;
        pX[ji] = (first ? 0 : pX[pi]!) + dx;
        pTX[ji] = (first ? 0 : pTX[pi]!) + dt * dx;
        pY[ji] = (first ? 0 : pY[pi]!) + dy;
        pTY[ji] = (first ? 0 : pTY[pi]!) + dt * dy;
        this.pf++;
      }
      if (this.runEnd < 0 && ended && this.pf === this.sPos) this.runEnd = this.pf - 1;
      // the window: +-h around the sample, shifted to stay inside the interval
      const tk = t[ki]!;
      let wl = tk - h;
      let wr = tk + h;
      if (wl < ta) {
        wr += ta - wl;
        wl = ta;
      }
      if (this.runEnd >= 0) {
        const tb = t[this.runEnd & mask]!;
        if (wr > tb) {
          wl = Math.max(ta, wl - (wr - tb));
          wr = tb;
        }
      } else if (t[(this.pf - 1) & mask]! < wr) {
        return; // wait until the window is seen or the interval ends
      }
      while (t[this.iL & mask]! < wl) this.iL++;
      if (this.iR < this.iL) this.iR = this.iL;
      while (this.iR + 1 < this.pf && t[(this.iR + 1) & mask]! <= wr) this.iR++;
      const lo = this.iL;
      const hi = this.iR;
      let label: number = L.Fixation;
      const v = this.fitVelocity(a, lo, hi);
      if (v > s.pursuitMinDegS && (v * (t[hi & mask]! - t[lo & mask]!)) / 1000 >= s.pursuitMinDeg) {
        // pursuit keeps its speed; the post-saccadic drift of pupil-CR trackers dies away
        const mid = (lo + hi) >> 1;
        const v1x = this.fx;
        const v1y = this.fy;
        const w1 = this.fitVelocity(a, lo, mid);
        const w1x = this.fx;
        const w1y = this.fy;
        const w2 = this.fitVelocity(a, mid, hi);
        const keeps = w2 >= s.pursuitKeepShare * w1;
        const straight = (w1x * this.fx + w1y * this.fy) >= s.pursuitMinCos * w1 * w2 || !(s.pursuitMinCos > -1);
        if ((keeps && straight) || !(w1 === w1 && w2 === w2)) label = L.Pursuit;
        void v1x;
        void v1y;
      }
      lab[ki] = label;
      this.pPos++;
    }
  }

  private fx = 0;
  private fy = 0;

  /** Least-squares speed (deg/s) over samples [lo, hi] of the interval starting at a, from the prefix sums; NaN under 3 samples. Leaves the components in fx, fy. */
  private fitVelocity(a: number, lo: number, hi: number): number {
    const { mask, pT, pTT, pX, pTX, pY, pTY } = this;
    const n = hi - lo + 1;
    this.fx = this.fy = NaN;
    if (n < 3) return NaN;
    const li = (lo - 1) & mask;
    const hm = hi & mask;
    const base = lo > a;
    const st = pT[hm]! - (base ? pT[li]! : 0);
    const stt = pTT[hm]! - (base ? pTT[li]! : 0);
    const sx = pX[hm]! - (base ? pX[li]! : 0);
    const stx = pTX[hm]! - (base ? pTX[li]! : 0);
    const sy = pY[hm]! - (base ? pY[li]! : 0);
    const sty = pTY[hm]! - (base ? pTY[li]! : 0);
    const den = n * stt - st * st;
    if (!(den > 0)) return NaN;
    this.fx = ((n * stx - st * sx) / den) * 1000;
    this.fy = ((n * sty - st * sy) / den) * 1000;
    return Math.hypot(this.fx, this.fy);
  }

  // ---------------------------------------------------------------- stage 4: blinks and losses
  private blinks(ended: boolean): void {
    const { mask, t, lab } = this;
    const s = this.settings;
    while (this.bPos < this.pPos) {
      const k = this.bPos;
      const ki = k & mask;
      const lk = lab[ki]!;
      if (lk === L.TrackLoss) {
        const c = this.classifyGap(k, ended);
        if (c === 0) return;
        // a loss known to be long (or known closed) is released while it goes on
        const end = this.gapEnd >= 0 ? this.gapEnd : this.pPos;
        const label = c === 1 ? L.Blink : c === 2 ? L.Fixation : L.TrackLoss;
        for (let m = k; m < end; m++) lab[m & mask] = this.closed[m & mask] === 1 ? L.Blink : label;
        if (this.gapEnd >= 0) {
          if (c === 1) this.postUntil = (end < this.pPos ? t[end & mask]! : t[(end - 1) & mask]!) + s.blinkAfterMs;
        } else {
          this.gapStart = end; // the same loss continues from here
        }
        this.bPos = end;
        continue;
      }
      if (lk === L.Fixation) {
        this.postUntil = -Infinity;
        this.bPos++;
        continue;
      }
      if (lk === L.Blink) {
        // already claimed as the lead-in of a blink
        this.bPos++;
        continue;
      }
      if (t[ki]! <= this.postUntil) {
        lab[ki] = L.Blink;
        this.bPos++;
        continue;
      }
      // a non-fixation sample: the lead-in of a blink if a blink gap follows within blinkBeforeMs
      if (this.nfEnd < k) this.nfEnd = k;
      while (this.nfEnd < this.pPos) {
        const l = lab[this.nfEnd & mask]!;
        if (l === L.Fixation || l === L.TrackLoss) break;
        this.nfEnd++;
      }
      const g = this.nfEnd;
      if (g === this.pPos) {
        if (!ended && t[(g - 1) & mask]! - t[ki]! <= s.blinkBeforeMs) return;
      } else if (lab[g & mask] === L.TrackLoss && t[g & mask]! - t[ki]! <= s.blinkBeforeMs) {
        const c = this.classifyGap(g, ended);
        if (c === 0) return;
        if (c === 1) {
          const tg = t[g & mask]!;
          for (let m = g - 1; m >= k && tg - t[m & mask]! <= s.blinkBeforeMs; m--) lab[m & mask] = L.Blink;
          if (lab[ki] === L.Blink) continue;
        }
      }
      this.bPos++;
    }
  }

  /**
   * The loss starting at g: 0 undecided yet, 1 blink, 2 filled (fixation), 3 track loss. The
   * answer is cached; a loss decided before its end (closed eye, or already too long) keeps
   * gapEnd = -1 until the end is seen.
   */
  private classifyGap(g: number, ended: boolean): number {
    const { mask, t, lab, closed } = this;
    const s = this.settings;
    if (this.gapStart === g && this.gapEnd >= 0) return this.gapClass;
    if (this.lossAt !== g) {
      this.lossAt = this.lossScan = g;
      this.lossShut = this.lossOpen = false;
    }
    let e = this.lossScan;
    let shut = this.lossShut;
    let open = this.lossOpen;
    while (e < this.pPos && lab[e & mask] === L.TrackLoss) {
      if (closed[e & mask] === 1) shut = true;
      else if (this.open[e & mask]! > s.closedOpenness) open = true; // the device says the eye is open
      e++;
    }
    this.lossScan = e;
    this.lossShut = shut;
    this.lossOpen = open;
    if (this.gapStart === g) {
      if (e < this.pPos || ended) this.gapEnd = e;
      return this.gapClass;
    }
    const before = g - 1 >= this.streamStart && g - 1 >= this.nIn - this.cap ? g - 1 : -1;
    const lb = before >= 0 ? lab[before & mask]! : 0;
    const tBefore = before >= 0 && lb !== L.TrackLoss ? t[before & mask]! : NaN;
    if (e === this.pPos && !ended) {
      // still lost: decidable now only if the eye is reported closed or the loss is already too long
      if (shut) {
        this.setGap(g, -1, 1);
        return 1;
      }
      const soFar = t[(e - 1) & mask]! - (tBefore === tBefore ? tBefore : t[g & mask]!);
      if (soFar > Math.max(s.blinkMaxGapMs, s.gapFillMs)) {
        this.setGap(g, -1, 3);
        return 3;
      }
      return 0;
    }
    const after = e < this.pPos ? e : -1;
    const la = after >= 0 ? lab[after & mask]! : 0;
    const dur = (after >= 0 ? t[after & mask]! : NaN) - tBefore; // NaN at the stream's edges
    const lid = (l: number): boolean => l === L.Saccade || l === L.Pso || l === L.Pursuit || l === L.Undefined || l === L.Blink;
    let c = 3;
    if (this.blinkEvidence.isBlink(dur, shut, open, lid(lb), lid(la))) c = 1;
    else if (lb === L.Fixation && la === L.Fixation && dur <= s.gapFillMs) c = 2;
    this.setGap(g, e, c);
    return c;
  }

  private setGap(g: number, e: number, c: number): void {
    this.gapStart = g;
    this.gapEnd = e;
    this.gapClass = c;
  }
}
