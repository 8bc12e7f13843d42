// DOM construction for the dashboard. Every value from the gateway becomes a text node
// (textContent / append(string)), never markup: names from the config, notes and user names
// cannot inject HTML. There is deliberately no innerHTML anywhere in the UI.

export type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  text?: string;
  [attr: string]: string | undefined;
}

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
}

/** Creates an element; props become attributes (`text` the text content), children are appended as nodes or text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export function fmtTime(epochMs: number | null | undefined): string {
  return typeof epochMs === 'number' && Number.isFinite(epochMs) ? timeFmt.format(new Date(epochMs)) : '—';
}

export function fmtDateTime(epochMs: number | null | undefined): string {
  return typeof epochMs === 'number' && Number.isFinite(epochMs) ? dateTimeFmt.format(new Date(epochMs)) : '—';
}

/** "12 s ago", "3 min ago"; a dash when unknown. */
export function fmtAge(epochMs: number | null | undefined, now = Date.now()): string {
  if (typeof epochMs !== 'number' || !Number.isFinite(epochMs)) return '—';
  const s = Math.max(0, Math.round((now - epochMs) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** A number for display, or a dash when unknown (never 0 for missing data). */
export function fmtNum(v: unknown, digits = 0, unit = ''): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return `${v.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

export function fmtScalar(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3).replace(/\.?0+$/, '');
  return String(v);
}
