import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startGateway } from '../app/gateway-app.ts';
import { loadConfigFile } from '../config/load-config.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** With no --config, the gateway runs the demo: a simulated floor, embedded broker, dashboard. */
export const DEMO_CONFIG = path.join(ROOT, 'examples', 'demo.yaml');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * `afg start` / `afg record`: load and validate the config (exit 2 on a bad field), start
 * everything, print where things are, stop cleanly on SIGINT/SIGTERM within 5 s.
 */
export async function runStart(opts: { config?: string | undefined; record?: string; durationS?: number }): Promise<number> {
  const file = opts.config ?? DEMO_CONFIG;
  const { config, baseDir } = await loadConfigFile(file);
  const logger = pino({ level: config.logLevel, base: { gateway: config.gateway } });
  const startOpts: Parameters<typeof startGateway>[0] = { config, baseDir, version: VERSION, logger };
  if (opts.record) startOpts.record = opts.record;
  const gw = await startGateway(startOpts);
  const lines = [
    `Attention Flow Gateway ${VERSION} — site ${gw.config.site}, gateway ${gw.config.gateway}`,
    `  config:     ${path.resolve(file)}${opts.config ? '' : ' (demo: simulated floor)'}`,
    `  broker:     ${gw.brokerUrl}${gw.config.mqtt.url === null ? ' (embedded)' : ''}   watch: mosquitto_sub -h ${new URL(gw.brokerUrl).hostname} -p ${new URL(gw.brokerUrl).port || 1883} -t 'afg/#' -v`,
    `  dashboard:  ${gw.dashboardUrl ?? 'disabled'}`,
    `  data dir:   ${gw.dataDir}`,
    `  inference:  ${gw.inference.summary()}`,
    `  wearers:    ${gw.config.wearers.length} (${gw.config.wearers.filter((w) => w.role === 'operator').length} operators, ${gw.config.wearers.filter((w) => w.role === 'driver').length} drivers)`,
    `  devices:    ${gw.devices.map((d) => `${d.id} [${d.kind}/${d.transport}]`).join(', ') || 'none'}`,
    ...(opts.record ? [`  recording:  ${path.resolve(opts.record)}`] : []),
    '  Ctrl-C stops the gateway.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (why: string) => {
      if (stopping) return;
      stopping = true;
      logger.info(`stopping (${why})`);
      const force = setTimeout(() => {
        logger.error('stop took longer than 5 s; exiting');
        // exit now: a stop that hangs leaves timers and sockets that would keep the process alive
        // (seen: a 1000-wearer gateway still running 13 min after SIGTERM)
        process.exit(1);
      }, 5000);
      force.unref();
      await gw.stop();
      clearTimeout(force);
      process.stdout.write('stopped\n');
      resolve(0);
    };
    // `on`, not `once`: a second signal while stopping (an impatient Ctrl-C, a service manager
    // repeating SIGTERM) must not kill the process mid-stop by the default action; the 5 s
    // bound above is what ends a stop that hangs.
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    if (opts.durationS) setTimeout(() => void stop(`--duration ${opts.durationS}s`), opts.durationS * 1000).unref();
  });
}
