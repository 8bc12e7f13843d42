import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { NobleLike } from '../../firmware-bridge/ble/noble-loader.ts';
import { loadScenario } from '../../firmware-bridge/simulator/scenario.ts';
import type { HealthReport } from '../../dashboard/plugin.ts';
import { checkDashboardBind, prewarmDashboard, startDashboardServer, type DashboardServer } from '../../dashboard/start-dashboard.ts';
import { createGatewayMetrics } from '../../dashboard/gateway-metrics.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { EventBus, type DeviceStatus } from '../core/event-bus.ts';
import { AfgError, ErrorCounter } from '../core/errors.ts';
import type { SampleBatch } from '../core/types.ts';
import type { BatchSink, DeviceRuntime } from '../devices/device-runtime.ts';
import { applyScenarioFloor } from '../devices/scenario-fleet-config.ts';
import { createConfiguredDevices, deviceHealth } from '../devices/configured-devices.ts';
import type { CommandPort } from '../commands/command-port.ts';
import { createGatewayCommands } from '../commands/command-wiring.ts';
import type { ThresholdRegistry } from '../commands/adjustable-thresholds.ts';
import { createFloorScheduling, type FloorScheduling } from '../scheduler/floor-scheduling.ts';
import { buildSimulatedFleet, type SimulatedWearer } from '../devices/simulated-fleet.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../outputs/embedded-broker.ts';
import { startMqttOutputs } from '../outputs/mqtt-outputs.ts';
import { Outbox } from '../outputs/outbox.ts';
import { FleetPipeline } from '../pipeline/fleet-pipeline.ts';
import { createInferenceEngine, type InferenceEngine } from '../inference/inference-engine.ts';
import { GatewayStore } from '../store/gateway-store.ts';

export interface GatewayStartOptions {
  config: GatewayConfig;
  /** folder of the config file: relative paths in it resolve from here */
  baseDir: string;
  version: string;
  /** record what the codecs produce to this file */
  record?: string;
  logger?: Logger;
  /** BLE through this noble instead of @abandonware/noble (tests: fake HCI bindings) */
  noble?: NobleLike;
  /**
   * Device runtimes built by the caller (benchmarks, soak runs), next to the configured ones:
   * they deliver into the same sink and read the same monotonic clock.
   */
  extraDevices?: (ctx: { sink: BatchSink; errors: ErrorCounter; now: () => number }) => DeviceRuntime[];
}

export interface RunningGateway {
  config: GatewayConfig;
  brokerUrl: string;
  dashboardUrl: string | null;
  dataDir: string;
  executionProvider: string;
  inference: InferenceEngine;
  devices: DeviceRuntime[];
  bus: EventBus;
  errors: ErrorCounter;
  /** the one way to change state from outside (MQTT cmd topics, dashboard writes): gateway/commands */
  commands: CommandPort;
  /** adjustable thresholds with their ranges and current values (threshold.set changes them) */
  thresholds: ThresholdRegistry;
  /** scheduler (pending decisions, floor status) and effects (`scheduling.summary()`) for the API */
  scheduling: FloorScheduling;
  health(): HealthReport;
  stop(): Promise<void>;
}

/**
 * Starts every part of the gateway in dependency order and returns a handle to stop it in the
 * reverse order. The orchestrator owns time: a monotonic clock read once per loop turn, passed
 * into the devices' poll and the fleet's tick; the stages never read a clock themselves.
 */
