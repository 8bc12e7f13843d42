import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The built UI files the cache keeps (esbuild's output, before gzip and ETags). */
export interface UiBuildOutput {
  appJs: Buffer;
  appCss: Buffer;
}

interface CacheIndex {
  /** sha256 of `salt` and every input file's path and content */
  key: string;
  /** the files the last build read (esbuild's metafile inputs), relative to the root */
  inputs: string[];
}

/**
 * The dashboard bundle kept on disk between starts, keyed by a hash of the files the bundle was
 * built from (esbuild's metafile inputs: dashboard/ui/*, uPlot) and a salt (esbuild version and
 * build options). A start whose sources did not change reads two files instead of running esbuild
 * (~100-300 ms of CPU in a second process, competing with the gateway's own start on a small
 * box); any changed, added-by-import or missing input changes the key and the bundle is rebuilt,
 * so the served code is always the checked-in source. The cache is an optimisation only: an
 * unreadable or unwritable folder means a build at every start, never a failed start.
 * Cost: hashing the inputs (~250 kB, a few ms) per lookup.
 *
 * @example
 *   const cache = new UiBundleCache({ dir: 'node_modules/.cache/afg-dashboard-ui', root: process.cwd(), salt: 'esbuild 0.28.2 {...}' });
 *   const hit = await cache.load();            // null: build, then cache.save(output, metafileInputs)
 */
export class UiBundleCache {
  private readonly dir: string;
  private readonly root: string;
  private readonly salt: string;

  constructor(o: { dir: string; root: string; salt: string }) {
    if (typeof o.dir !== 'string' || !path.isAbsolute(o.dir)) throw new TypeError('UiBundleCache: dir must be an absolute path');
    if (typeof o.root !== 'string' || !path.isAbsolute(o.root)) throw new TypeError('UiBundleCache: root must be an absolute path');
    if (typeof o.salt !== 'string' || o.salt === '') throw new TypeError('UiBundleCache: salt is required');
    this.dir = o.dir;
    this.root = o.root;
    this.salt = o.salt;
  }

  /** The cached output when every input of the last build still hashes to its key, else null. */
  async load(): Promise<UiBuildOutput | null> {
    try {
      const index = JSON.parse(await readFile(path.join(this.dir, 'index.json'), 'utf8')) as CacheIndex;
      if (typeof index.key !== 'string' || !/^[0-9a-f]{64}$/.test(index.key) || !Array.isArray(index.inputs) || index.inputs.length === 0) return null;
      if ((await this.keyOf(index.inputs)) !== index.key) return null;
      const at = path.join(this.dir, index.key);
      const [appJs, appCss] = await Promise.all([readFile(path.join(at, 'app.js')), readFile(path.join(at, 'app.css'))]);
      return { appJs, appCss };
    } catch {
      return null; // no cache yet, an input gone, a torn entry: build
    }
  }

  /**
   * Keeps a build's output for the next start. Each file is written under a temporary name and
   * renamed, the index last, so a concurrent start (tests run gateways in parallel) or a crash
   * mid-write never sees a torn entry. Returns false when the folder cannot be written.
   */
  async save(out: UiBuildOutput, inputs: readonly string[]): Promise<boolean> {
    try {
      const rel = [...new Set(inputs)].sort();
      const key = await this.keyOf(rel);
      const at = path.join(this.dir, key);
      await mkdir(at, { recursive: true });
      await this.put(path.join(at, 'app.js'), out.appJs);
      await this.put(path.join(at, 'app.css'), out.appCss);
      await this.put(path.join(this.dir, 'index.json'), Buffer.from(JSON.stringify({ key, inputs: rel } satisfies CacheIndex)));
      return true;
    } catch {
      return false;
    }
  }

  private async keyOf(inputs: readonly string[]): Promise<string> {
    const h = createHash('sha256').update(this.salt);
    for (const f of inputs) {
      const body = await readFile(path.resolve(this.root, f));
      h.update(`\0${f}\0${body.length}\0`).update(body);
    }
    return h.digest('hex');
  }

  private async put(file: string, body: Buffer): Promise<void> {
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, file);
  }
}
