import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SerialEyeTrackerEmulator } from '../../firmware-bridge/emulators/serial-eye-tracker-emulator.ts';
import { fleetScenario, writeFleetScenario } from '../../bench/lib/fleet-scenario.ts';
import { PtyPair } from '../firmware-bridge/serial/pty-pair.fixture.ts';
import { AlertLedger, outboxPendingIds, storedAlertKeys } from '../helpers/alert-ledger.ts';
import { metricValue, spawnGateway, waitFor, writeConfig } from '../helpers/gateway-process.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { startConnectSpy } from '../helpers/mqtt-connect-spy.ts';
import { PlayingSerialDevice } from '../helpers/playing-serial-device.ts';

export interface SoakOptions {
  /** wall-clock length of the run */
  minutes: number;
  /** simulated wearers (operators and drivers alternating, bench/lib/fleet-scenario.ts) */
  wearers: number;
  /** the broker is restarted this often (SIGTERM and SIGKILL alternating), down for brokerDownS */
  brokerEveryS: number;
  brokerDownS: number;
  /** the serial eye tracker's socat PTY is killed this often, replugged after unplugS */
  unplugEveryS: number;
  unplugS: number;
  /** memory samples before this are warm-up, not fitted */
  warmupS: number;
  /**
   * the flat-memory bound, MB per minute: the linear-fit slope of the heap left after each major
   * GC after warm-up (the gateway runs with --trace-gc; heap used between GCs is mostly garbage).
   * With fewer than 3 major GCs after warm-up (short runs) the trend is not asserted, only
   * `maxRssMB`.
   */
  maxSlopeMBPerMin: number;
  /** the bound on the slope of RSS (least of each 10 s window after warm-up), MB per minute */
  maxRssSlopeMBPerMin: number;
  /** RSS must stay under this throughout, MB */
  maxRssMB: number;
  log?: (line: string) => void;
}

export const SOAK_DEFAULTS: Omit<SoakOptions, 'minutes'> = { wearers: 100, brokerEveryS: 180, brokerDownS: 5, unplugEveryS: 60, unplugS: 3, warmupS: 120, maxSlopeMBPerMin: 1, maxRssSlopeMBPerMin: 3, maxRssMB: 500 };

export interface SoakSummary {
  minutes: number;
  wearers: number;
  brokerRestarts: number;
  unplugs: number;
  /** replugs after which gaze from the serial tracker reached the pipeline again */
  reconnected: number;
  alerts: { raised: number; delivered: number; duplicates: number; pendingAtEnd: number; lost: string[]; outOfOrder: number };
  memory: { samples: number; trendAsserted: boolean; byMinute: { minute: number; rssMB: number; heapMB: number }[]; majorGcs: number; heapAfterGcStartMB: number; heapAfterGcEndMB: number; heapAfterGcSlopeMBPerMin: number; rssStartMB: number; rssEndMB: number; rssMaxMB: number; rssSlopeMBPerMin: number; heapStartMB: number; heapEndMB: number; heapSlopeMBPerMin: number; maxSlopeMBPerMin: number; maxRssSlopeMBPerMin: number; maxRssMB: number };
  outboxMaxDepth: number;
  /** size of afg-store.json at the end: alert episodes with their history are kept (up to store bounds) */
  storeFileMB: number;
  errors: Record<string, number>;
  exitCode: number | string;
  failures: string[];
}

/** Least-squares slope of y over x. */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : NaN;
}

