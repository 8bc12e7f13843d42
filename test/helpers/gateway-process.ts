import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AFG = path.join(ROOT, 'gateway', 'cli', 'afg.mjs');

export interface GatewayProcess {
  proc: ChildProcess;
  pid: number;
  /** what the process printed so far (stdout and stderr) */
  output(): string;
  /** resolves with the dashboard URL once the start banner is printed */
  dashboardUrl: Promise<string>;
  /** GET /health: the JSON body, or null while the process does not answer */
  health(): Promise<{ status: string; reasons: string[]; outboxDepth: number; [k: string]: unknown } | null>;
  /** GET /metrics text, or null */
  metrics(): Promise<string | null>;
  /** resident set size from /proc (bytes), or NaN when the process is gone */
  rssBytes(): number;
  /** resolves with the exit code (or the signal name) */
  exited: Promise<number | string>;
  /** SIGTERM, then waits for the exit */
  stop(): Promise<number | string>;
  /** SIGKILL, as a crash or power cut would */
  kill(): Promise<number | string>;
}

/**
 * Runs `afg start --config <file>` as its own process, the way an operator starts the gateway.
 * Give it a config with `dashboard.port: 0` (the banner names the port) and your own broker.
 *
 * @example
 *   const gw = spawnGateway({ config: '/tmp/x/plant.yaml' });
 *   await waitFor(async () => (await gw.health())?.status === 'ready');
 *   await gw.stop();
 */
export function spawnGateway(o: { config: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] }): GatewayProcess {
  const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), AFG, 'start', '--config', o.config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
  let out = '';
  let resolveUrl!: (u: string) => void;
  let rejectUrl!: (e: Error) => void;
  const dashboardUrl = new Promise<string>((res, rej) => {
    resolveUrl = res;
    rejectUrl = rej;
  });
  dashboardUrl.catch(() => undefined);
  const onData = (d: Buffer) => {
    out += d.toString();
    const m = /dashboard:\s+(http:\/\/\S+)/.exec(out);
    if (m) resolveUrl(m[1]!);
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<number | string>((res) =>
    proc.once('exit', (code, signal) => {
      rejectUrl(new Error(`gateway exited (${code ?? signal}) before printing its dashboard URL:\n${out}`));
      res(code ?? signal ?? 'unknown');
    }),
  );
  let url: string | null = null;
  void dashboardUrl.then((u) => (url = u));
  const get = async (p: string): Promise<Response | null> => {
    if (!url) return null;
    try {
      return await fetch(`${url}${p}`, { signal: AbortSignal.timeout(2000) });
    } catch {
      return null;
    }
  };
  const terminate = async (sig: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    return exited;
  };
  return {
    proc,
    pid: proc.pid!,
    output: () => out,
    dashboardUrl,
    async health() {
      const r = await get('/health');
      if (!r) return null;
      try {
        return (await r.json()) as Awaited<ReturnType<GatewayProcess['health']>>;
      } catch {
        return null;
      }
    },
    async metrics() {
      const r = await get('/metrics');
      return r ? await r.text() : null;
    },
    rssBytes() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : NaN;
      } catch {
        return NaN;
      }
    },
    exited,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
  };
}

/** Polls `cond` every `everyMs` until it holds or `timeoutMs` passes; resolves with whether it held. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 50): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A metric's value from Prometheus text (the first sample whose name and labels match), or NaN. */
export function metricValue(text: string | null, name: string, labels = ''): number {
  if (!text) return NaN;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (labels ? rest.startsWith(`{${labels}`) : rest.startsWith(' ') || rest.startsWith('{')) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return NaN;
}

/** Writes a YAML/JSON config file (JSON is YAML) and returns its path. */
export function writeConfig(file: string, config: Record<string, unknown>): string {
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}
