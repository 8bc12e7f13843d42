import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { writeTinyAttentionModel } from './tiny-attention-model.ts';

const AFG = fileURLToPath(new URL('../../gateway/cli/afg.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `afg start --config file`, resolves when `until` matches the output or the process exits. */
function afgStart(config: string, until: RegExp, timeoutMs = 60_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [AFG, 'start', '--config', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    let signalled = false;
    const finish = (code: number | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code, out });
    };
    const onData = (d: Buffer) => {
      out += d.toString();
      // one SIGTERM: output keeps coming while the gateway stops (e.g. a connect retry logged)
      if (!signalled && until.test(out)) {
        signalled = true;
        p.kill('SIGTERM');
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('exit', (code) => finish(code));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  });
}

t.test('afg start with the bundled ONNX model: the banner names the provider, the model and the providers that failed', async (t) => {
  const dir = t.testdir();
  await writeFile(
    `${dir}/onnx.yaml`,
    [`dataDir: ${dir}/data`, 'mqtt: { embeddedPort: 0 }', 'dashboard: { port: 0 }', 'logLevel: warn', 'inference: { estimator: attention-state }', 'simulation:', '  enabled: true', `  scenario: ${ROOT}/examples/scenarios/attentive.yaml`].join('\n'),
  );
  const r = await afgStart(`${dir}/onnx.yaml`, /Ctrl-C stops the gateway/);
  t.equal(r.code, 0, r.out);
  t.match(r.out, /inference:\s+cpu — attention-state\/\d+\.\d+\.\d+ on onnxruntime \(tensorrt, cuda unavailable, see log\), hot swap on/);
  t.match(r.out, /execution provider tensorrt unavailable/, 'the reason is logged');
});

t.test('a model that does not match its manifest stops the start with its code and what differs', async (t) => {
  const dir = t.testdir();
  const models = `${dir}/models`;
  await writeTinyAttentionModel(models, { features: ['perclos', 'gaze_valid_ratio', 'pupil_torque'] });
  await writeFile(`${dir}/bad.yaml`, [`dataDir: ${dir}/data`, 'mqtt: { embeddedPort: 0 }', 'dashboard: { enabled: false }', `inference: { estimator: onnx, modelDir: ${models} }`].join('\n'));
  const r = await afgStart(`${dir}/bad.yaml`, /$^/);
  t.equal(r.code, 1);
  t.match(r.out, /AFG_E_MODEL_MISMATCH: the model needs feature\(s\) this gateway does not compute: pupil_torque/);
  t.match(r.out, /at config path \/inference\/estimator/);
  t.notMatch(r.out, /Ctrl-C stops the gateway/, 'nothing started');
});