const SERIAL_DEVICE = 'et-5e1a';
const BASE = 'afg/v1/plant-soak/gw-soak';
const MB = 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The soak (issue 10 §2): the real gateway process (`afg start`) with `wearers` simulated
 * wearers plus one serial eye tracker on a socat PTY, publishing to a real Mosquitto that is
 * restarted every `brokerEveryS` (SIGTERM and SIGKILL alternating); the PTY is killed and
 * recreated every `unplugEveryS`. A line system (QoS 1 subscriber) keeps every alert; the
 * gateway reaches the broker through a gate so that after each restart the subscriber is back
 * before the gateway (what the broker accepted while nobody listened would be the subscriber's
 * loss, not the gateway's). At the end: every alert revision the gateway's store recorded as
 * raised, less what is still pending in its outbox, must have arrived (de-duplicated by id and
 * revision), and RSS and heap used after warm-up (sampled every 2 s, the least of each 10 s
 * window) must have a linear-fit slope under `maxSlopeMBPerMin`.
 *
 * @example
 *   const s = await runSoak({ ...SOAK_DEFAULTS, minutes: 15, log: console.log });
 *   if (s.failures.length) process.exitCode = 1;
 */
export async function runSoak(o: SoakOptions): Promise<SoakSummary> {
  if (!(o.minutes > 0)) throw new RangeError('minutes must be > 0');
  if (!(o.brokerDownS > 0 && o.brokerEveryS > o.brokerDownS)) throw new RangeError('brokerEveryS must exceed brokerDownS > 0');
  if (!(o.unplugS > 0 && o.unplugEveryS > o.unplugS)) throw new RangeError('unplugEveryS must exceed unplugS > 0');
  if (!(o.warmupS >= 0 && o.warmupS < o.minutes * 60)) throw new RangeError('warmupS must be shorter than the run');
  const log = o.log ?? (() => undefined);
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-soak-'));
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const broker = await startMosquitto();
    stops.push(() => broker.stop());
    const gate = await startConnectSpy(broker.port);
    stops.push(() => gate.close());
    const ledger = await AlertLedger.connect(broker.url, `${BASE}/alerts`);
    stops.push(() => ledger.close());
    const pty = new PtyPair(mkdtempSync(path.join(tmpdir(), 'afg-soak-pty-')));
    await pty.plug();
    stops.push(() => pty.unplug());

    // the scenario's floor written out in the config, so that the serial tracker's wearer joins it
    const scenario = fleetScenario(o.wearers) as { stations: { id: string; name: string; x: number; y: number; safetyCritical: boolean }[]; wearers: { wearer: string; role: 'operator' | 'driver'; station?: string }[] };
    const dataDir = path.join(dir, 'data');
    const gw = spawnGateway({
      // every major GC prints the heap it left: the leak signal (heap used between GCs is mostly garbage)
      nodeArgs: ['--trace-gc', '--trace-gc-ignore-scavenger'],
      config: writeConfig(path.join(dir, 'plant.json'), {
        site: 'plant-soak',
        gateway: 'gw-soak',
        dataDir,
        logLevel: 'warn',
        dashboard: { port: 0 },
        mqtt: { url: gate.url, reconnectMinMs: 200, reconnectMaxMs: 2000 },
        simulation: { enabled: true, scenario: writeFleetScenario(path.join(dir, 'floor.json'), o.wearers), gazeRateHz: 120 },
        stations: scenario.stations,
        wearers: [
          ...scenario.wearers.map((w) => ({ id: w.wearer, role: w.role, ...(w.station !== undefined ? { station: w.station } : {}) })),
          { id: 'op-5e1a', role: 'operator', devices: [{ id: SERIAL_DEVICE, kind: 'serial-eye-tracker', transport: { type: 'serial', path: pty.gw }, geometry: { type: 'device' }, silenceTimeoutMs: 1000 }] },
        ],
      }),
    });
    stops.push(() => gw.kill());
    await gw.dashboardUrl;
    const dev = new PlayingSerialDevice(new SerialEyeTrackerEmulator({ deviceId: 'ET-5E1A', sampleRateHz: 120 }), performance.now());
    stops.push(() => dev.unplugged());
    await dev.plugIn(pty.dev);
    dev.play();
    const serialIn = async () => metricValue(await gw.metrics(), 'afg_samples_in_total', `device="${SERIAL_DEVICE}",kind="gaze"`);
    if (!(await waitFor(async () => (await gw.health())?.status === 'ready', 120_000, 250))) throw new Error(`the gateway did not get ready: ${gw.output().slice(-1500)}`);
    log(`soak: ${o.minutes} min, ${o.wearers} simulated wearers + 1 serial eye tracker (socat PTY), Mosquitto restarted every ${o.brokerEveryS} s (down ${o.brokerDownS} s), tracker unplugged every ${o.unplugEveryS} s (for ${o.unplugS} s)`);

    const start = performance.now();
    const elapsedS = () => (performance.now() - start) / 1000;
    const majorGcs: { t: number; afterMB: number }[] = [];
    gw.proc.stdout!.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/Mark-Compact [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/g)) majorGcs.push({ t: elapsedS(), afterMB: Number(m[1]) });
    });
    const endS = o.minutes * 60;
    const mem: { t: number; rss: number; heap: number }[] = [];
    let outboxMaxDepth = 0;
    let brokerRestarts = 0;
    let unplugs = 0;
    let reconnected = 0;
    const failures: string[] = [];

    const sampler = (async () => {
      while (elapsedS() < endS) {
        const m = await gw.metrics();
        const h = await gw.health();
        outboxMaxDepth = Math.max(outboxMaxDepth, h?.outboxDepth ?? 0);
        mem.push({ t: elapsedS(), rss: gw.rssBytes() / MB, heap: metricValue(m, 'afg_process_nodejs_heap_size_used_bytes') / MB });
        await sleep(2000);
      }
    })();
    const brokerChurn = (async () => {
      let next = o.brokerEveryS;
      while (next + o.brokerDownS < endS) {
        while (elapsedS() < next) await sleep(100);
        gate.gate(false);
        if (brokerRestarts % 2) await broker.kill();
        else await broker.stop();
        await sleep(o.brokerDownS * 1000);
        const upAt = Date.now();
        await broker.start();
        await ledger.resubscribed(upAt);
        gate.gate(true);
        brokerRestarts++;
        log(`  ${elapsedS().toFixed(0)} s: broker restart ${brokerRestarts} (${brokerRestarts % 2 ? 'SIGTERM' : 'SIGKILL'}), outbox depth ${(await gw.health())?.outboxDepth ?? '?'}`);
        next += o.brokerEveryS;
      }
    })();
    const cableChurn = (async () => {
      let next = o.unplugEveryS;
      while (next + o.unplugS + 10 < endS) {
        while (elapsedS() < next) await sleep(100);
        await dev.unplugged();
        await pty.unplug();
        unplugs++;
        await sleep(o.unplugS * 1000);
        await pty.plug();
        await dev.plugIn(pty.dev);
        dev.play();
        const before = await serialIn();
        if (await waitFor(async () => (await serialIn()) > before + 120, 15_000, 200)) reconnected++;
        else failures.push(`serial tracker: no gaze within 15 s after replug ${unplugs}`);
        log(`  ${elapsedS().toFixed(0)} s: tracker unplug ${unplugs}, ${reconnected} reconnected`);
        next += o.unplugEveryS;
      }
    })();
    await Promise.all([sampler, brokerChurn, cableChurn]);

    // the end: let the outbox drain, stop cleanly, compare what was raised with what arrived
    await waitFor(async () => (await gw.health())?.outboxDepth === 0, 60_000, 250);
    const metricsText = await gw.metrics();
    const errors: Record<string, number> = {};
    for (const line of (metricsText ?? '').split('\n')) {
      const m = /^afg_errors_total\{code="([A-Z_]+)"\} (\d+)/.exec(line);
      if (m) errors[m[1]!] = Number(m[2]);
    }
    dev.pause();
    const exitCode = await gw.stop();
    if (exitCode !== 0) failures.push(`the gateway stopped with ${exitCode}`);
    const raised = storedAlertKeys(dataDir);
    const pending = new Set(outboxPendingIds(dataDir));
    const expected = [...raised].filter((k) => !pending.has(k));
    await waitFor(() => ledger.missing(expected).length === 0, 15_000);
    const lost = ledger.missing(expected);
    if (lost.length) failures.push(`${lost.length} alert revisions raised but never delivered: ${lost.slice(0, 10).join(', ')}`);
    if (raised.size < 10) failures.push(`only ${raised.size} alert revisions raised: the soak did not exercise the outbox`);
    const outOfOrder = ledger.outOfOrder().length;
    if (outOfOrder) failures.push(`${outOfOrder} alerts out of order per wearer`);
    if (unplugs > 0 && reconnected !== unplugs) failures.push(`the tracker came back after ${reconnected} of ${unplugs} replugs`);

    const fit = mem.filter((s) => s.t >= o.warmupS && Number.isFinite(s.rss) && Number.isFinite(s.heap));
    // the fit runs over the floor of each 10 s window (5 samples): a leak raises what is left
    // after garbage collection, while single samples land anywhere on the GC sawtooth
    const floors: { t: number; rss: number; heap: number }[] = [];
    for (let i = 0; i + 5 <= fit.length; i += 5) {
      const w = fit.slice(i, i + 5);
      floors.push({ t: w[2]!.t, rss: Math.min(...w.map((x) => x.rss)), heap: Math.min(...w.map((x) => x.heap)) });
    }
    const minutes = floors.map((s) => s.t / 60);
    // per minute of the whole run (warm-up included): the least RSS and heap seen, to tell a
    // structure filling up to its bound from a leak
    const byMinute: { minute: number; rssMB: number; heapMB: number }[] = [];
    for (const s of mem) {
      const minute = Math.floor(s.t / 60);
      const row = byMinute.find((r) => r.minute === minute) ?? byMinute[byMinute.push({ minute, rssMB: Infinity, heapMB: Infinity }) - 1]!;
      if (Number.isFinite(s.rss)) row.rssMB = Math.min(row.rssMB, Math.round(s.rss));
      if (Number.isFinite(s.heap)) row.heapMB = Math.min(row.heapMB, Math.round(s.heap));
    }
    const rssSlope = slope(minutes, floors.map((s) => s.rss));
    const heapSlope = slope(minutes, floors.map((s) => s.heap));
    const rssMax = Math.max(...mem.map((s) => s.rss).filter(Number.isFinite));
    if (!(rssMax <= o.maxRssMB)) failures.push(`RSS reached ${rssMax.toFixed(0)} MB (bound ${o.maxRssMB})`);
    const gcFit = majorGcs.filter((g) => g.t >= o.warmupS);
    const gcSlope = slope(gcFit.map((g) => g.t / 60), gcFit.map((g) => g.afterMB));
    const trend = gcFit.length >= 3;
    if (trend && !(rssSlope <= o.maxRssSlopeMBPerMin)) failures.push(`RSS grows ${rssSlope.toFixed(2)} MB/min after warm-up (bound ${o.maxRssSlopeMBPerMin})`);
    if (trend && !(gcSlope <= o.maxSlopeMBPerMin)) failures.push(`the heap left after major GCs grows ${gcSlope.toFixed(2)} MB/min after warm-up (bound ${o.maxSlopeMBPerMin})`);
    const r2 = (x: number) => Math.round(x * 100) / 100;
    return {
      minutes: o.minutes,
      wearers: o.wearers,
      brokerRestarts,
      unplugs,
      reconnected,
      alerts: { raised: raised.size, delivered: ledger.unique().length, duplicates: ledger.raw.length - ledger.unique().length, pendingAtEnd: pending.size, lost, outOfOrder },
      memory: {
        samples: fit.length,
        trendAsserted: trend,
        byMinute,
        majorGcs: gcFit.length,
        heapAfterGcStartMB: r2(gcFit[0]?.afterMB ?? NaN),
        heapAfterGcEndMB: r2(gcFit.at(-1)?.afterMB ?? NaN),
        heapAfterGcSlopeMBPerMin: r2(gcSlope),
        rssStartMB: r2(fit[0]?.rss ?? NaN),
        rssEndMB: r2(fit.at(-1)?.rss ?? NaN),
        rssMaxMB: r2(rssMax),
        rssSlopeMBPerMin: r2(rssSlope),
        heapStartMB: r2(fit[0]?.heap ?? NaN),
        heapEndMB: r2(fit.at(-1)?.heap ?? NaN),
        heapSlopeMBPerMin: r2(heapSlope),
        maxSlopeMBPerMin: o.maxSlopeMBPerMin,
        maxRssSlopeMBPerMin: o.maxRssSlopeMBPerMin,
        maxRssMB: o.maxRssMB,
      },
      outboxMaxDepth,
      storeFileMB: r2(fileBytes(path.join(dataDir, 'afg-store.json')) / MB),
      errors,
      exitCode,
      failures,
    };
  } finally {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function fileBytes(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return NaN;
  }
}

