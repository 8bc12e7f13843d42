import type { CommandPort } from '../commands/command-port.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { ErrorCounter } from '../core/errors.ts';
import { CommandActors } from './command-actors.ts';
import { MqttCommandListener } from './command-listener.ts';
import { mqttConnectionSettings } from './mqtt-connection.ts';
import { MqttSink } from './mqtt-sink.ts';
import type { Outbox } from './outbox.ts';
import { VehicleSpeedListener, type VehicleSpeedTarget } from './vehicle-speed-listener.ts';
import type { SparkplugEdgeNode } from './sparkplug/edge-node.ts';
import path from 'node:path';

export interface MqttOutputsOptions {
  config: GatewayConfig;
  baseDir: string;
  brokerUrl: string;
  /** the embedded aedes broker (MQTT 3.1.1 only) */
  embedded: boolean;
  version: string;
  /** the gateway's data folder (the Sparkplug bdSeq is kept under sparkplug/) */
  dataDir: string;
  bus: EventBus;
  outbox: Outbox;
  errors: ErrorCounter;
  toEpochMs: (t: number) => number;
  fleet: VehicleSpeedTarget;
  /** where cmd/<name> commands go (gateway/commands: validation by meaning, roles, audit) */
  commandPort: CommandPort;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

export interface MqttOutputs {
  sink: MqttSink;
  commands: MqttCommandListener | null;
  vehicleSpeed: VehicleSpeedListener | null;
  sparkplug: SparkplugEdgeNode | null;
  /** periodic work (stale vehicle speed, outbox age bound); call from the gateway loop */
  poll(): void;
  /** true while the driver's speed comes from a fresh MQTT signal (the simulator must not override it) */
  hasLiveSpeed(wearer: string): boolean;
  stop(): Promise<void>;
}

/**
 * Everything the gateway does over its MQTT connection, built from the config in one place so
 * that startGateway stays a list of parts: the sink (status, alerts and decisions from the
 * outbox, attention, device status), the command listener (cmd/<name> -> CommandPort ->
 * replies) and the vehicle-speed listener (vehicles/<wearer>/speed -> the fleet).
 *
 * @example
 *   const mqttOut = await startMqttOutputs({ config, baseDir, brokerUrl, embedded, ... });
 *   cleanup.push(() => mqttOut.stop());
 */
export async function startMqttOutputs(o: MqttOutputsOptions): Promise<MqttOutputs> {
  const { config } = o;
  const connection = mqttConnectionSettings(config, o.baseDir, o.brokerUrl, o.embedded);
  const actors = new CommandActors(config.mqtt.commands.actors);
  const sink = new MqttSink({
    url: o.brokerUrl,
    site: config.site,
    gateway: config.gateway,
    version: o.version,
    bus: o.bus,
    outbox: o.outbox,
    errors: o.errors,
    connection,
    clientId: config.mqtt.clientId,
    attentionPeriodMs: config.mqtt.attentionPeriodMs,
    summaryPeriodMs: config.mqtt.summary.enabled ? config.mqtt.summary.periodMs : null,
    toEpochMs: o.toEpochMs,
    log: o.log,
  });
  let commands: MqttCommandListener | null = null;
  if (config.mqtt.commands.enabled) {
    commands = new MqttCommandListener({ transport: sink, port: o.commandPort, actors, errors: o.errors, responseTopicPrefixes: config.mqtt.commands.responseTopicPrefixes, maxPerMinute: config.mqtt.commands.maxPerMinute, log: o.log });
    commands.start();
    if (actors.size === 0) o.log('info', 'MQTT commands: no actors configured (mqtt.commands.actors), so every command will be refused as unauthorised');
  }
  let vehicleSpeed: VehicleSpeedListener | null = null;
  const drivers = new Map(config.wearers.filter((w) => w.role === 'driver').map((w) => [w.id, w.vehicleSpeedMps] as const));
  if (config.mqtt.vehicleSpeed.enabled && drivers.size > 0) {
    vehicleSpeed = new VehicleSpeedListener({ transport: sink, drivers, target: o.fleet, errors: o.errors, staleAfterMs: config.mqtt.vehicleSpeed.staleAfterMs, log: o.log });
    vehicleSpeed.start();
  }
  let sparkplug: SparkplugEdgeNode | null = null;
  const sp = config.sparkplug;
  if (sp.enabled) {
    const spUrl = sp.url ?? o.brokerUrl;
    // sparkplug-payload + protobufjs only when Sparkplug is on
    const { SparkplugEdgeNode } = await import('./sparkplug/edge-node.ts');
    sparkplug = new SparkplugEdgeNode({
      connection: mqttConnectionSettings(config, o.baseDir, spUrl, o.embedded && sp.url === null),
      clientId: sp.clientId ?? `${sink.clientId}-spb`,
      groupId: sp.groupId ?? config.site,
      edgeNodeId: sp.edgeNodeId ?? config.gateway,
      primaryHostId: sp.primaryHostId,
      bus: o.bus,
      wearers: config.wearers.map((w) => ({ id: w.id, role: w.role, ...(w.station !== undefined ? { station: w.station } : {}) })),
      dir: path.join(o.dataDir, 'sparkplug'),
      errors: o.errors,
      site: config.site,
      gateway: config.gateway,
      version: o.version,
      publishPeriodMs: sp.publishPeriodMs,
      scoreDeadband: sp.scoreDeadband,
      maxHistorical: sp.maxHistorical,
      toEpochMs: o.toEpochMs,
      log: o.log,
    });
  }
  await Promise.all([sink.start(3000), sparkplug?.start(3000)]);
  if (!sink.connected) o.log('warn', `MQTT broker ${o.brokerUrl} not connected yet (${sink.lastErrorCode ?? 'AFG_E_MQTT_CONNECT'}); the gateway runs on, alerts wait in the outbox`);
  return {
    sink,
    commands,
    vehicleSpeed,
    sparkplug,
    poll: () => {
      vehicleSpeed?.poll();
      o.outbox.sweep(); // the age bound applies while nothing new is raised, too
    },
    hasLiveSpeed: (w) => vehicleSpeed?.hasLiveSpeed(w) ?? false,
    stop: async () => {
      await Promise.all([sink.stop(), sparkplug?.stop()]);
    },
  };
}
