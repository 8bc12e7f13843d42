/**
 * The thresholds a supervisor may change at run time with `threshold.set`, each with its unit
 * and the range it may take. Anything not listed here is not adjustable over a command:
 * - the driver policy (Euro NCAP DSM timings, EU DDAW/KSS levels): fixed by the specification
 *   and regulation it implements; a plant changes them, if ever, in a reviewed release;
 * - sensor-loss timings, the calibration period and the longest shelve: safety functions;
 * - everything else in the config: a restart with a reviewed config file.
 * Ranges keep a value where the policy still makes sense (an enter probability of 0.99 would
 * silence an alert kind; 0.3 would make it cry wolf).
 */
export interface ThresholdSpec {
  name: string;
  unit: string;
  min: number;
  max: number;
  integer?: boolean;
  description: string;
}

export const ADJUSTABLE_THRESHOLDS: readonly ThresholdSpec[] = [
  { name: 'operator.enterProb', unit: 'ratio', min: 0.5, max: 0.9, description: 'estimate probability that enters fatigue/overload/distraction' },
  { name: 'operator.exitProb', unit: 'ratio', min: 0.2, max: 0.6, description: 'estimate probability below which the state is left (<= enterProb)' },
  { name: 'operator.perclosEnter', unit: 'ratio', min: 0.1, max: 0.3, description: 'PERCLOS that enters fatigue on its own' },
  { name: 'operator.perclosExit', unit: 'ratio', min: 0.04, max: 0.2, description: 'PERCLOS below which fatigue may clear (<= perclosEnter)' },
  { name: 'operator.fatigueEnterS', unit: 's', min: 5, max: 120, description: 'fatigue evidence needed before the alert' },
  { name: 'operator.overloadEnterS', unit: 's', min: 5, max: 180, description: 'overload evidence needed before the alert' },
  { name: 'operator.distractionEnterS', unit: 's', min: 2, max: 10, description: 'distraction at a safety-critical station needed before the alert' },
  { name: 'operator.teamLeadAfterS', unit: 's', min: 30, max: 600, description: 'unacknowledged alert escalates to the team lead' },
  { name: 'operator.supervisorAfterS', unit: 's', min: 60, max: 1800, description: 'unacknowledged alert escalates to the supervisor (>= teamLeadAfterS)' },
  { name: 'scheduler.breakFatigue', unit: 'ratio', min: 0.3, max: 0.9, description: 'fatigue index that makes an operator due for a micro-break' },
  { name: 'scheduler.maxOnBreak', unit: 'people', min: 1, max: 10, integer: true, description: 'K: at most this many on break at once' },
  { name: 'scheduler.breakS', unit: 's', min: 60, max: 900, description: 'micro-break length' },
  { name: 'scheduler.capacityLow', unit: 'ratio', min: 0.5, max: 0.95, description: 'fleet capacity below which a line-speed reduction is proposed' },
];

/** How a threshold reaches the component that uses it. `set` throws RangeError on an inconsistent result and then changes nothing. */
export interface ThresholdBinding {
  get(): number;
  set(value: number): void;
}

/**
 * The adjustable thresholds bound to the running components. Components register their
 * bindings (the fleet's operator policies, the scheduler); `threshold.set` reaches them only
 * through `set` here, at a tick boundary.
 *
 * @example
 *   const reg = new ThresholdRegistry();
 *   reg.bind('operator.enterProb', { get: () => p.settings.enterProb, set: (v) => p.updateSettings({ enterProb: v }) });
 *   reg.check('operator.enterProb', 0.7); // null, or why not
 */
export class ThresholdRegistry {
  private readonly specs = new Map(ADJUSTABLE_THRESHOLDS.map((s) => [s.name, s]));
  private readonly bindings = new Map<string, ThresholdBinding>();

  bind(name: string, b: ThresholdBinding): void {
    if (!this.specs.has(name)) throw new RangeError(`'${name}' is not an adjustable threshold`);
    this.bindings.set(name, b);
  }

  spec(name: string): ThresholdSpec | undefined {
    return this.bindings.has(name) ? this.specs.get(name) : undefined;
  }

  /** Names with their spec and current value (bound ones only), for the API. */
  list(): (ThresholdSpec & { value: number })[] {
    return [...this.bindings].map(([name, b]) => ({ ...this.specs.get(name)!, value: b.get() }));
  }

  /** Null when the value is acceptable by range, else the reason. Cross-field rules are checked by `set`. */
  check(name: string, value: number): string | null {
    const s = this.spec(name);
    if (!s) return `'${name}' is not an adjustable threshold`;
    if (!Number.isFinite(value) || value < s.min || value > s.max) return `${name} must be within ${s.min}..${s.max} ${s.unit}`;
    if (s.integer && !Number.isInteger(value)) return `${name} must be a whole number`;
    return null;
  }

  /** Applies a value; returns the previous one. Throws RangeError (range or cross-field). */
  set(name: string, value: number): number {
    const why = this.check(name, value);
    if (why) throw new RangeError(why);
    const b = this.bindings.get(name)!;
    const previous = b.get();
    b.set(value);
    return previous;
  }
}
