import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, writeSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A real, small filesystem for full-disk tests: a tmpfs of `sizeBytes` mounted on a fresh folder
 * under the system temp dir (needs root; CI runs as root on a fresh machine). Not inside a tap
 * testdir: tap removes that before later teardowns run, and a mount point cannot be removed. `fill()` writes a filler file until the kernel
 * answers ENOSPC, `free()` deletes it, `unmount()` ends it (lazy, so a process still holding a
 * file there cannot keep the mount alive) and removes the folder.
 *
 * Tests call `smallFilesystemUnavailable()` first and skip with that reason when it is not null.
 *
 * @example
 *   const fs = mountSmallFilesystem(1 << 20);
 *   t.teardown(() => fs.unmount());
 *   fs.fill();   // writes now fail with ENOSPC
 *   fs.free();   // space is back
 */
export interface SmallFilesystem {
  dir: string;
  fill(): void;
  free(): void;
  /** bytes the filesystem still has for files */
  availableBytes(): number;
  unmount(): void;
}

let probed: string | null | undefined;

/** null when tmpfs can be mounted here, else why not (shown as the tests' skip reason). */
export function smallFilesystemUnavailable(): string | null {
  if (probed !== undefined) return probed;
  if (process.getuid?.() !== 0) {
    probed = 'full-disk tests mount a small tmpfs, which needs root (CI runs them as root)';
  } else {
    const dir = path.join('/tmp', `afg-tmpfs-probe-${process.pid}`);
    try {
      mkdirSync(dir, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
      execFileSync('umount', [dir], { stdio: 'pipe' });
      probed = null;
    } catch (err) {
      probed = `mount -t tmpfs failed here (${(err as Error).message.split('\n')[0]}): no small filesystem for the full-disk tests`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (probed && process.env.CI === 'true') throw new Error(`CI must be able to run the full-disk tests: ${probed}`);
  return probed;
}

export function mountSmallFilesystem(sizeBytes: number): SmallFilesystem {
  if (!(Number.isInteger(sizeBytes) && sizeBytes >= 16384)) throw new RangeError('sizeBytes must be an integer >= 16384');
  const dir = mkdtempSync(path.join(tmpdir(), 'afg-small-fs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0777`, 'tmpfs', dir], { stdio: 'pipe' });
  const filler = path.join(dir, '.filler');
  let mounted = true;
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      const block = Buffer.alloc(4096, 0x55);
      try {
        for (;;) writeSync(fd, block);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
      // the last partial block: leave no byte a small write could still use
      const fd2 = openSync(filler, 'a');
      try {
        for (;;) writeSync(fd2, Buffer.alloc(1));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd2);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    availableBytes() {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
