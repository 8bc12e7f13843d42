// Wearer detail: the latest estimate and features, the wearer's devices (battery, skin contact),
// and the last 15 minutes of attention score, PERCLOS, blinks, heart rate and HRV (uPlot).
// Raw gaze only where the gateway's config allows it (dashboard.allowRawGaze).
import uPlot from 'uplot';
import { getJson } from './api.ts';
import { $, el, fmtNum, fmtTime } from './dom.ts';
import { deviceRow } from './health-view.ts';
import { STATE_TEXT } from './isa101.ts';
import { model } from './model.ts';
import type { HistoryJson, WearerDetailJson } from './types.ts';

const REFRESH_MS = 2000;
let openId: string | null = null;
let timer = 0;
let charts: uPlot[] = [];
let gazeChart: uPlot | null = null;

export function setupWearerDetail(): void {
  const dialog = $<HTMLDialogElement>('wearer-dialog');
  $('wearer-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    openId = null;
    window.clearInterval(timer);
    for (const c of charts) c.destroy();
    charts = [];
    gazeChart?.destroy();
    gazeChart = null;
  });
}

export async function openWearer(id: string): Promise<void> {
  const dialog = $<HTMLDialogElement>('wearer-dialog');
  openId = id;
  $('wearer-title').textContent = `Wearer ${id}`;
  $('wearer-facts').replaceChildren();
  $('wearer-devices').replaceChildren();
  $('wearer-charts').replaceChildren();
  $('wearer-gaze-section').hidden = true;
  if (!dialog.open) dialog.showModal();
  await refresh(id, true);
  window.clearInterval(timer);
  timer = window.setInterval(() => {
    if (openId === id) void refresh(id, false);
  }, REFRESH_MS);
}

function fact(term: string, value: string): HTMLElement[] {
  return [el('dt', { text: term }), el('dd', { text: value })];
}

async function refresh(id: string, first: boolean): Promise<void> {
  let detail: WearerDetailJson;
  let history: HistoryJson | null = null;
  try {
    [detail, history] = await Promise.all([getJson<WearerDetailJson>(`/api/wearers/${encodeURIComponent(id)}`), getJson<HistoryJson>(`/api/wearers/${encodeURIComponent(id)}/history`).catch(() => null)]);
  } catch (err) {
    $('wearer-facts').replaceChildren(...fact('Error', (err as Error).message));
    return;
  }
  if (openId !== id) return;
  const w = detail.wearer;
  const last = history && history.t.length ? history.t.length - 1 : -1;
  const latest = (s: string) => (last >= 0 ? history!.series[s]?.[last] ?? null : null);
  $('wearer-facts').replaceChildren(
    ...fact('Role', w.role),
    ...fact('Station', w.station ? model.stations.get(w.station)?.name ?? w.station : '—'),
    ...fact('State', STATE_TEXT[w.state] ?? w.state),
    ...fact('Attention score', w.score === null ? '—' : `${Math.round(w.score * 100)} %`),
    ...fact('Data quality', `${Math.round(w.quality * 100)} %`),
    ...fact('PERCLOS', fmtNum(latest('perclos') === null ? null : latest('perclos')! * 100, 0, '%')),
    ...fact('Blinks', fmtNum(latest('blink_rate_per_min'), 0, '/min')),
    ...fact('Heart rate', fmtNum(latest('hr_bpm'), 0, 'bpm')),
    ...fact('HRV (RMSSD)', fmtNum(latest('rmssd_ms'), 0, 'ms')),
    ...fact('Updated', fmtTime(w.updatedAt)),
  );
  $('wearer-devices').replaceChildren(...detail.devices.map(deviceRow));
  $('wearer-no-devices').hidden = detail.devices.length > 0;
  if (history) drawCharts(history, first);
  if (detail.rawGazeAllowed) void drawGaze(id);
}

