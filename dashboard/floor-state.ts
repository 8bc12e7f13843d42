import type { BusEvents, DeviceStatus, EventBus } from '../gateway/core/event-bus.ts';
import type { Alert, AttentionEstimate, Decision, Role } from '../gateway/core/types.ts';

export interface FloorStation {
  id: string;
  name: string;
  x: number;
  y: number;
  safetyCritical?: boolean;
}

export interface FloorLayout {
  site: string;
  gateway: string;
  stations: FloorStation[];
  wearers: { id: string; role: Role; station?: string }[];
}

/** What the floor map shows for one wearer: compact, because it is streamed at up to 2 Hz each. */
export interface WearerView {
  id: string;
  role: Role;
  station: string | null;
  state: AttentionEstimate['state'];
  score: number | null;
  quality: number;
  /** epoch ms of the last estimate, null before the first */
  updatedAt: number | null;
  activeAlerts: { id: string; kind: string; level: Alert['level']; state: Alert['state'] }[];
}

/** The wearer detail: the view plus the full latest estimate, the latest policy observation and the wearer's devices. */
export interface WearerDetail {
  wearer: WearerView;
  estimate: AttentionEstimate | null;
  observation: BusEvents['observation'] | null;
  devices: DeviceStatus[];
}

export interface FloorSnapshot {
  site: string;
  gateway: string;
  stations: FloorStation[];
  wearers: WearerView[];
  alerts: Alert[];
  decisions: Decision[];
  devices: DeviceStatus[];
}

export type FloorEvent =
  | { type: 'wearer'; wearer: WearerView }
  | { type: 'alert'; alert: Alert }
  | { type: 'device'; device: DeviceStatus }
  | { type: 'decision'; decision: Decision };

export interface FloorStateOptions {
  layout: FloorLayout;
  bus: EventBus;
  /** maps the bus's gateway monotonic time (ms) to epoch ms for display */
  toEpochMs?: (t: number) => number;
  /** cleared alerts kept for the list (oldest dropped first); active/acked/shelved are always kept */
  maxCleared?: number;
  /** settled (non-pending) decisions kept (oldest dropped first) */
  maxSettledDecisions?: number;
}

/**
 * What the floor looks like now, kept from the bus: each wearer's latest estimate, the alert list
 * (latest revision per episode wins), decisions, device health. Memory is bounded: estimates
 * and observations only for the configured wearers, at most `maxCleared` cleared alerts and
 * `maxSettledDecisions` settled decisions. Listeners get each change as a FloorEvent (for SSE).
 * Cost: O(1) per estimate; O(alerts of that wearer) per alert, plus a prune scan when over cap.
 *
 * @example
 *   const floor = new FloorState({ layout, bus, toEpochMs });
 *   const stop = floor.subscribe((e) => send(e));
 *   floor.snapshot(); // JSON-able
 */
export class FloorState {
  readonly layout: FloorLayout;
  private readonly wearers = new Map<string, WearerView>();
  private readonly estimates = new Map<string, AttentionEstimate>();
  private readonly observations = new Map<string, BusEvents['observation']>();
  private readonly alerts = new Map<string, Alert>();
  private readonly decisions = new Map<string, Decision>();
  private readonly devices = new Map<string, DeviceStatus>();
  private readonly listeners = new Set<(e: FloorEvent) => void>();
  private readonly toEpochMs: (t: number) => number;
  private readonly maxCleared: number;
  private readonly maxSettledDecisions: number;
  private clearedCount = 0;
  private readonly unsubscribers: (() => void)[] = [];

  constructor(opts: FloorStateOptions) {
    const { layout } = opts;
    if (!layout || typeof layout.site !== 'string' || typeof layout.gateway !== 'string') throw new TypeError('FloorState: layout.site and layout.gateway are required strings');
    const stationIds = new Set<string>();
    for (const s of layout.stations) {
      if (stationIds.has(s.id)) throw new RangeError(`FloorState: duplicate station id ${s.id}`);
      if (!Number.isFinite(s.x) || !Number.isFinite(s.y)) throw new RangeError(`FloorState: station ${s.id} needs finite x and y`);
      stationIds.add(s.id);
    }
    this.maxCleared = opts.maxCleared ?? 500;
    this.maxSettledDecisions = opts.maxSettledDecisions ?? 200;
    if (!Number.isInteger(this.maxCleared) || this.maxCleared < 0) throw new RangeError('FloorState: maxCleared must be a non-negative integer');
    if (!Number.isInteger(this.maxSettledDecisions) || this.maxSettledDecisions < 0) throw new RangeError('FloorState: maxSettledDecisions must be a non-negative integer');
    this.layout = layout;
    this.toEpochMs = opts.toEpochMs ?? ((t) => t);
    for (const w of layout.wearers) {
      if (this.wearers.has(w.id)) throw new RangeError(`FloorState: duplicate wearer id ${w.id}`);
      this.wearers.set(w.id, { id: w.id, role: w.role, station: w.station ?? null, state: 'unknown', score: null, quality: 0, updatedAt: null, activeAlerts: [] });
    }
    const bus = opts.bus;
    this.unsubscribers.push(
      bus.on('estimate', (e) => this.onEstimate(e)),
      bus.on('alert', (a) => this.onAlert(a)),
      bus.on('decision', (d) => this.onDecision(d)),
      bus.on('device', (d) => {
        // lastSeen is gateway monotonic time on the bus; the page needs a wall clock to show its age
        const view: DeviceStatus = { ...d, lastSeen: d.lastSeen === null ? null : Math.round(this.toEpochMs(d.lastSeen)) };
        this.devices.set(d.device, view);
        this.emit({ type: 'device', device: view });
      }),
      bus.on('observation', (o) => {
        // only configured wearers: an unknown id on the bus must not grow memory
        if (this.wearers.has(o.wearer)) this.observations.set(o.wearer, o);
      }),
    );
  }

