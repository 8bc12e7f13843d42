import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UiBundleCache } from '../../dashboard/ui-bundle-cache.ts';
import { buildUi, UI_CACHE_DIR } from '../../dashboard/ui-bundle.ts';

function fixture(t: { teardown(fn: () => void): void }) {
  const root = mkdtempSync(path.join(tmpdir(), 'afg-ui-cache-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(path.join(root, 'main.ts'), 'export const a = 1;\n');
  writeFileSync(path.join(root, 'style.css'), 'body { color: red }\n');
  const cache = new UiBundleCache({ dir: path.join(root, 'cache'), root, salt: 'esbuild test' });
  const out = { appJs: Buffer.from('const a=1;'), appCss: Buffer.from('body{color:red}') };
  return { root, cache, out };
}

t.test('a saved build is found again while its inputs are unchanged', async (t) => {
  const { cache, out } = fixture(t);
  t.equal(await cache.load(), null, 'empty cache: build');
  t.equal(await cache.save(out, ['main.ts', 'style.css', 'main.ts']), true);
  const hit = await cache.load();
  t.same(hit?.appJs, out.appJs);
  t.same(hit?.appCss, out.appCss);
});

t.test('any change to an input, a missing input or another salt is a miss', async (t) => {
  const { root, cache, out } = fixture(t);
  await cache.save(out, ['main.ts', 'style.css']);
  writeFileSync(path.join(root, 'style.css'), 'body { color: blue }\n');
  t.equal(await cache.load(), null, 'edited stylesheet');
  await cache.save(out, ['main.ts', 'style.css']);
  t.not(await cache.load(), null);
  t.equal(await new UiBundleCache({ dir: path.join(root, 'cache'), root, salt: 'esbuild other' }).load(), null, 'other esbuild version or options');
  rmSync(path.join(root, 'main.ts'));
  t.equal(await cache.load(), null, 'input gone');
});

t.test('a torn or foreign index is a miss, an unwritable folder only means no cache', async (t) => {
  const { root, cache, out } = fixture(t);
  await cache.save(out, ['main.ts']);
  writeFileSync(path.join(root, 'cache', 'index.json'), '{"key": "../../etc", "inputs": ["main.ts"]}');
  t.equal(await cache.load(), null);
  writeFileSync(path.join(root, 'cache', 'index.json'), '{"key":');
  t.equal(await cache.load(), null);
  writeFileSync(path.join(root, 'blocker'), 'a file where the folder would be');
  const blocked = new UiBundleCache({ dir: path.join(root, 'blocker', 'cache'), root, salt: 'x' });
  t.equal(await blocked.save(out, ['main.ts']), false);
  t.equal(await blocked.load(), null);
});

t.test('constructor arguments are checked', async (t) => {
  t.throws(() => new UiBundleCache({ dir: 'relative', root: '/', salt: 'x' }), TypeError);
  t.throws(() => new UiBundleCache({ dir: '/x', root: 'relative', salt: 'x' }), TypeError);
  t.throws(() => new UiBundleCache({ dir: '/x', root: '/', salt: '' }), TypeError);
});

t.test('the dashboard keeps its bundle in the cache, with the UI sources and uPlot as inputs', async (t) => {
  const ui = await buildUi();
  const index = JSON.parse(readFileSync(path.join(UI_CACHE_DIR, 'index.json'), 'utf8')) as { key: string; inputs: string[] };
  t.ok(index.inputs.includes('dashboard/ui/main.ts'));
  t.ok(index.inputs.some((f) => /uplot/i.test(f)), 'uPlot is an input');
  t.same(readFileSync(path.join(UI_CACHE_DIR, index.key, 'app.js')), ui.get('/app.js')!.body, 'served bytes = cached bytes');
});
