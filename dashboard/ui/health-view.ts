// Gateway health: ready/degraded with the reasons, execution provider, broker connection, outbox
// depth, throughput; and every device link with battery, skin contact, signal and last seen.
import { getJson } from './api.ts';
import { $, el, fmtAge, fmtNum } from './dom.ts';
import { CONTACT_TEXT, DEVICE_STATE_TEXT } from './isa101.ts';
import { model } from './model.ts';
import type { DeviceStatusJson, GatewayStatusJson } from './types.ts';

const LOW_BATTERY = 20;

/** Below this share of valid samples the signal is marked abnormal (shape and word, not colour alone). */
const POOR_VALIDITY = 0.5;

export function signalText(d: DeviceStatusJson): string {
  const parts = [`${d.validity < POOR_VALIDITY ? '▲ ' : ''}${Math.round(d.validity * 100)} % valid`];
  const q = d.quality;
  if (q) {
    if (q.droppedFrames) parts.push(`${q.droppedFrames} lost`);
    if (q.crcErrors) parts.push(`${q.crcErrors} CRC`);
    if (q.reconnects) parts.push(`${q.reconnects} reconnects`);
  }
  return parts.join(', ');
}

/** The link's rate; heart-rate wearables have none (it would be the heart rate), a Polar shows its ECG stream's. */
export function rateText(d: DeviceStatusJson): string {
  if (d.rateHz !== null) return `${fmtNum(d.rateHz, 0)} Hz`;
  const ecg = d.quality?.streams?.['ecg'];
  return ecg ? `ECG ${fmtNum(ecg.rateHz, 0)} Hz` : '—';
}

export function batteryText(d: DeviceStatusJson): string {
  if (d.battery === null) return '—';
  return `${d.battery < LOW_BATTERY ? '▲ ' : ''}${Math.round(d.battery)} %`;
}

export function contactText(d: DeviceStatusJson): string {
  if (d.contact === undefined) return '';
  if (d.contact === null) return '—';
  return CONTACT_TEXT[d.contact] ?? d.contact;
}

export function deviceRow(d: DeviceStatusJson): HTMLTableRowElement {
  const abnormal = d.state !== 'connected' || d.contact === 'no_contact' || (d.battery !== null && d.battery < LOW_BATTERY) || d.validity < POOR_VALIDITY;
  return el(
    'tr',
    { class: abnormal ? 'abnormal' : '', 'data-device': d.device },
    el('td', { text: `${d.device} (${d.kind})` }),
    el('td', { text: d.wearer }),
    el('td', { class: 'dev-state', text: DEVICE_STATE_TEXT[d.state] ?? d.state, title: d.detail ?? '' }),
    el('td', { class: 'battery', text: batteryText(d) }),
    el('td', { class: 'contact', text: contactText(d) }),
    el('td', { text: rateText(d) }),
    el('td', { class: 'signal', text: signalText(d) }),
    el('td', { class: 'seen', text: fmtAge(d.lastSeen) }),
  );
}

export function renderDevices(): void {
  const rows = [...model.devices.values()].sort((a, b) => a.device.localeCompare(b.device)).map(deviceRow);
  $('devices').replaceChildren(...rows);
}

function item(term: string, value: string, cls = ''): HTMLElement[] {
  return [el('dt', { text: term }), el('dd', { class: cls, text: value })];
}

export async function refreshGateway(): Promise<void> {
  let g: GatewayStatusJson;
  try {
    g = await getJson<GatewayStatusJson>('/api/gateway');
  } catch {
    return;
  }
  const h = g.health as GatewayStatusJson['health'] & { executionProvider?: string; estimator?: string; mqtt?: { url?: string; connected?: boolean }; outboxDepth?: number; uptimeS?: number };
  const status = $('gw-status');
  status.textContent = h.status === 'ready' ? '✓ ready' : h.status === 'starting' ? '… starting' : '▲ degraded';
  status.className = `gw-status ${h.status}`;
  $('gw-reasons').replaceChildren(...h.reasons.map((r) => el('li', { text: r })));
  const t = g.throughput;
  $('gw-facts').replaceChildren(
    ...item('Execution provider', `${h.executionProvider ?? '—'}${h.estimator ? ` (${h.estimator})` : ''}`),
    ...item('Broker', h.mqtt ? `${h.mqtt.connected ? 'connected' : '⊘ not connected'} — ${h.mqtt.url ?? ''}` : '—', h.mqtt && !h.mqtt.connected ? 'abnormal' : ''),
    ...item('Outbox', h.outboxDepth === undefined ? '—' : `${h.outboxDepth} waiting`),
    ...item('Throughput', t ? `${fmtNum(t.samplesInPerS)} samples/s in · ${t.messagesOutPerS === null ? 'messages out not counted' : `${fmtNum(t.messagesOutPerS, 1)} msg/s out`} · ${fmtNum(t.ticksPerS, 1)} ticks/s` : 'measuring…'),
    ...item('Up', h.uptimeS === undefined ? '—' : `${Math.round(h.uptimeS / 60)} min`),
  );
  // the devices' "last seen" ages move on without new events
  for (const d of g.devices) model.devices.set(d.device, d);
  renderDevices();
}
