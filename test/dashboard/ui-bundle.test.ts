import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildUi, UI_DIR } from '../../dashboard/ui-bundle.ts';
import { startDashboard } from './floor-fixture.ts';

t.test('the UI is bundled at start: one minified module with uPlot in it, one stylesheet, from the TypeScript sources', async (t) => {
  const started = performance.now();
  const ui = await buildUi();
  t.comment(`esbuild bundle built in ${(performance.now() - started).toFixed(0)} ms`);
  t.same([...ui.keys()].sort(), ['/app.css', '/app.js', '/favicon.svg', '/index.html']);
  const js = ui.get('/app.js')!.body.toString();
  t.ok(js.length < 200_000, `app.js is ${js.length} bytes`);
  t.match(js, /uplot/i, 'uPlot is bundled in');
  t.notMatch(js, /\binnerHTML\b|\bouterHTML\b|insertAdjacentHTML|document\.write\(/, 'the bundle never builds markup from strings');
  t.match(ui.get('/app.css')!.body.toString(), /\.uplot/, "uPlot's stylesheet is bundled in");
  t.equal(await buildUi(), ui, 'built once per process');
  t.ok(ui.get('/app.js')!.gzip!.length < js.length / 2, 'gzip copy for browsers that accept it');
  t.same(gunzipSync(ui.get('/app.js')!.gzip!), ui.get('/app.js')!.body);
});

t.test('the UI sources never use innerHTML (every value is rendered as text)', async (t) => {
  const files = readdirSync(UI_DIR).filter((f) => f.endsWith('.ts'));
  t.ok(files.length >= 8);
  for (const f of files) t.notMatch(readFileSync(path.join(UI_DIR, f), 'utf8'), /\.innerHTML\s*=|outerHTML|insertAdjacentHTML/, f);
});

t.test('assets are served with ETag revalidation and gzip', async (t) => {
  const h = await startDashboard();
  t.teardown(() => h.app.close());
  const first = await h.app.inject({ url: '/app.js', headers: { 'accept-encoding': 'gzip, br' } });
  t.equal(first.statusCode, 200);
  t.equal(first.headers['content-encoding'], 'gzip');
  t.match(first.headers['content-type'], /text\/javascript/);
  t.equal(first.headers['cache-control'], 'no-cache');
  const etag = String(first.headers.etag);
  const again = await h.app.inject({ url: '/app.js', headers: { 'if-none-match': etag } });
  t.equal(again.statusCode, 304);
  const plain = await h.app.inject('/');
  t.match(plain.headers['content-type'], /text\/html/);
  t.match(plain.body, /<script type="module" src="\/app\.js"><\/script>/);
  t.match(plain.body, /<link rel="stylesheet" href="\/app\.css">/);
});
