// The floor map: stations placed by their x,y from the config, each wearer's state on them;
// drivers and wearers without a station in a list below.
import { $, el } from './dom.ts';
import { LEVEL, STATE_TEXT, worstLevel } from './isa101.ts';
import { model } from './model.ts';
import type { WearerViewJson } from './types.ts';

const wearerEls = new Map<string, HTMLButtonElement>();
const stationEls = new Map<string, HTMLElement>();
let openWearer: (id: string) => void = () => undefined;

export function onWearerOpen(fn: (id: string) => void): void {
  openWearer = fn;
}

export function fillWearer(b: HTMLElement, w: WearerViewJson): void {
  const lvl = worstLevel(w.activeAlerts);
  const lost = w.state === 'sensor_lost';
  b.className = `wearer${lvl ? ` lvl-${lvl}` : ''}${lost ? ' lost' : ''}`;
  b.dataset['state'] = w.state;
  b.dataset['level'] = String(lvl);
  const score = w.score === null ? '' : ` · ${Math.round(w.score * 100)}%`;
  const parts: Node[] = [el('span', { class: 'wid', text: w.id }), el('span', { class: 'state', text: ` ${STATE_TEXT[w.state] ?? w.state}` }), el('span', { class: 'score', text: score })];
  const open = w.activeAlerts.filter((a) => a.state !== 'cleared');
  if (open.length) {
    const text = open.map((a) => `${LEVEL[a.level]?.mark ?? ''} ${a.kind}${a.state === 'active' ? '' : ` (${a.state})`}`).join(', ');
    parts.push(el('span', { class: 'alert-kinds', text: ` · ${text}` }));
  }
  b.replaceChildren(...parts);
}

function updateStation(stationId: string): void {
  const box = stationEls.get(stationId);
  if (!box) return;
  let worst = 0;
  let lost = false;
  for (const w of model.wearers.values()) {
    if (w.station !== stationId) continue;
    worst = Math.max(worst, worstLevel(w.activeAlerts));
    lost ||= w.state === 'sensor_lost';
  }
  box.classList.remove('lvl-1', 'lvl-2', 'lvl-3');
  if (worst) box.classList.add(`lvl-${worst}`);
  box.classList.toggle('lost', lost);
  const name = model.stations.get(stationId)?.name ?? stationId;
  box.setAttribute('aria-label', `${name}${worst ? `, alert ${LEVEL[worst]!.word}` : ''}${lost ? ', sensor lost' : ''}`);
}

/** Distinct coordinates in order: positions become grid lines, so the layout keeps the floor's order without overlaps. */
function ranks(values: number[]): Map<number, number> {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  return new Map(sorted.map((v, i) => [v, i + 1]));
}

function wearerButton(w: WearerViewJson): HTMLButtonElement {
  const b = el('button', { type: 'button', 'data-wearer': w.id, 'aria-haspopup': 'dialog', title: `Details of ${w.id}` });
  b.addEventListener('click', () => openWearer(w.id));
  fillWearer(b, w);
  wearerEls.set(w.id, b);
  return b;
}

export function buildFloor(): void {
  const snap = model.snapshot;
  if (!snap) return;
  const floor = $('floor');
  const mobile = $('mobile');
  wearerEls.clear();
  stationEls.clear();
  const cols = ranks(snap.stations.map((s) => s.x));
  const rows = ranks(snap.stations.map((s) => s.y));
  const cells = new Map<string, HTMLElement>();
  for (const s of snap.stations) {
    const key = `${s.x},${s.y}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = el('div', { class: 'cell', role: 'presentation' });
      // CSSOM property writes are allowed under style-src 'self' (only style attributes are not)
      cell.style.gridColumnStart = String(cols.get(s.x));
      cell.style.gridRowStart = String(rows.get(s.y));
      cells.set(key, cell);
    }
    const box = el('article', { class: 'station', role: 'listitem', tabindex: '0', 'data-station': s.id });
    const title = el('h3', { class: 'name', text: s.name });
    if (s.safetyCritical) title.append(el('span', { class: 'crit', text: ' ◆ safety-critical' }));
    box.append(title, el('ul', { class: 'wearers', 'aria-label': `Wearers at ${s.name}` }));
    cell.append(box);
    stationEls.set(s.id, box);
  }
  floor.replaceChildren(...cells.values());
  mobile.replaceChildren();
  for (const w of model.wearers.values()) {
    const li = el('li', {}, wearerButton(w));
    const box = w.station ? stationEls.get(w.station) : undefined;
    if (box) box.querySelector('ul')!.append(li);
    else mobile.append(li);
  }
  for (const id of stationEls.keys()) updateStation(id);
  const noMobile = mobile.childElementCount === 0;
  mobile.hidden = noMobile;
  $('mobile-title').hidden = noMobile;
}

/** Redraws the wearers marked dirty and their stations. */
export function renderDirtyWearers(): void {
  const stations = new Set<string>();
  for (const id of model.dirtyWearers) {
    const w = model.wearers.get(id);
    const b = wearerEls.get(id);
    if (!w || !b) continue;
    fillWearer(b, w);
    if (w.station) stations.add(w.station);
  }
  model.dirtyWearers.clear();
  for (const s of stations) updateStation(s);
}
