import type { DeviceStatus, EventBus } from '../gateway/core/event-bus.ts';
import type { Alert, AttentionEstimate, Decision, Role } from '../gateway/core/types.ts';

export interface FloorLayout {
  site: string;
  gateway: string;
  stations: { id: string; name: string; x: number; y: number; safetyCritical: boolean }[];
  wearers: { id: string; role: Role; station?: string }[];
}

export interface WearerView {
  id: string;
  role: Role;
  station: string | null;
  state: AttentionEstimate['state'];
  score: number | null;
  quality: number;
  /** epoch ms of the last estimate, null before the first */
  updatedAt: number | null;
  activeAlerts: { kind: string; level: number }[];
}

export type FloorEvent = { type: 'wearer'; wearer: WearerView } | { type: 'alert'; alert: Alert } | { type: 'device'; device: DeviceStatus } | { type: 'decision'; decision: Decision };

/**
 * What the floor looks like now, kept from the bus: each wearer's latest state, the alert list
 * (latest revision per episode wins), decisions, device health. Bounded: at most `maxCleared`
 * cleared alerts are kept. Listeners get each change as a FloorEvent (for SSE).
 *
 * @example
 *   const floor = new FloorState({ layout, bus, toEpochMs });
 *   floor.subscribe((e) => send(e));
 */
export class FloorState {
  readonly layout: FloorLayout;
  private readonly wearers = new Map<string, WearerView>();
  private readonly alerts = new Map<string, Alert>();
  private readonly decisions = new Map<string, Decision>();
  private readonly devices = new Map<string, DeviceStatus>();
  private readonly listeners = new Set<(e: FloorEvent) => void>();
  private readonly toEpochMs: (t: number) => number;
  private readonly maxCleared: number;

  constructor(opts: { layout: FloorLayout; bus: EventBus; toEpochMs: (t: number) => number; maxCleared?: number }) {
    this.layout = opts.layout;
    this.toEpochMs = opts.toEpochMs;
    this.maxCleared = opts.maxCleared ?? 500;
    for (const w of opts.layout.wearers) {
      this.wearers.set(w.id, { id: w.id, role: w.role, station: w.station ?? null, state: 'unknown', score: null, quality: 0, updatedAt: null, activeAlerts: [] });
    }
    opts.bus.on('estimate', (e) => this.onEstimate(e));
    opts.bus.on('alert', (a) => this.onAlert(a));
    opts.bus.on('decision', (d) => {
      this.decisions.set(d.id, d);
      this.emit({ type: 'decision', decision: d });
    });
    opts.bus.on('device', (d) => {
      this.devices.set(d.device, d);
      this.emit({ type: 'device', device: d });
    });
  }

  subscribe(fn: (e: FloorEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  snapshot() {
    return {
      site: this.layout.site,
      gateway: this.layout.gateway,
      stations: this.layout.stations,
      wearers: [...this.wearers.values()],
      alerts: this.alertList(),
      decisions: [...this.decisions.values()],
      devices: [...this.devices.values()],
    };
  }

  alertList(): Alert[] {
    return [...this.alerts.values()].sort((a, b) => b.raisedAt - a.raisedAt);
  }

  private onEstimate(e: AttentionEstimate): void {
    const w = this.wearers.get(e.wearer);
    if (!w) return;
    const changed = w.state !== e.state || w.score === null || e.score === null || Math.abs(w.score - e.score) >= 0.01;
    w.state = e.state;
    w.score = e.score === null ? null : Math.round(e.score * 100) / 100;
    w.quality = Math.round(e.quality * 100) / 100;
    w.updatedAt = Math.round(this.toEpochMs(e.t));
    if (changed) this.emit({ type: 'wearer', wearer: { ...w } });
  }

  private onAlert(a: Alert): void {
    const prev = this.alerts.get(a.id);
    if (prev && prev.rev > a.rev) return;
    this.alerts.set(a.id, a);
    const w = this.wearers.get(a.wearer);
    if (w) {
      w.activeAlerts = this.alertList()
        .filter((x) => x.wearer === a.wearer && x.state !== 'cleared')
        .map((x) => ({ kind: x.kind, level: x.level }));
      this.emit({ type: 'wearer', wearer: { ...w } });
    }
    this.emit({ type: 'alert', alert: a });
    this.pruneCleared();
  }

  private pruneCleared(): void {
    const cleared = [...this.alerts.values()].filter((a) => a.state === 'cleared');
    if (cleared.length <= this.maxCleared) return;
    cleared.sort((x, y) => x.raisedAt - y.raisedAt);
    for (const a of cleared.slice(0, cleared.length - this.maxCleared)) this.alerts.delete(a.id);
  }

  private emit(e: FloorEvent): void {
    for (const l of this.listeners) l(e);
  }
}
