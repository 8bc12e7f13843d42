import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort } from './free-port.ts';

export interface MosquittoBroker {
  /** mqtt://127.0.0.1:<port>, or mqtts:// with tls */
  url: string;
  port: number;
  /** what the broker wrote to stderr since its last start (errors, warnings, and notices with verbose) */
  log(): string;
  stop(): Promise<void>;
  /** kill -9, as a crash would */
  kill(): Promise<void>;
  /** starts it again on the same port after stop() or kill() */
  start(): Promise<void>;
  /** stop (SIGTERM) and start again on the same port */
  restart(): Promise<void>;
}

export interface MosquittoOptions {
  port?: number;
  /** a TLS listener: PEM files (copied into the broker's own directory) */
  tls?: { ca: string; cert: string; key: string; requireCertificate?: boolean };
  /** username -> password; turns anonymous access off (hashed with mosquitto_passwd) */
  users?: Record<string, string>;
  /** the text of an ACL file (mosquitto.conf(5) acl_file) */
  acl?: string;
  /** also log notices (connects, disconnects, ACL denials) */
  verbose?: boolean;
  /** more mosquitto.conf(5) lines, after the rest (a bridge: `connection`, `address`, `topic` ...) */
  extraConfig?: readonly string[];
}

/**
 * A real Mosquitto process on a free port with its own config: Debian's defaults drop QoS 1
 * messages under load (max_queued_messages 1000) and stall QoS 1 with Nagle on, so both are
 * set here. Optionally TLS (with or without client certificates), users with passwords and an
 * ACL file. As root, Mosquitto drops to user `mosquitto`: its directory and files are handed to
 * that user.
 *
 * @example
 *   const broker = await startMosquitto();
 *   t.teardown(() => broker.stop());
 */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-mosq-'));
  const conf = path.join(dir, 'mosquitto.conf');
  // the config dir outlives stop() (start() again reuses it); it goes when the test process ends
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const files = [conf];
  const lines = [`listener ${port} 127.0.0.1`];
  if (opts.tls) {
    for (const [name, src] of [['ca.crt', opts.tls.ca], ['server.crt', opts.tls.cert], ['server.key', opts.tls.key]] as const) {
      copyFileSync(src, path.join(dir, name));
      files.push(path.join(dir, name));
    }
    lines.push(`cafile ${dir}/ca.crt`, `certfile ${dir}/server.crt`, `keyfile ${dir}/server.key`, `require_certificate ${opts.tls.requireCertificate ? 'true' : 'false'}`);
  }
  if (opts.users) {
    const pw = path.join(dir, 'passwd');
    writeFileSync(pw, '');
    for (const [user, pass] of Object.entries(opts.users)) execFileSync('mosquitto_passwd', ['-b', pw, user, pass], { stdio: 'ignore' });
    files.push(pw);
    lines.push(`password_file ${pw}`, 'allow_anonymous false');
  } else {
    lines.push('allow_anonymous true');
  }
  if (opts.acl !== undefined) {
    const acl = path.join(dir, 'acl');
    writeFileSync(acl, opts.acl);
    files.push(acl);
    lines.push(`acl_file ${acl}`);
  }
  lines.push('persistence false', 'max_queued_messages 0', 'max_inflight_messages 0', 'set_tcp_nodelay true', 'log_dest stderr', 'log_type error', 'log_type warning');
  if (opts.verbose) lines.push('log_type notice', 'log_type information', 'log_type debug');
  // bridge sections come last: the lines after `connection` belong to that bridge
  if (opts.extraConfig) lines.push(...opts.extraConfig);
  writeFileSync(conf, `${lines.join('\n')}\n`);
  if (userInfo().uid === 0) {
    try {
      const uid = Number(execFileSync('id', ['-u', 'mosquitto'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'mosquitto'], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
      for (const f of files) chownSync(f, uid, gid);
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
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    port,
    log: () => stderr,
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
