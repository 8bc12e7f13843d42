// Floor mode: every gateway of the site from the site broker, one card each — its status (online,
// offline, silent), outbox, wearers and open alerts. Read-only: another gateway's alerts are
// acted on from that gateway's own dashboard.
import { $, el, fmtAge, fmtTime } from './dom.ts';
import { ALERT_STATE_TEXT, levelText, LEVEL, STATE_TEXT, worstLevel } from './isa101.ts';
import { model } from './model.ts';

interface SiteWearer { id: string; state: string; score: number | null; quality: number; ts: number }
interface SiteAlert { id: string; rev: number; wearer: string; role: string; station?: string; kind: string; level: number; state: string; raisedAt: number; by?: string }
interface SiteGateway { gateway: string; status: string; silent: boolean; version: string | null; lastMessageAt: number | null; outboxDepth: number | null; wearers: SiteWearer[]; alerts: SiteAlert[] }
interface SiteSnapshot { site: string; connected: boolean; broker: string; gateways: SiteGateway[] }
interface SiteHealth { connected: boolean; gateways: { gateway: string; status: string; silent: boolean; lastMessageAt: number | null }[] }

const gateways = new Map<string, SiteGateway>();
let snapshot: SiteSnapshot | null = null;

function statusText(g: { status: string; silent: boolean; lastMessageAt: number | null }): string {
  if (g.status === 'offline') return '⊘ offline';
  if (g.silent) return `○ silent — last message ${fmtAge(g.lastMessageAt)}`;
  return g.status === 'online' ? '● online' : '… unknown';
}

function card(g: SiteGateway): HTMLElement {
  const self = g.gateway === model.snapshot?.gateway;
  const open = g.alerts.filter((a) => a.state !== 'cleared');
  const lvl = worstLevel(open);
  const down = g.status === 'offline' || g.silent;
  const box = el('article', { role: 'listitem', class: `site-gw${lvl ? ` lvl-${lvl}` : ''}${down ? ' lost' : ''}`, 'data-gateway': g.gateway, tabindex: '0', 'aria-label': `Gateway ${g.gateway}${self ? ' (this one)' : ''}: ${statusText(g)}, ${open.length} open alerts` });
  box.append(
    el('h3', { class: 'name', text: `${g.gateway}${self ? ' (this gateway)' : ''}` }),
    el('p', { class: 'gw-line', 'data-role': 'status', text: `${statusText(g)}${g.outboxDepth !== null ? ` · outbox ${g.outboxDepth}` : ''}${g.version ? ` · v${g.version}` : ''}` }),
  );
  const wearers = el('ul', { class: 'site-wearers', 'aria-label': `Wearers of ${g.gateway}` });
  for (const w of g.wearers) {
    const wl = worstLevel(open.filter((a) => a.wearer === w.id));
    const text = `${w.id} ${STATE_TEXT[w.state] ?? w.state}${w.score === null ? '' : ` · ${Math.round(w.score * 100)}%`}`;
    wearers.append(el('li', { class: `wearer${wl ? ` lvl-${wl}` : ''}${w.state === 'sensor_lost' ? ' lost' : ''}`, 'data-site-wearer': `${g.gateway}/${w.id}`, text }));
  }
  box.append(wearers);
  if (open.length) {
    const list = el('ul', { class: 'site-alerts', 'aria-label': `Open alerts of ${g.gateway}` });
    for (const a of open) list.append(el('li', { class: a.state === 'active' || a.state === 'acked' ? `lvl-${a.level}` : '', 'data-site-alert': a.id, text: `${fmtTime(a.raisedAt)} ${LEVEL[a.level] ? levelText(a.level) : ''} ${a.kind} — ${a.wearer}${a.station ? ` at ${a.station}` : ''} (${ALERT_STATE_TEXT[a.state] ?? a.state}${a.by ? ` by ${a.by}` : ''})` }));
    box.append(list);
  } else box.append(el('p', { class: 'empty', text: 'No open alerts.' }));
  return box;
}

function render(): void {
  const section = $('site-section');
  section.hidden = snapshot === null;
  if (!snapshot) return;
  $('site-title').textContent = `Site ${snapshot.site}`;
  $('site-broker').textContent = `${snapshot.connected ? '● connected to' : '⊘ not connected to'} ${snapshot.broker}`;
  $('site-broker').className = snapshot.connected ? '' : 'abnormal';
  const sorted = [...gateways.values()].sort((a, b) => a.gateway.localeCompare(b.gateway));
  $('site-gateways').replaceChildren(...sorted.map(card));
  $('site-empty').hidden = sorted.length > 0;
}

export function onSite(data: unknown): void {
  snapshot = data as SiteSnapshot | null;
  gateways.clear();
  for (const g of snapshot?.gateways ?? []) gateways.set(g.gateway, g);
  render();
}

export function onSiteGateway(data: unknown): void {
  const g = data as SiteGateway | null;
  if (!g || !snapshot) return;
  gateways.set(g.gateway, g);
  render();
}

export function onSiteHealth(data: unknown): void {
  const h = data as SiteHealth;
  if (!snapshot) return;
  snapshot.connected = h.connected;
  for (const s of h.gateways) {
    const g = gateways.get(s.gateway);
    if (g) Object.assign(g, { status: s.status, silent: s.silent, lastMessageAt: s.lastMessageAt });
  }
  render();
}
