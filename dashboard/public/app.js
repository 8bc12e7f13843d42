// Floor dashboard: live over Server-Sent Events. Every value from the gateway is rendered with
// textContent (never innerHTML), so names from the config cannot inject markup.
const STALE_MS = 12000;
const LEVEL_MARK = { 1: '▲', 2: '▲▲', 3: '■ STOP' };
const state = { snapshot: null, wearers: new Map(), alerts: new Map(), lastEvent: 0 };

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

function wearerLevel(w) {
  return w.activeAlerts.reduce((m, a) => Math.max(m, a.level), 0);
}

function wearerLine(w) {
  const lvl = wearerLevel(w);
  const lost = w.state === 'sensor_lost';
  const label = lost ? '⊘ sensor lost' : w.state;
  const alerts = w.activeAlerts.map((a) => `${LEVEL_MARK[a.level] ?? ''} ${a.kind}`).join(', ');
  const score = w.score === null ? '—' : `${Math.round(w.score * 100)}%`;
  const line = el('span', { class: `wearer${lvl ? ` lvl-${lvl}` : ''}${lost ? ' lost' : ''}`, 'data-wearer': w.id });
  line.append(el('span', { text: `${w.id} ` }), el('span', { class: 'state', text: label }), el('span', { text: ` · ${score}` }));
  if (alerts) line.append(el('span', { class: 'alert-kinds', text: ` · ${alerts}` }));
  return { line, lvl, lost };
}

function renderFloor() {
  const snap = state.snapshot;
  if (!snap) return;
  const floor = $('floor');
  const drivers = $('drivers');
  floor.replaceChildren();
  drivers.replaceChildren();
  const stations = [...snap.stations].sort((a, b) => a.y - b.y || a.x - b.x);
  for (const s of stations) {
    const box = el('div', { class: 'station', role: 'listitem', tabindex: '0', 'data-station': s.id });
    box.append(el('div', { class: `name${s.safetyCritical ? ' crit' : ''}`, text: s.name }));
    let worst = 0;
    for (const w of state.wearers.values()) {
      if (w.station !== s.id) continue;
      const { line, lvl, lost } = wearerLine(w);
      worst = Math.max(worst, lvl);
      if (lost) box.classList.add('lost');
      box.append(line);
    }
    if (worst) box.classList.add(`lvl-${worst}`);
    floor.append(box);
  }
  for (const w of state.wearers.values()) {
    if (w.role !== 'driver') continue;
    const { line, lvl, lost } = wearerLine(w);
    const li = el('li', { class: `driver${lvl ? ` lvl-${lvl}` : ''}${lost ? ' lost' : ''}`, tabindex: '0' }, line);
    drivers.append(li);
  }
}

function renderAlerts() {
  const body = $('alerts');
  body.replaceChildren();
  const stations = new Map((state.snapshot?.stations ?? []).map((s) => [s.id, s.name]));
  const list = [...state.alerts.values()].sort((a, b) => b.raisedAt - a.raisedAt).slice(0, 200);
  for (const a of list) {
    const tr = el('tr', { class: a.state, 'data-alert': a.id });
    tr.append(
      el('td', { text: new Date(a.raisedAt).toLocaleTimeString() }),
      el('td', { text: a.level ? `${LEVEL_MARK[a.level]} ${a.level}` : '—' }),
      el('td', { text: a.kind }),
      el('td', { text: a.wearer }),
      el('td', { text: a.station ? stations.get(a.station) ?? a.station : '—' }),
      el('td', { text: a.state }),
    );
    body.append(tr);
  }
}

function setLive(ok) {
  const live = $('live');
  live.className = `live ${ok ? 'ok' : 'stale'}`;
  live.textContent = ok ? '● live' : '○ stale — no data from the gateway';
}

function connect() {
  const es = new EventSource('/api/events');
  const touch = () => {
    state.lastEvent = Date.now();
    setLive(true);
  };
  es.addEventListener('snapshot', (ev) => {
    touch();
    const snap = JSON.parse(ev.data);
    state.snapshot = snap;
    $('site').textContent = snap.site;
    $('gateway').textContent = snap.gateway;
    state.wearers = new Map(snap.wearers.map((w) => [w.id, w]));
    state.alerts = new Map(snap.alerts.map((a) => [a.id, a]));
    renderFloor();
    renderAlerts();
  });
  es.addEventListener('wearer', (ev) => {
    touch();
    const w = JSON.parse(ev.data);
    state.wearers.set(w.id, w);
    renderFloor();
  });
  es.addEventListener('alert', (ev) => {
    touch();
    const a = JSON.parse(ev.data);
    const prev = state.alerts.get(a.id);
    if (!prev || prev.rev <= a.rev) state.alerts.set(a.id, a);
    renderAlerts();
  });
  es.addEventListener('device', touch);
  es.addEventListener('decision', touch);
  // comments (heartbeats) do not fire events; any message does
  es.onmessage = touch;
  es.onerror = () => setLive(false); // EventSource reconnects by itself
}

setInterval(() => {
  if (Date.now() - state.lastEvent > STALE_MS) setLive(false);
}, 1000);
connect();
