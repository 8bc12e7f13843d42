// The alert list: open alerts first, filterable by state, with acknowledge / shelve for signed-in
// supervisors and each alert's full history and audit trail (who, when, what).
import { openAction } from './action-dialog.ts';
import { getJson, post } from './api.ts';
import { $, el, fmtDateTime, fmtTime } from './dom.ts';
import { ALERT_STATE_TEXT, levelText } from './isa101.ts';
import { canWrite, model } from './model.ts';
import type { AlertDetailJson, AlertJson, CommandReplyJson } from './types.ts';

const MAX_ROWS = 200;
const STATE_ORDER: Record<string, number> = { active: 0, acked: 1, shelved: 2, cleared: 3 };
let filter = 'all';
let onSignedOut: () => void = () => undefined;

export function setupAlerts(signedOut: () => void): void {
  onSignedOut = signedOut;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#alert-filter button')) {
    b.addEventListener('click', () => {
      filter = b.dataset['filter'] ?? 'all';
      for (const o of document.querySelectorAll<HTMLButtonElement>('#alert-filter button')) o.setAttribute('aria-pressed', String(o === b));
      renderAlerts();
    });
  }
  $('history-close').addEventListener('click', () => $<HTMLDialogElement>('history-dialog').close());
}

function alertOrder(a: AlertJson, b: AlertJson): number {
  return (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) || b.raisedAt - a.raisedAt;
}

function stateText(a: AlertJson): string {
  const base = ALERT_STATE_TEXT[a.state] ?? a.state;
  if (a.state === 'shelved' && a.shelvedUntil) return `${base} until ${fmtTime(a.shelvedUntil)}`;
  return base;
}

function describe(a: AlertJson): string {
  const station = a.station ? model.stations.get(a.station)?.name ?? a.station : null;
  return `${levelText(a.level)} ${a.kind} — ${a.wearer}${station ? ` at ${station}` : ''}, raised ${fmtTime(a.raisedAt)}`;
}

function actions(a: AlertJson): HTMLElement {
  const cell = el('td', { class: 'actions' });
  const history = el('button', { type: 'button', class: 'small', 'data-action': 'history', 'aria-label': `History of alert ${a.kind} for ${a.wearer}`, text: 'History' });
  history.addEventListener('click', () => void openHistory(a.id));
  cell.append(history);
  if (!canWrite() || a.state === 'cleared') return cell;
  if (a.role === 'driver') {
    // the gateway refuses remote acks of in-cab alerts: only the driver's own ack proves they are awake
    cell.append(' ', el('span', { class: 'note', text: 'acknowledged in the cab' }));
    return cell;
  }
  const done = (reply: CommandReplyJson) => announce(`Alert ${a.kind} for ${a.wearer}: ${reply.result?.['state'] ?? 'done'}`);
  if (a.state === 'active') {
    const ack = el('button', { type: 'button', class: 'small', 'data-action': 'ack', 'aria-label': `Acknowledge alert ${a.kind} for ${a.wearer}`, text: 'Acknowledge' });
    ack.addEventListener('click', () =>
      openAction({
        title: 'Acknowledge alert',
        what: describe(a),
        submitLabel: 'Acknowledge',
        submit: (note) => post<CommandReplyJson>(`/api/alerts/${encodeURIComponent(a.id)}/ack`, note === undefined ? {} : { note }),
        done,
        signedOut: onSignedOut,
      }),
    );
    cell.append(' ', ack);
  }
  if (a.state === 'active' || a.state === 'acked') {
    const shelve = el('button', { type: 'button', class: 'small', 'data-action': 'shelve', 'aria-label': `Shelve alert ${a.kind} for ${a.wearer}`, text: 'Shelve' });
    shelve.addEventListener('click', () =>
      openAction({
        title: 'Shelve alert',
        what: describe(a),
        submitLabel: 'Shelve',
        withDuration: true,
        submit: (note, forS) => post<CommandReplyJson>(`/api/alerts/${encodeURIComponent(a.id)}/shelve`, { forS, ...(note === undefined ? {} : { note }) }),
        done,
        signedOut: onSignedOut,
      }),
    );
    cell.append(' ', shelve);
  }
  return cell;
}

export function announce(text: string): void {
  $('announce').textContent = text;
}

export function renderAlerts(): void {
  const all = [...model.alerts.values()].sort(alertOrder);
  const counts: Record<string, number> = { all: all.length, active: 0, acked: 0, shelved: 0, cleared: 0 };
  for (const a of all) counts[a.state] = (counts[a.state] ?? 0) + 1;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#alert-filter button')) {
    const f = b.dataset['filter'] ?? 'all';
    b.querySelector('.count')!.textContent = String(counts[f] ?? 0);
  }
  const list = all.filter((a) => filter === 'all' || a.state === filter).slice(0, MAX_ROWS);
  const rows = list.map((a) => {
    const lvl = a.state === 'active' || a.state === 'acked' ? a.level : 0;
    return el(
      'tr',
      { class: `${a.state}${lvl ? ` lvl-${lvl}` : ''}`, 'data-alert': a.id, tabindex: '0' },
      el('td', { text: fmtTime(a.raisedAt) }),
      el('td', { text: levelText(a.level) }),
      el('td', { text: a.kind }),
      el('td', { text: a.wearer }),
      el('td', { text: a.station ? model.stations.get(a.station)?.name ?? a.station : '—' }),
      el('td', { class: 'astate', text: stateText(a) }),
      el('td', { class: 'by', text: a.by ?? '' }),
      actions(a),
    );
  });
  $('alerts').replaceChildren(...rows);
  $('no-alerts').hidden = rows.length > 0;
  const open = counts['active'] ?? 0;
  $('summary').textContent = `${open} active alert${open === 1 ? '' : 's'} · ${model.wearers.size} wearers`;
}

async function openHistory(id: string): Promise<void> {
  const dialog = $<HTMLDialogElement>('history-dialog');
  $('history-title').textContent = 'Alert history';
  $('history-what').textContent = '';
  $('history-steps').replaceChildren();
  $('history-audit').replaceChildren();
  dialog.showModal();
  try {
    const d = await getJson<AlertDetailJson>(`/api/alerts/${encodeURIComponent(id)}`);
    $('history-what').textContent = describe(d.alert);
    $('history-steps').replaceChildren(
      ...d.history.map((s) => el('tr', {}, el('td', { text: fmtDateTime(s.at) }), el('td', { text: `rev ${s.rev}` }), el('td', { text: levelText(s.level) }), el('td', { text: ALERT_STATE_TEXT[s.state] ?? s.state }), el('td', { text: s.by ?? '' }))),
    );
    $('history-audit').replaceChildren(
      ...d.audit.map((e) =>
        el(
          'tr',
          { 'data-audit': e.action },
          el('td', { text: fmtDateTime(e.at) }),
          el('td', { class: 'who', text: `${e.actor}${e.role ? ` (${e.role})` : ''}${e.via ? ` via ${e.via}` : ''}` }),
          el('td', { text: e.action }),
          el('td', { class: 'note', text: e.note ?? '' }),
          el('td', { text: e.ok === false ? `refused ${e.code ?? ''}` : 'done' }),
        ),
      ),
    );
    $('history-empty').hidden = d.audit.length > 0;
  } catch (err) {
    $('history-what').textContent = `Could not load the history: ${(err as Error).message}`;
  }
}
