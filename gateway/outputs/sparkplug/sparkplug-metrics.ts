import type { BirthMetric, MetricValue, SparkplugType } from './sparkplug-codec.ts';

interface Slot {
  name: string;
  alias: number | null;
  type: SparkplugType;
  value: MetricValue;
  timestamp: number;
}

/** A metric that changed, for a DATA message (or the historical buffer). */
export interface MetricChange {
  /** null: an edge node metric (NDATA); otherwise the device (DDATA) */
  device: string | null;
  alias: number;
  type: SparkplugType;
  value: MetricValue;
  timestamp: number;
}

/** The name of the one metric that is never aliased ([tck-id-operational-behavior-data-commands-rebirth-name-aliases]). */
export const REBIRTH_METRIC = 'Node Control/Rebirth';

/**
 * Every metric of the edge node and its devices with its current value and its alias. The
 * births list all of them ([tck-id-topics-nbirth-metric-reqs], [tck-id-topics-dbirth-metric-reqs]);
 * DATA messages only what changed (report by exception, [tck-id-principles-rbe-recommended]).
 * Aliases are unique across the edge node and its devices ([tck-id-payloads-alias-uniqueness])
 * and stay the same for the life of the process. Defining a metric after the births marks the
 * model as needing a rebirth (a birth must list every metric the session will report).
 *
 * Cost: one Map lookup per set.
 *
 * @example
 *   const m = new SparkplugModel();
 *   m.define(null, 'Node Control/Rebirth', 'Boolean', false, now, false);
 *   m.define('dr-19c2', 'Attention/Score', 'Double', null, now);
 *   m.set('dr-19c2', 'Attention/Score', 0.8, now); // a MetricChange, or null when unchanged
 */
export class SparkplugModel {
  private readonly sets = new Map<string | null, Map<string, Slot>>([[null, new Map()]]);
  private nextAlias = 1;
  /** set when a metric was defined after `birthsSent()`; cleared by the next births */
  needsRebirth = false;
  private born = false;

  devices(): string[] {
    return [...this.sets.keys()].filter((k): k is string => k !== null);
  }

  has(device: string | null, name: string): boolean {
    return this.sets.get(device)?.has(name) ?? false;
  }

  define(device: string | null, name: string, type: SparkplugType, value: MetricValue, timestamp: number, aliased = true): void {
    let set = this.sets.get(device);
    if (!set) {
      set = new Map();
      this.sets.set(device, set);
    }
    if (set.has(name)) throw new RangeError(`metric '${name}' of ${device ?? 'the edge node'} is defined twice`);
    set.set(name, { name, alias: aliased ? this.nextAlias++ : null, type, value, timestamp });
    if (this.born) this.needsRebirth = true;
  }

  /** Sets a value; returns the change when it differs from the current one. */
  set(device: string | null, name: string, value: MetricValue, timestamp: number): MetricChange | null {
    const slot = this.sets.get(device)?.get(name);
    if (!slot) throw new RangeError(`metric '${name}' of ${device ?? 'the edge node'} is not defined`);
    if (slot.value === value) return null;
    slot.value = value;
    slot.timestamp = timestamp;
    if (slot.alias === null) return null; // only the rebirth metric; never sent in DATA
    return { device, alias: slot.alias, type: slot.type, value, timestamp };
  }

  get(device: string | null, name: string): MetricValue | undefined {
    return this.sets.get(device)?.get(name)?.value;
  }

  /** The birth list of the edge node (device null) or of one device: every metric, current value. */
  birth(device: string | null): BirthMetric[] {
    return [...(this.sets.get(device)?.values() ?? [])].map((s) => ({ name: s.name, alias: s.alias, type: s.type, value: s.value, timestamp: s.timestamp }));
  }

  /** Called after a complete birth sequence went out. */
  birthsSent(): void {
    this.born = true;
    this.needsRebirth = false;
  }
}
