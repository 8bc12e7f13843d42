// What the page knows about the floor, kept from the SSE stream. Views read it; `dirty` flags say
// what to redraw at the next animation frame (200 wearers at 2 Hz stay cheap).
import type { AlertJson, DecisionJson, DeviceStatusJson, FloorSnapshotJson, SessionJson, StationView, WearerViewJson } from './types.ts';

export const model = {
  snapshot: null as FloorSnapshotJson | null,
  stations: new Map<string, StationView>(),
  wearers: new Map<string, WearerViewJson>(),
  alerts: new Map<string, AlertJson>(),
  decisions: new Map<string, DecisionJson>(),
  devices: new Map<string, DeviceStatusJson>(),
  session: { authenticated: false, user: null, role: null, writeEnabled: false, csrfToken: null, expiresAt: null } as SessionJson,
  dirtyWearers: new Set<string>(),
  alertsDirty: false,
  decisionsDirty: false,
  devicesDirty: false,
};

export function applySnapshot(snap: FloorSnapshotJson): void {
  model.snapshot = snap;
  model.stations = new Map(snap.stations.map((s) => [s.id, s]));
  model.wearers = new Map(snap.wearers.map((w) => [w.id, w]));
  model.alerts = new Map(snap.alerts.map((a) => [a.id, a]));
  model.decisions = new Map(snap.decisions.map((d) => [d.id, d]));
  model.devices = new Map(snap.devices.map((d) => [d.device, d]));
  model.dirtyWearers.clear();
}

export function applyWearer(w: WearerViewJson): boolean {
  if (!model.wearers.has(w.id)) return false; // not in this snapshot's layout
  model.wearers.set(w.id, w);
  model.dirtyWearers.add(w.id);
  return true;
}

export function applyAlert(a: AlertJson): boolean {
  const prev = model.alerts.get(a.id);
  if (prev && prev.rev > a.rev) return false; // a late, older revision
  model.alerts.set(a.id, a);
  // the wearer's own update is coalesced on the server: mark the alert on the map right away
  const w = model.wearers.get(a.wearer);
  if (w) {
    const others = w.activeAlerts.filter((x) => x.id !== a.id);
    const activeAlerts = a.state === 'cleared' ? others : [...others, { id: a.id, kind: a.kind, level: a.level, state: a.state }];
    model.wearers.set(w.id, { ...w, activeAlerts });
    model.dirtyWearers.add(w.id);
  }
  model.alertsDirty = true;
  return true;
}

export function applyDecision(d: DecisionJson): void {
  model.decisions.delete(d.id);
  model.decisions.set(d.id, d);
  model.decisionsDirty = true;
}

export function applyDevice(d: DeviceStatusJson): void {
  model.devices.set(d.device, d);
  model.devicesDirty = true;
}

/** Signed in with a role that may act (the gateway checks again per command). */
export function canWrite(): boolean {
  return model.session.authenticated;
}
