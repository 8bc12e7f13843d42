import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { AfgError } from '../gateway/core/errors.ts';
import { UiBundleCache, type UiBuildOutput } from './ui-bundle-cache.ts';

export const UI_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ui');
const ROOT = path.resolve(UI_DIR, '../..');
/** Where built bundles are kept between starts (node_modules/.cache: the usual place for tool caches). */
export const UI_CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'afg-dashboard-ui');

const BUILD_OPTIONS = {
  entryPoints: { app: path.join(UI_DIR, 'main.ts'), 'app-style': path.join(UI_DIR, 'style.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
  write: false,
  outdir: '/ui',
  logLevel: 'silent',
  legalComments: 'eof',
  charset: 'utf8',
  absWorkingDir: ROOT,
  metafile: true,
} satisfies BuildOptions;

export interface UiAsset {
  body: Buffer;
  contentType: string;
  /** the same body gzip-compressed (served when the browser accepts it), or null for tiny files */
  gzip: Buffer | null;
  /** strong ETag from the content hash, for conditional GETs */
  etag: string;
}

/** Served paths -> assets: /index.html, /app.js, /app.css, /favicon.svg. */
export type UiBundle = ReadonlyMap<string, UiAsset>;

let cached: Promise<UiBundle> | null = null;

/**
 * The dashboard's front end: TypeScript modules in dashboard/ui/ (plus uPlot) bundled by esbuild
 * into one minified ES module and one stylesheet, in memory, once per process. Building at start
 * instead of committing build output keeps `npm install && npm start` and `npm test` working on
 * a fresh clone with nothing to remember, and the served code is always the checked-in source.
 * The output is kept in UI_CACHE_DIR keyed by a hash of its inputs (dashboard/ui-bundle-cache.ts),
 * so only the first start after a change runs esbuild.
 * Cost: hashing the inputs (a few ms) with a cached bundle, else one esbuild run (~100-300 ms);
 * later calls in the process share its promise.
 *
 * @example
 *   const ui = await buildUi();
 *   ui.get('/app.js')!.body; // minified bundle
 */
export function buildUi(): Promise<UiBundle> {
  cached ??= build().catch((err: unknown) => {
    cached = null; // a fixed source file can be retried
    throw err;
  });
  return cached;
}

async function build(): Promise<UiBundle> {
  const cache = uiCache();
  const out = (await cache?.load()) ?? (await runEsbuild(cache));
  const assets = new Map<string, UiAsset>();
  const add = (name: string, body: Buffer, contentType: string) => {
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { body, contentType, etag, gzip: body.length > 1024 ? gzipSync(body, { level: 9 }) : null });
  };
  add('/app.js', out.appJs, 'text/javascript; charset=utf-8');
  add('/app.css', out.appCss, 'text/css; charset=utf-8');
  add('/index.html', await readFile(path.join(UI_DIR, 'index.html')), 'text/html; charset=utf-8');
  add('/favicon.svg', await readFile(path.join(UI_DIR, 'favicon.svg')), 'image/svg+xml');
  return assets;
}

/** The cache, salted with esbuild's version and the options; null when esbuild's version is unknown. */
function uiCache(): UiBundleCache | null {
  try {
    const { version } = createRequire(import.meta.url)('esbuild/package.json') as { version: string };
    return new UiBundleCache({ dir: UI_CACHE_DIR, root: ROOT, salt: `esbuild ${version} ${JSON.stringify(BUILD_OPTIONS)}` });
  } catch {
    return null;
  }
}

async function runEsbuild(cache: UiBundleCache | null): Promise<UiBuildOutput> {
  // loaded lazily: only a start that has to build pays for esbuild's service process
  const esbuild = await import('esbuild');
  let result: Awaited<ReturnType<typeof esbuild.build>>;
  try {
    result = await esbuild.build(BUILD_OPTIONS);
  } catch (err) {
    const e = err as { errors?: { text: string; location?: { file: string; line: number } | null }[] };
    const first = e.errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
    throw new AfgError('AFG_E_DASHBOARD_UI_BUILD', `${where}${first?.text ?? (err as Error).message}`, { cause: err });
  }
  const file = (base: string) => result.outputFiles?.find((f) => path.basename(f.path) === base);
  const js = file('app.js');
  const css = file('app-style.css');
  if (!js || !css) throw new AfgError('AFG_E_DASHBOARD_UI_BUILD', 'esbuild produced no app.js or app.css');
  const out = { appJs: Buffer.from(js.contents), appCss: Buffer.from(css.contents) };
  // a source edited during the build (~100 ms) would be cached under its new hash: accepted,
  // the next edit of any input rebuilds
  await cache?.save(out, Object.keys(result.metafile?.inputs ?? {}));
  return out;
}