  /** Adds a listener for every change; returns the function that removes it. */
  subscribe(fn: (e: FloorEvent) => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  /** Stops listening to the bus (the gateway's shutdown). */
  close(): void {
    for (const u of this.unsubscribers.splice(0)) u();
    this.listeners.clear();
  }

  snapshot(): FloorSnapshot {
    return {
      site: this.layout.site,
      gateway: this.layout.gateway,
      stations: this.layout.stations.map((s) => ({ ...s, safetyCritical: s.safetyCritical === true })),
      wearers: [...this.wearers.values()].map(copyView),
      alerts: this.alertList(),
      decisions: [...this.decisions.values()],
      devices: [...this.devices.values()],
    };
  }

  /** Alerts, newest first. */
  alertList(): Alert[] {
    return [...this.alerts.values()].sort((a, b) => b.raisedAt - a.raisedAt);
  }

  wearer(id: string): WearerDetail | null {
    const w = this.wearers.get(id);
    if (!w) return null;
    const devices = [...this.devices.values()].filter((d) => d.wearer === id);
    return { wearer: copyView(w), estimate: this.estimates.get(id) ?? null, observation: this.observations.get(id) ?? null, devices };
  }

  private onEstimate(e: AttentionEstimate): void {
    const w = this.wearers.get(e.wearer);
    if (!w) return;
    this.estimates.set(e.wearer, e);
    const score = e.score === null ? null : Math.round(e.score * 100) / 100;
    const quality = Math.round(e.quality * 100) / 100;
    // the view only changes visibly when state, score (to 1%) or quality (to 1%) changes
    const changed = w.state !== e.state || w.score !== score || w.quality !== quality;
    w.state = e.state;
    w.score = score;
    w.quality = quality;
    w.updatedAt = Math.round(this.toEpochMs(e.t));
    if (changed) this.emit({ type: 'wearer', wearer: copyView(w) });
  }

  private onAlert(a: Alert): void {
    const prev = this.alerts.get(a.id);
    if (prev && prev.rev > a.rev) return; // a late, older revision of the same episode
    if (prev?.state === 'cleared') this.clearedCount--;
    this.alerts.set(a.id, a);
    if (a.state === 'cleared') this.clearedCount++;
    const w = this.wearers.get(a.wearer);
    if (w) {
      const others = w.activeAlerts.filter((x) => x.id !== a.id);
      w.activeAlerts = a.state === 'cleared' ? others : [...others, { id: a.id, kind: a.kind, level: a.level, state: a.state }];
      this.emit({ type: 'wearer', wearer: copyView(w) });
    }
    this.emit({ type: 'alert', alert: a });
    if (this.clearedCount > this.maxCleared) this.pruneCleared();
  }

  private onDecision(d: Decision): void {
    this.decisions.delete(d.id); // re-insert: Map order is then the order of the latest change
    this.decisions.set(d.id, d);
    this.emit({ type: 'decision', decision: d });
    let settled = 0;
    for (const x of this.decisions.values()) if (x.state !== 'pending') settled++;
    for (const [id, x] of this.decisions) {
      if (settled <= this.maxSettledDecisions) break;
      if (x.state !== 'pending') {
        this.decisions.delete(id);
        settled--;
      }
    }
  }

  private pruneCleared(): void {
    const cleared = [...this.alerts.values()].filter((a) => a.state === 'cleared');
    cleared.sort((x, y) => x.raisedAt - y.raisedAt);
    for (const a of cleared.slice(0, cleared.length - this.maxCleared)) this.alerts.delete(a.id);
    this.clearedCount = Math.min(cleared.length, this.maxCleared);
  }

  private emit(e: FloorEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // one broken listener (a closed SSE socket) must not stop the bus or the others
      }
    }
  }
}

function copyView(w: WearerView): WearerView {
  return { ...w, activeAlerts: w.activeAlerts.map((a) => ({ ...a })) };
}
