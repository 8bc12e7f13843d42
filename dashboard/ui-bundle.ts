import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AfgError } from '../gateway/core/errors.ts';

export const UI_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ui');

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
 * Cost: one esbuild run (~100-300 ms) the first time; later calls share its promise.
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
  // loaded lazily: only a process that serves the dashboard pays for esbuild's service process
  const esbuild = await import('esbuild');
  let result: Awaited<ReturnType<typeof esbuild.build>>;
  try {
    result = await esbuild.build({
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
    });
  } catch (err) {
    const e = err as { errors?: { text: string; location?: { file: string; line: number } | null }[] };
    const first = e.errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
    throw new AfgError('AFG_E_DASHBOARD_UI_BUILD', `${where}${first?.text ?? (err as Error).message}`, { cause: err });
  }
  const assets = new Map<string, UiAsset>();
  const add = (name: string, body: Buffer, contentType: string) => {
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { body, contentType, etag, gzip: body.length > 1024 ? gzipSync(body, { level: 9 }) : null });
  };
  for (const f of result.outputFiles ?? []) {
    const base = path.basename(f.path);
    if (base === 'app.js') add('/app.js', Buffer.from(f.contents), 'text/javascript; charset=utf-8');
    else if (base === 'app-style.css') add('/app.css', Buffer.from(f.contents), 'text/css; charset=utf-8');
  }
  if (!assets.has('/app.js') || !assets.has('/app.css')) throw new AfgError('AFG_E_DASHBOARD_UI_BUILD', 'esbuild produced no app.js or app.css');
  add('/index.html', await readFile(path.join(UI_DIR, 'index.html')), 'text/html; charset=utf-8');
  add('/favicon.svg', await readFile(path.join(UI_DIR, 'favicon.svg')), 'image/svg+xml');
  return assets;
}
