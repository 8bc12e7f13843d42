// Scheduling decisions (pending / accepted / rejected / expired) with their reason and inputs,
// accept / reject for signed-in supervisors, and the effect evaluation per kind and station.
import { openAction } from './action-dialog.ts';
import { announce } from './alerts-view.ts';
import { getJson, post } from './api.ts';
import { $, el, fmtScalar, fmtTime } from './dom.ts';
import { canWrite, model } from './model.ts';
import type { CommandReplyJson, DecisionJson, EffectsJson } from './types.ts';

const STATE_TEXT: Record<string, string> = { pending: '● pending', accepted: '✓ accepted', rejected: '✕ rejected', expired: '○ expired' };
const ORDER: Record<string, number> = { pending: 0, accepted: 1, rejected: 1, expired: 2 };
let onSignedOut: () => void = () => undefined;

export function setupDecisions(signedOut: () => void): void {
  onSignedOut = signedOut;
}

function inputsText(inputs: Record<string, unknown>): string {
  return Object.entries(inputs)
    .map(([k, v]) => `${k} = ${fmtScalar(v)}`)
    .join('; ');
}

function describe(d: DecisionJson): string {
  return `${d.kind} for ${d.targets.join(', ') || '—'}: ${d.reason}`;
}

function actions(d: DecisionJson): HTMLElement {
  const cell = el('td', { class: 'actions' });
  if (!canWrite() || d.state !== 'pending') return cell;
  for (const action of ['accept', 'reject'] as const) {
    const label = action === 'accept' ? 'Accept' : 'Reject';
    const b = el('button', { type: 'button', class: 'small', 'data-action': action, 'aria-label': `${label} decision ${d.kind} for ${d.targets.join(', ')}`, text: label });
    b.addEventListener('click', () =>
      openAction({
        title: `${label} decision`,
        what: describe(d),
        submitLabel: label,
        submit: (note) => post<CommandReplyJson>(`/api/decisions/${encodeURIComponent(d.id)}/${action}`, note === undefined ? {} : { note }),
        done: (reply) => announce(`Decision ${d.kind}: ${reply.result?.['state'] ?? 'done'}`),
        signedOut: onSignedOut,
      }),
    );
    cell.append(b, ' ');
  }
  return cell;
}

export function renderDecisions(): void {
  const list = [...model.decisions.values()].sort((a, b) => (ORDER[a.state] ?? 9) - (ORDER[b.state] ?? 9) || (b.createdAt ?? 0) - (a.createdAt ?? 0)).slice(0, 100);
  $('decisions').replaceChildren(
    ...list.map((d) =>
      el(
        'tr',
        { class: d.state, 'data-decision': d.id, tabindex: '0' },
        el('td', { text: fmtTime(d.createdAt) }),
        el('td', { text: d.kind }),
        el('td', { text: d.targets.join(', ') || '—' }),
        el('td', { text: d.station ? model.stations.get(d.station)?.name ?? d.station : '—' }),
        el('td', { class: 'reason', text: d.reason }),
        el('td', { class: 'inputs', text: inputsText(d.inputs) }),
        el('td', { text: fmtTime(d.validUntil) }),
        el('td', { class: 'dstate', text: `${STATE_TEXT[d.state] ?? d.state}${d.decidedBy ? ` by ${d.decidedBy}` : ''}` }),
        actions(d),
      ),
    ),
  );
  $('no-decisions').hidden = list.length > 0;
}

const MEASURE_LABELS: Record<string, string> = {
  recorded: 'recorded',
  meanDeltaScore: 'Δ score',
  meanDeltaPerclos: 'Δ PERCLOS',
  meanScoreBefore: 'score before',
  meanScoreAfter: 'score after',
  meanPerclosBefore: 'PERCLOS before',
  meanPerclosAfter: 'PERCLOS after',
};

export async function refreshEffects(): Promise<void> {
  let e: EffectsJson;
  try {
    e = await getJson<EffectsJson>('/api/effects');
  } catch {
    return;
  }
  const section = $('effects-section');
  section.hidden = !e.available;
  if (!e.available) return;
  // the evaluator decides which measures it gives: show every numeric one, known ones first
  const measures = new Set<string>();
  for (const r of e.rows) for (const [k, v] of Object.entries(r)) if (k !== 'kind' && k !== 'station' && k !== 'n' && (typeof v === 'number' || v === null)) measures.add(k);
  const known = Object.keys(MEASURE_LABELS);
  const rank = (k: string) => (known.includes(k) ? known.indexOf(k) : known.length);
  const cols = [...measures].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  $('effects-head').replaceChildren(
    el('tr', {}, el('th', { scope: 'col', text: 'Kind' }), el('th', { scope: 'col', text: 'Station' }), el('th', { scope: 'col', text: 'n' }), ...cols.map((c) => el('th', { scope: 'col', text: MEASURE_LABELS[c] ?? c }))),
  );
  $('effects').replaceChildren(
    ...e.rows.map((r) =>
      el(
        'tr',
        { 'data-effect': `${r.kind}@${r.station ?? ''}` },
        el('td', { text: r.kind }),
        el('td', { text: r.station ? model.stations.get(r.station)?.name ?? r.station : 'all' }),
        el('td', { text: String(r.n) }),
        ...cols.map((c) => el('td', { text: fmtScalar((r as Record<string, unknown>)[c]) })),
      ),
    ),
  );
  $('no-effects').hidden = e.rows.length > 0;
}