export async function startGateway(o: GatewayStartOptions): Promise<RunningGateway> {
  const log = o.logger ?? pino({ level: o.config.logLevel });
  let config = o.config;
  checkDashboardBind(config.dashboard);
  prewarmDashboard(config.dashboard);
  const dataDir = path.resolve(o.baseDir, config.dataDir);
  const cleanup: (() => Promise<void>)[] = [];
  const undo = async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  };
  try {
    const errors = new ErrorCounter();
    let storeFailing = false;
    const store = await GatewayStore.open({
      dir: dataDir,
      onIo: (state, err) => {
        if (state === 'recovered') {
          storeFailing = false;
          log.info('the store can write to disk again');
        } else {
          errors.count('AFG_E_STORE_IO');
          if (storeFailing) return; // one log line per episode
          storeFailing = true;
          log.error(`AFG_E_STORE_IO: the store cannot write ${path.join(dataDir, 'afg-store.json')} (${err?.message ?? 'unknown error'}); its state is kept in memory and written whole at the next change and at stop; free disk space`);
        }
      },
    });
    cleanup.push(() => store.close());

    const scenario = config.simulation.enabled && config.simulation.scenario ? await loadScenario(path.resolve(o.baseDir, config.simulation.scenario)) : null;
    if (scenario) config = applyScenarioFloor(config, scenario);

    const metrics = createGatewayMetrics();
    errors.onCount((code) => metrics.errors.inc({ code }));
    const bus = new EventBus();
    metrics.attach(bus);
    const t0 = performance.now();
    const epochAtZero = Date.now();
    const now = () => performance.now() - t0;
    const toEpochMs = (t: number) => epochAtZero + t;
    const inference = await createInferenceEngine({ config: config.inference, baseDir: o.baseDir, dataDir, errors, metrics, fleetSize: config.wearers.length, log: (level, msg) => log[level](msg) });
    cleanup.push(() => inference.close());
    const fleet = new FleetPipeline({ config, bus, toEpochMs, estimator: inference.estimator });
    bus.on('alert', (a) => store.recordAlert(a));
    bus.on('decision', (d) => store.recordDecision(d));
    const scheduling = createFloorScheduling({ config, bus, toEpochMs, effectHistory: store.data.effects, onEffect: (r) => store.recordEffect(r) });
    cleanup.push(async () => scheduling.close());
    const { commands, thresholds } = createGatewayCommands({
      fleet, store, bus, errors, toEpochMs, decisions: scheduling.desk, bind: (reg) => scheduling.bindThresholds(reg),
      onStaleThreshold: (name, why) => log.warn(`stored threshold ${name} not applied: ${why}`),
    });

    let broker: EmbeddedBroker | null = null;
    let brokerUrl = config.mqtt.url;
    if (brokerUrl === null) {
      broker = await startEmbeddedBroker({ host: config.mqtt.embeddedHost, port: config.mqtt.embeddedPort });
      cleanup.push(() => broker!.close());
      brokerUrl = broker.url;
    }
    const outbox = await Outbox.open({ dir: path.join(dataDir, 'outbox'), errors, maxEntries: config.outbox.maxEntries, maxBytes: config.outbox.maxBytes, maxAgeMs: config.outbox.maxAgeMs, dropOrder: config.outbox.dropOrder, onDrop: (e, why) => log[e.cls === 'alert' ? 'error' : 'warn'](`AFG_E_OUTBOX_FULL: ${e.cls} ${e.id} dropped from the outbox (${why === 'age' ? 'older than outbox.maxAgeMs' : 'outbox full'}); counted and reported on the outbox topic`),
      onIo: (state, err) =>
        state === 'failing'
          ? log.error(`AFG_E_OUTBOX_IO: the outbox cannot write to ${path.join(dataDir, 'outbox')} (${err?.message ?? 'unknown error'}); alerts are kept in memory (bounded by outbox.maxEntries/maxBytes) and still published; free disk space, the outbox retries every second`)
          : log.info(`the outbox can write to disk again; everything pending is persisted`),
    });
    cleanup.push(() => outbox.close());
    const mqttOut = await startMqttOutputs({ config, baseDir: o.baseDir, brokerUrl, embedded: broker !== null, version: o.version, dataDir, bus, outbox, errors, toEpochMs, fleet, commandPort: commands, log: (level, msg) => log[level](msg) });
    const sink = mqttOut.sink;
    cleanup.push(() => mqttOut.stop());

    if (o.record) {
      const m = inference.report().model;
      const { recordFleet } = await import('../record/recording.ts'); // msgpack: only for afg record
      const rec = await recordFleet(fleet, path.resolve(o.record), epochAtZero, config, m ? { name: m.name, sha256: m.sha256 } : undefined);
      cleanup.push(() => rec.close());
    }

    let dashboard: DashboardServer | null = null;
    const sinkBatch = (wearer: string, b: SampleBatch) => {
      metrics.samplesIn.inc({ device: b.device, kind: b.kind }, b.n);
      fleet.ingest(wearer, b);
      dashboard?.rawGaze?.ingest(wearer, b); // only with dashboard.allowRawGaze
    };
    const devices: DeviceRuntime[] = [];
    let simulated = new Map<string, SimulatedWearer>();
    if (scenario) {
      simulated = buildSimulatedFleet({ scenario, seed: config.simulation.seed, gazeRateHz: config.simulation.gazeRateHz, startMs: now(), errors, sink: sinkBatch });
      for (const s of simulated.values()) devices.push(...s.devices);
    }
    devices.push(...(await createConfiguredDevices({ config, errors, sink: sinkBatch, now, log, ...(o.noble ? { noble: o.noble } : {}) })));
    if (o.extraDevices) devices.push(...o.extraDevices({ sink: sinkBatch, errors, now }));
    for (const d of devices) await d.start();
    cleanup.push(async () => {
      for (const d of devices) await d.stop();
    });

    let lastTick = 0;
    let ticks = 0;
    const deviceLinks = new Map<string, DeviceStatus>();
    bus.on('device', (d) => deviceLinks.set(d.device, d));
    const health = (): HealthReport => {
      const reasons: string[] = [];
      if (!sink.connected) reasons.push(`MQTT broker ${brokerUrl} not connected`);
      if (sink.duplicateOf !== null) reasons.push(`AFG_E_MQTT_DUPLICATE_GATEWAY: another process publishes as ${sink.topics.base}`);
      const nowMs = now();
      if (nowMs - lastTick > 5 * config.tickMs + 1000) reasons.push('pipeline is not ticking');
      const lost = devices.filter((d) => d.status(nowMs).state !== 'connected').map((d) => d.id);
      if (lost.length) reasons.push(`devices not connected: ${lost.join(', ')}`);
      if (outbox.depth() > 1000) reasons.push(`outbox holds ${outbox.depth()} entries`);
      const inMemory = outbox.unpersisted();
      if (inMemory > 0) reasons.push(`AFG_E_OUTBOX_IO: ${inMemory} outbox entries held in memory only (the disk refused the write)`);
      return {
        status: ticks === 0 ? 'starting' : reasons.length ? 'degraded' : 'ready',
        reasons,
        executionProvider: inference.provider,
        estimator: inference.estimator.name,
        inference: inference.report(),
        mqtt: { url: brokerUrl, connected: sink.connected, lastError: sink.lastError },
        outboxDepth: outbox.depth(),
        outboxDropped: outbox.dropped,
        wearers: config.wearers.length,
        devices: devices.length,
        deviceLinks: [...deviceLinks.values()].map(deviceHealth),
        errors: errors.snapshot(),
        uptimeS: Math.round(nowMs / 1000),
      };
    };

    let dashboardUrl: string | null = null;
    if (config.dashboard.enabled) {
      const dash = await startDashboardServer({ config, baseDir: o.baseDir, bus, health, metrics, errors, toEpochMs, store, commands, brokerUrl, effects: () => scheduling.summary(), log: (level, msg) => log[level](msg) });
      dashboard = dash;
      dashboardUrl = dash.url;
      cleanup.push(() => dash.close());
    }

    const drivers = new Set(config.wearers.filter((w) => w.role === 'driver').map((w) => w.id));
    // the loop: read the monotonic clock once, let devices deliver, step every due tick. A tick
    // with a model run is asynchronous: a turn that finds the previous one still running returns,
    // and the next turn catches up every tick that fell due (none is skipped, none overlaps).
    let nextTick = config.tickMs;
    let lastStatus = 0;
    let turn: Promise<void> | null = null;
    const runTurn = async () => {
      const nowMs = now();
      for (const [w, s] of simulated) {
        for (const d of s.devices) d.poll(nowMs);
        if (drivers.has(w) && !mqttOut.hasLiveSpeed(w)) fleet.setVehicleSpeed(w, s.sim.speedAt(nowMs));
      }
      for (const d of devices) if (d.transport !== 'simulated') d.poll(nowMs);
      mqttOut.poll();
      while (nextTick <= nowMs) {
        const started = performance.now();
        await fleet.tick(nextTick);
        metrics.tickSeconds.observe((performance.now() - started) / 1000);
        lastTick = nextTick;
        ticks++;
        nextTick += config.tickMs;
      }
      if (ticks) scheduling.step(lastTick); // acts every scheduler.periodS, on tick time
      if (nowMs - lastStatus >= 1000) {
        lastStatus = nowMs;
        for (const d of devices) bus.emit('device', d.status(nowMs));
        metrics.outboxDepth.set(outbox.depth());
        metrics.mqttConnected.set(sink.connected ? 1 : 0);
      }
    };
    // Wake at the next tick's due time (not on a fixed interval: a tick due at T used to wait up
    // to half a tick for the interval, which was most of the sample-to-alert latency), and at
    // least every pollMs so that devices are polled and silence is noticed between ticks.
    const pollMs = Math.max(10, Math.floor(config.tickMs / 2));
    let stopped = false;
    let wake: NodeJS.Timeout | null = null;
    const schedule = () => {
      if (stopped) return;
      const untilTick = Math.ceil(nextTick - now());
      wake = setTimeout(onWake, Math.max(0, Math.min(pollMs, untilTick)));
    };
    const onWake = () => {
      wake = null;
      turn = runTurn()
        .catch((err: unknown) => log.error(`pipeline tick failed: ${(err as Error).stack ?? String(err)}`))
        .finally(() => {
          turn = null;
          schedule();
        });
    };
    schedule();
    cleanup.push(async () => {
      stopped = true;
      if (wake) clearTimeout(wake);
      await turn;
    });
    cleanup.push(async () => commands.close());

    return {
      config,
      brokerUrl,
      dashboardUrl,
      dataDir,
      get executionProvider() {
        return inference.provider;
      },
      inference,
      devices,
      bus,
      errors,
      commands,
      thresholds,
      scheduling,
      health,
      stop: undo,
    };
  } catch (err) {
    await undo();
    throw err;
  }
}
