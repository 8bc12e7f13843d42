import t from 'tap';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '../../gateway/config/load-config.ts';
import { createEventDetector, EVENT_DETECTOR_NAMES, loadEventDetector } from '../../gateway/events/detector-registry.ts';
import { isAsyncDetector } from '../../gateway/events/async-event-detector.ts';
import { createConfiguredEventDetector } from '../../gateway/events/events-config.ts';

// `afg events ... --detector eye-events` and `events.detector` in the config, through the real
// CLI process and the real ONNX session.

const AFG = fileURLToPath(new URL('../../gateway/cli/afg.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = 'test/fixtures/events/saccades-deg.csv';

function afg(args: string[], timeoutMs = 90_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [AFG, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const labelsOf = (stdout: string) => stdout.trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
const runsOf = (labels: number[]) => labels.filter((l, i) => i === 0 || labels[i - 1] !== l);

t.test('afg events detect --detector eye-events: one label per row; the fixture\'s two saccades are found', async (t) => {
  const r = await afg(['events', 'detect', FIXTURE, '--units', 'deg', '--detector', 'eye-events']);
  t.equal(r.code, 0, r.stderr);
  const input = (await readFile(`${ROOT}/${FIXTURE}`, 'utf8')).trim().split('\n');
  const labels = labelsOf(r.stdout);
  t.equal(labels.length, input.length - 1);
  t.ok(labels.every((l) => l >= 1 && l <= 6), 'codes 1..6 only');
  t.equal(runsOf(labels).filter((l) => l === 2).length, 2, `runs: ${runsOf(labels)}`);
  t.equal(labels[0], 1);
  t.equal(labels[labels.length - 1], 1);
});

t.test('afg events --config: events.detector picks the detector, --detector overrides it', async (t) => {
  const dir = t.testdir();
  const cfg = (d: string) => `events:\n  detector: ${d}\ninference:\n  executionProviders: [cpu]\n`;
  await writeFile(`${dir}/eye.yaml`, cfg('eye-events'));
  await writeFile(`${dir}/ivt.yaml`, cfg('ivt'));
  const [byConfig, byFlag, ivtConfig, ivtOverridden] = await Promise.all([
    afg(['events', 'detect', FIXTURE, '--units', 'deg', '--config', `${dir}/eye.yaml`]),
    afg(['events', 'detect', FIXTURE, '--units', 'deg', '--detector', 'eye-events']),
    afg(['events', 'detect', FIXTURE, '--units', 'deg', '--config', `${dir}/ivt.yaml`]),
    afg(['events', 'detect', FIXTURE, '--units', 'deg', '--config', `${dir}/ivt.yaml`, '--detector', 'eye-events']),
  ]);
  for (const r of [byConfig, byFlag, ivtConfig, ivtOverridden]) t.equal(r.code, 0, r.stderr);
  t.equal(byConfig.stdout, byFlag.stdout, 'config eye-events = --detector eye-events');
  t.equal(ivtOverridden.stdout, byFlag.stdout, '--detector wins over the config');
  const ivt = await afg(['events', 'detect', FIXTURE, '--units', 'deg', '--detector', 'ivt']);
  t.equal(ivtConfig.stdout, ivt.stdout, 'config ivt = --detector ivt');
  t.not(ivt.stdout, byFlag.stdout, 'the two detectors do label differently (the selection is real)');
  await writeFile(`${dir}/bad.yaml`, cfg('hmm'));
  const bad = await afg(['events', 'detect', FIXTURE, '--units', 'deg', '--config', `${dir}/bad.yaml`]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /AFG_E_CONFIG_INVALID/);
  t.match(bad.stderr, /\/events\/detector/);
});

t.test('the registry: eye-events is listed, made asynchronously, refused by the synchronous factory', async (t) => {
  t.ok(EVENT_DETECTOR_NAMES.includes('eye-events'));
  t.throws(() => createEventDetector('eye-events'), /AFG_E_INPUT_INVALID: event detector 'eye-events' runs a model: make it with loadEventDetector/);
  t.throws(() => createEventDetector('nope'), /unknown event detector 'nope' \(known: apd, ivt, eye-events\)/);
  await t.rejects(loadEventDetector('nope'), /unknown event detector/);
  const det = await loadEventDetector('eye-events');
  t.equal(det.name, 'eye-events');
  t.ok(isAsyncDetector(det));
  t.equal(isAsyncDetector(await loadEventDetector('apd')), false);
});

t.test('config: events.detector defaults to apd; createConfiguredEventDetector follows it', async (t) => {
  const def = validateConfig({});
  t.equal(def.events.detector, 'apd');
  t.throws(() => validateConfig({ events: { detector: 'eyeevents' } }), /AFG_E_CONFIG_INVALID/);
  t.throws(() => validateConfig({ events: { detectr: 'apd' } }), /AFG_E_CONFIG_INVALID/);
  t.equal((await createConfiguredEventDetector(def, ROOT)).name, 'apd');
  const eye = await createConfiguredEventDetector(validateConfig({ events: { detector: 'eye-events' }, inference: { executionProviders: ['cpu'] } }), ROOT);
  t.equal(eye.name, 'eye-events');
  t.ok(isAsyncDetector(eye));
  // a model folder without an eye-events entry stops it with the manifest error
  await t.rejects(createConfiguredEventDetector(validateConfig({ events: { detector: 'eye-events' }, inference: { modelDir: 'test/fixtures/events' } }), ROOT), /AFG_E_MODEL_MANIFEST/);
});
