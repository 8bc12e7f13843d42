// Floor dashboard, live over Server-Sent Events. Every value from the gateway is rendered with
// textContent (never innerHTML), so names from the config cannot inject markup. Updates are
// applied per wearer and drawn once per animation frame, so 200 wearers at 2 Hz stay cheap.
const STALE_MS = 5000;
const MAX_ALERT_ROWS = 200;
// Alarm priority shown as shape + word + colour (ISA-101: colour never carries meaning alone).
const LEVEL = { 1: { mark: '◆', word: 'low' }, 2: { mark: '▲', word: 'medium' }, 3: { mark: '■', word: 'high' } };
const STATE_ORDER = { active: 0, acked: 1, shelved: 2, cleared: 3 };
const STATE_TEXT = { unknown: '— no estimate yet', sensor_lost: '⊘ sensor lost' };

const ui = {
  snapshot: null,
  wearers: new Map(),
  alerts: new Map(),
  stationNames: new Map(),
  wearerEls: new Map(),
  stationEls: new Map(),
  lastEvent: 0,
  dirty: new Set(),
  alertsDirty: false,
  devices: new Map(),
  devicesDirty: false,
  frame: 0,
};

const DEVICE_STATE_TEXT = { connected: 'connected', connecting: '… connecting', sensor_lost: '⊘ sensor lost', disconnected: '⊘ disconnected', error: '✕ error' };

function renderDevices() {
  const rows = [...ui.devices.values()]
    .sort((a, b) => a.device.localeCompare(b.device))
    .map((d) => {
      const abnormal = d.state !== 'connected';
      const lowBattery = d.battery !== null && d.battery < 20;
      return el(
        'tr',
        { class: abnormal ? 'abnormal' : '', 'data-device': d.device },
        el('td', { text: `${d.device} (${d.kind})` }),
        el('td', { text: d.wearer }),
        el('td', { text: DEVICE_STATE_TEXT[d.state] ?? d.state, title: d.detail ?? '' }),
        el('td', { text: d.battery === null ? '—' : `${lowBattery ? '▲ ' : ''}${Math.round(d.battery)} %` }),
        el('td', { text: `${d.rateHz} Hz` }),
        el('td', { text: `${Math.round(d.validity * 100)} %` }),
      );
    });
  $('devices').replaceChildren(...rows);
}

const $ = (id) => document.getElementById(id);
function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

/** Highest level among the wearer's alerts that still call for attention (shelved ones do not). */
function worstLevel(w) {
  let lvl = 0;
  for (const a of w.activeAlerts) if (a.state === 'active' || a.state === 'acked') lvl = Math.max(lvl, a.level);
  return lvl;
}

function levelText(level) {
  const l = LEVEL[level];
  return l ? `${l.mark} ${l.word}` : '—';
}

function fillWearer(li, w) {
  const lvl = worstLevel(w);
  const lost = w.state === 'sensor_lost';
  li.className = `wearer${lvl ? ` lvl-${lvl}` : ''}${lost ? ' lost' : ''}`;
  li.dataset.state = w.state;
  li.dataset.level = String(lvl);
  const score = w.score === null ? '' : ` · ${Math.round(w.score * 100)}%`;
  const parts = [el('span', { class: 'wid', text: w.id }), el('span', { class: 'state', text: ` ${STATE_TEXT[w.state] ?? w.state}` }), el('span', { class: 'score', text: score })];
  const open = w.activeAlerts.filter((a) => a.state !== 'cleared');
  if (open.length) {
    const text = open.map((a) => `${LEVEL[a.level]?.mark ?? ''} ${a.kind}${a.state === 'active' ? '' : ` (${a.state})`}`).join(', ');
    parts.push(el('span', { class: 'alert-kinds', text: ` · ${text}` }));
  }
  li.replaceChildren(...parts);
}

function updateStation(stationId) {
  const box = ui.stationEls.get(stationId);
  if (!box) return;
  let worst = 0;
  let lost = false;
  for (const w of ui.wearers.values()) {
    if (w.station !== stationId) continue;
    worst = Math.max(worst, worstLevel(w));
    lost ||= w.state === 'sensor_lost';
  }
  box.classList.remove('lvl-1', 'lvl-2', 'lvl-3');
  if (worst) box.classList.add(`lvl-${worst}`);
  box.classList.toggle('lost', lost);
  const name = ui.stationNames.get(stationId) ?? stationId;
  box.setAttribute('aria-label', `${name}${worst ? `, alert ${LEVEL[worst].word}` : ''}${lost ? ', sensor lost' : ''}`);
}

/** Distinct coordinates in order: positions become grid lines, so the layout keeps the floor's order without overlaps. */
function ranks(values) {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  return new Map(sorted.map((v, i) => [v, i + 1]));
}