type Series = { key: string; label: string; dash?: number[]; scale?: string; unit: string; factor?: number };
const CHARTS: { title: string; series: Series[]; scales?: uPlot.Scales }[] = [
  {
    title: 'Attention score and PERCLOS (%)',
    series: [
      { key: 'score', label: 'score', unit: '%', factor: 100 },
      { key: 'perclos', label: 'PERCLOS', dash: [6, 4], unit: '%', factor: 100 },
    ],
    scales: { y: { range: [0, 100] } },
  },
  { title: 'Blinks per minute', series: [{ key: 'blink_rate_per_min', label: 'blinks', unit: '/min' }] },
  {
    title: 'Heart rate (bpm) and HRV RMSSD (ms)',
    series: [
      { key: 'hr_bpm', label: 'heart rate', unit: 'bpm' },
      { key: 'rmssd_ms', label: 'RMSSD', dash: [6, 4], unit: 'ms', scale: 'ms' },
    ],
  },
];

function chartData(h: HistoryJson, series: Series[]): uPlot.AlignedData {
  const x = h.t.map((t) => t / 1000);
  return [x, ...series.map((s) => (h.series[s.key] ?? []).map((v) => (v === null ? null : v * (s.factor ?? 1))))];
}

function drawCharts(h: HistoryJson, first: boolean): void {
  const box = $('wearer-charts');
  const width = Math.max(320, Math.min(760, box.clientWidth || 720));
  if (!first && charts.length === CHARTS.length) {
    CHARTS.forEach((c, i) => charts[i]!.setData(chartData(h, c.series)));
    return;
  }
  for (const c of charts) c.destroy();
  charts = [];
  box.replaceChildren();
  for (const c of CHARTS) {
    const fig = el('figure', { class: 'chart' }, el('figcaption', { text: c.title }));
    box.append(fig);
    const hasMs = c.series.some((s) => s.scale === 'ms');
    const opts: uPlot.Options = {
      width,
      height: 150,
      // grey for everything (ISA-101: a chart of normal values is not an alarm); dashes tell series apart
      series: [{}, ...c.series.map((s) => ({ label: s.label, stroke: s.dash ? '#555' : '#111', width: 2, ...(s.dash ? { dash: s.dash } : {}), ...(s.scale ? { scale: s.scale } : {}), value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v.toFixed(0)} ${s.unit}`) }))],
      scales: { x: { time: true }, ...(c.scales ?? {}) },
      axes: [{ stroke: '#111' }, { stroke: '#111' }, ...(hasMs ? [{ scale: 'ms', side: 1 as const, stroke: '#111', grid: { show: false } }] : [])],
      legend: { live: true },
    };
    charts.push(new uPlot(opts, chartData(h, c.series), fig));
  }
  box.setAttribute('aria-label', `Last ${Math.round((h.t.length * h.periodMs) / 60000)} minutes; the latest values are listed above`);
}

async function drawGaze(id: string): Promise<void> {
  let g: { t: number[]; x: number[]; y: number[]; units: string };
  try {
    g = await getJson(`/api/wearers/${encodeURIComponent(id)}/gaze`);
  } catch {
    return;
  }
  if (openId !== id) return;
  const section = $('wearer-gaze-section');
  section.hidden = false;
  const order = g.x.map((_, i) => i).sort((a, b) => g.x[a]! - g.x[b]!);
  const data: uPlot.AlignedData = [order.map((i) => g.x[i]!), order.map((i) => g.y[i]!)];
  if (gazeChart) {
    gazeChart.setData(data);
    return;
  }
  const fig = $('wearer-gaze');
  fig.replaceChildren(el('figcaption', { text: `Raw gaze, last ${g.t.length} samples (${g.units})` }));
  gazeChart = new uPlot(
    {
      width: 320,
      height: 240,
      mode: 1,
      series: [{}, { label: 'gaze', stroke: '#111', width: 0, points: { show: true, size: 4, fill: '#111' } }],
      scales: { x: { time: false } },
      legend: { show: false },
    },
    data,
    fig,
  );
}