/** The summary as lines for a person. */
export function formatSoakSummary(s: SoakSummary): string[] {
  const m = s.memory;
  return [
    `soak ${s.minutes} min, ${s.wearers} wearers + 1 serial tracker: ${s.failures.length ? 'FAILED' : 'passed'}`,
    `  broker restarts ${s.brokerRestarts}, tracker unplugs ${s.unplugs} (back after ${s.reconnected})`,
    `  alerts: ${s.alerts.raised} revisions raised, ${s.alerts.delivered} delivered (${s.alerts.duplicates} duplicates de-duplicated), ${s.alerts.pendingAtEnd} pending at the end, ${s.alerts.lost.length} lost, ${s.alerts.outOfOrder} out of order; outbox max depth ${s.outboxMaxDepth}; store file ${s.storeFileMB} MB at the end`,
    `  memory after warm-up (${m.samples} samples, fitted on 10 s floors): RSS ${m.rssStartMB} -> ${m.rssEndMB} MB (max ${m.rssMaxMB}), slope ${m.rssSlopeMBPerMin} MB/min (bound ${m.maxRssSlopeMBPerMin}, max ${m.maxRssMB} MB); heap left by major GCs (${m.majorGcs}) ${m.heapAfterGcStartMB} -> ${m.heapAfterGcEndMB} MB, slope ${m.heapAfterGcSlopeMBPerMin} MB/min (bound ${m.maxSlopeMBPerMin})${m.trendAsserted ? '' : ' — fewer than 3 major GCs after warm-up: trends not asserted, only the RSS maximum'}; heap used (not asserted: mostly garbage between GCs) ${m.heapStartMB} -> ${m.heapEndMB} MB, slope ${m.heapSlopeMBPerMin} MB/min`,
    `  least RSS / heap used per minute (MB): ${m.byMinute.map((r) => `${r.minute}: ${r.rssMB}/${r.heapMB}`).join(', ')}`,
    `  errors counted: ${Object.entries(s.errors).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    ...s.failures.map((f) => `  !! ${f}`),
  ];
}
