import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * A PTY pair from socat: `gw` is the gateway's end, `dev` the device's. The /dev/pts paths socat
 * reports on stderr (`PTY is /dev/pts/N`) are parsed into gwPts/devPts; they change on every
 * plug, so reconnect tests use the stable `link=` symlinks instead.
 */
export class PtyPair {
  readonly gw: string;
  readonly dev: string;
  gwPts = '';
  devPts = '';
  private proc: ChildProcess | null = null;
  constructor(dir: string) {
    this.gw = join(dir, 'gw');
    this.dev = join(dir, 'dev');
  }
  async plug(): Promise<void> {
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.gw}`, `pty,raw,echo=0,link=${this.dev}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    const pts: string[] = [];
    let err = '';
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => {
      err += d;
      for (const m of d.matchAll(/PTY is (\/dev\/pts\/\d+)/g)) pts.push(m[1]!);
    });
    await waitFor(`socat ptys (stderr: ${err})`, () => pts.length === 2 && existsSync(this.gw) && existsSync(this.dev));
    [this.gwPts, this.devPts] = pts as [string, string];
  }
  async unplug(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  }
}

