// The live connection: Server-Sent Events with the browser's own reconnect, and a visible
// live / stale indicator (stale after 5 s without any event; the server sends a heartbeat).
import { $ } from './dom.ts';

const STALE_MS = 5000;
let lastEvent = 0;

export type Handlers = Record<string, (data: unknown) => void>;

function setLive(ok: boolean, why = ''): void {
  const live = $('live');
  live.className = `live ${ok ? 'ok' : 'stale'}`;
  live.textContent = ok ? '● Live' : `○ Stale — ${why}`;
  document.body.classList.toggle('is-stale', !ok);
}

function touch(): void {
  lastEvent = Date.now();
  if (!$('live').classList.contains('ok')) setLive(true);
}

export function connect(handlers: Handlers, onReconnect: () => void): void {
  const es = new EventSource('/api/events');
  for (const [name, fn] of Object.entries(handlers)) {
    es.addEventListener(name, (ev) => {
      touch();
      fn(JSON.parse((ev as MessageEvent<string>).data));
    });
  }
  es.addEventListener('heartbeat', touch);
  es.addEventListener('open', onReconnect);
  es.onerror = () => {
    setLive(false, 'connection lost, reconnecting…');
    // EventSource retries by itself unless the server refused it outright
    if (es.readyState === EventSource.CLOSED) window.setTimeout(() => connect(handlers, onReconnect), 3000);
  };
}

export function watchStale(): void {
  window.setInterval(() => {
    const quiet = Date.now() - lastEvent;
    if (lastEvent && quiet > STALE_MS) setLive(false, `no update for ${Math.round(quiet / 1000)} s`);
  }, 1000);
}
