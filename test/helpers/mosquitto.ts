import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort } from './free-port.ts';

export interface MosquittoBroker {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** kill -9, as a crash would */
  kill(): Promise<void>;
  /** starts it again on the same port after stop() or kill() */
  start(): Promise<void>;
  /** stop (SIGTERM) and start again on the same port */
  restart(): Promise<void>;
}

/**
 * A real Mosquitto process on a free port with its own config: Debian's defaults drop QoS 1
 * messages under load (max_queued_messages 1000) and stall QoS 1 with Nagle on, so both are
 * set here. As root, Mosquitto drops to user `mosquitto`: its directory is handed to that user.
 *
 * @example
 *   const broker = await startMosquitto();
 *   t.teardown(() => broker.stop());
 */
export async function startMosquitto(opts: { port?: number } = {}): Promise<MosquittoBroker> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-mosq-'));
  const conf = path.join(dir, 'mosquitto.conf');
  // the config dir outlives stop() (start() again reuses it); it goes when the test process ends
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 0',
      'max_inflight_messages 0',
      'set_tcp_nodelay true',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  if (userInfo().uid === 0) {
    try {
      const uid = Number(execFileSync('id', ['-u', 'mosquitto'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'mosquitto'], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
      chownSync(conf, uid, gid);
    } catch {
      /* no mosquitto user: it will run as root */
    }
  }
  let proc: ChildProcess | null = null;
  let stderr = '';
  const start = async () => {
    stderr = '';
    proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited ${proc.exitCode}: ${stderr}`);
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mosquitto did not listen on ${port}: ${stderr}`);
  };
  const terminate = async (signal: NodeJS.Signals) => {
    const p = proc as ChildProcess | null;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(signal);
    await exited;
    proc = null;
  };
  await start();
  const stop = () => terminate('SIGTERM');
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    start,
    stop,
    kill: () => terminate('SIGKILL'),
    restart: async () => {
      await stop();
      await start();
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