function buildFloor() {
  const snap = ui.snapshot;
  const floor = $('floor');
  const mobile = $('mobile');
  ui.wearerEls.clear();
  ui.stationEls.clear();
  ui.stationNames = new Map(snap.stations.map((s) => [s.id, s.name]));
  const cols = ranks(snap.stations.map((s) => s.x));
  const rows = ranks(snap.stations.map((s) => s.y));
  const cells = new Map();
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
    ui.stationEls.set(s.id, box);
  }
  floor.replaceChildren(...cells.values());
  mobile.replaceChildren();
  for (const w of ui.wearers.values()) {
    const li = el('li', { tabindex: '0', 'data-wearer': w.id });
    fillWearer(li, w);
    ui.wearerEls.set(w.id, li);
    const box = w.station ? ui.stationEls.get(w.station) : undefined;
    if (box) box.querySelector('ul').append(li);
    else mobile.append(li);
  }
  for (const id of ui.stationEls.keys()) updateStation(id);
  const noMobile = mobile.childElementCount === 0;
  mobile.hidden = noMobile;
  $('mobile-title').hidden = noMobile;
}

function alertOrder(a, b) {
  return (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) || b.raisedAt - a.raisedAt;
}

function renderAlerts() {
  const list = [...ui.alerts.values()].sort(alertOrder).slice(0, MAX_ALERT_ROWS);
  const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const rows = list.map((a) => {
    const lvl = a.state === 'active' || a.state === 'acked' ? a.level : 0;
    return el(
      'tr',
      { class: `${a.state}${lvl ? ` lvl-${lvl}` : ''}`, 'data-alert': a.id, tabindex: '0' },
      el('td', { text: timeFmt.format(new Date(a.raisedAt)) }),
      el('td', { text: levelText(a.level) }),
      el('td', { text: a.kind }),
      el('td', { text: a.wearer }),
      el('td', { text: a.station ? ui.stationNames.get(a.station) ?? a.station : '—' }),
      el('td', { class: 'astate', text: a.state }),
    );
  });
  $('alerts').replaceChildren(...rows);
  $('no-alerts').hidden = rows.length > 0;
  const open = list.filter((a) => a.state === 'active').length;
  $('summary').textContent = `${open} active alert${open === 1 ? '' : 's'} · ${ui.wearers.size} wearers`;
}

function render() {
  ui.frame = 0;
  const stations = new Set();
  for (const id of ui.dirty) {
    const w = ui.wearers.get(id);
    const li = ui.wearerEls.get(id);
    if (!w || !li) continue;
    fillWearer(li, w);
    if (w.station) stations.add(w.station);
  }
  ui.dirty.clear();
  for (const s of stations) updateStation(s);
  if (ui.alertsDirty) renderAlerts();
  ui.alertsDirty = false;
  if (ui.devicesDirty) renderDevices();
  ui.devicesDirty = false;
}

function schedule() {
  if (!ui.frame) ui.frame = requestAnimationFrame(render);
}

function setLive(ok, why) {
  const live = $('live');
  live.className = `live ${ok ? 'ok' : 'stale'}`;
  live.textContent = ok ? '● Live' : `○ Stale — ${why}`;
  document.body.classList.toggle('is-stale', !ok);
}

function touch() {
  ui.lastEvent = Date.now();
  if (!$('live').classList.contains('ok')) setLive(true);
}

function onSnapshot(ev) {
  touch();
  const snap = JSON.parse(ev.data);
  ui.snapshot = snap;
  $('site').textContent = snap.site;
  $('gateway').textContent = snap.gateway;
  ui.wearers = new Map(snap.wearers.map((w) => [w.id, w]));
  ui.alerts = new Map(snap.alerts.map((a) => [a.id, a]));
  ui.dirty.clear();
  ui.devices = new Map((snap.devices ?? []).map((d) => [d.device, d]));
  buildFloor();
  renderAlerts();
  renderDevices();
}

function connect() {
  const es = new EventSource('/api/events');
  es.addEventListener('snapshot', onSnapshot);
  es.addEventListener('wearer', (ev) => {
    touch();
    const w = JSON.parse(ev.data);
    if (!ui.wearers.has(w.id)) return; // not in this snapshot's layout
    ui.wearers.set(w.id, w);
    ui.dirty.add(w.id);
    schedule();
  });
  es.addEventListener('alert', (ev) => {
    touch();
    const a = JSON.parse(ev.data);
    const prev = ui.alerts.get(a.id);
    if (prev && prev.rev > a.rev) return; // a late, older revision
    ui.alerts.set(a.id, a);
    // the wearer's own update is coalesced on the server: mark the alert on the map right away
    const w = ui.wearers.get(a.wearer);
    if (w) {
      const others = w.activeAlerts.filter((x) => x.id !== a.id);
      const activeAlerts = a.state === 'cleared' ? others : [...others, { id: a.id, kind: a.kind, level: a.level, state: a.state }];
      ui.wearers.set(w.id, { ...w, activeAlerts });
      ui.dirty.add(w.id);
    }
    ui.alertsDirty = true;
    schedule();
  });
  es.addEventListener('device', (ev) => {
    touch();
    const d = JSON.parse(ev.data);
    ui.devices.set(d.device, d);
    ui.devicesDirty = true;
    schedule();
  });
  for (const name of ['decision', 'heartbeat']) es.addEventListener(name, touch);
  es.onerror = () => {
    setLive(false, 'connection lost, reconnecting…');
    // EventSource retries by itself unless the server refused it outright
    if (es.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
  };
}

setInterval(() => {
  const quiet = Date.now() - ui.lastEvent;
  if (ui.lastEvent && quiet > STALE_MS) setLive(false, `no update for ${Math.round(quiet / 1000)} s`);
}, 1000);
connect();
