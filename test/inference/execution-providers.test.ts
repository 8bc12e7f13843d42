import t from 'tap';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';
import { AfgError } from '../../gateway/core/errors.ts';
import { createSessionWithFallback, providerConfig, DEFAULT_PROVIDER_OPTIONS } from '../../gateway/inference/execution-providers.ts';
import { FEATURE_NAMES } from '../../gateway/features/feature-names.ts';
import { writeTinyAttentionModel } from './tiny-attention-model.ts';

/** input channels of a window step: values and presence of every gateway feature, and the role */
const C = 2 * FEATURE_NAMES.length + 1;

// Where onnxruntime-node looks for provider libraries: the npm package ships the CPU build (and,
// on x64 Linux, downloads the CUDA/TensorRT libraries at install time unless told to skip, as
// .npmrc does here). Without those files the GPU providers must fail at session creation.
const require = createRequire(import.meta.url);
const binDir = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin', `napi-v6`, process.platform, process.arch);
const gpuLibsPresent = existsSync(path.join(binDir, 'libonnxruntime_providers_cuda.so')) || existsSync(path.join(binDir, 'libonnxruntime_providers_tensorrt.so'));

t.test('tensorrt and cuda fail for real on a machine without their libraries; cpu is chosen and the failures are kept', { skip: gpuLibsPresent ? 'GPU provider libraries are installed here' : false }, async (t) => {
  const dir = t.testdir();
  const { bytes } = await writeTinyAttentionModel(dir);
  const r = await createSessionWithFallback(bytes, ['tensorrt', 'cuda', 'cpu'], { label: 'tiny' });
  t.teardown(() => r.session.release());
  t.equal(r.provider, 'cpu');
  t.same(r.attempts.map((a) => [a.provider, a.ok]), [['tensorrt', false], ['cuda', false], ['cpu', true]]);
  t.match(r.attempts[0]!.error, /TensorRT.*Failed to load shared library/i, 'onnxruntime says why tensorrt failed');
  t.match(r.attempts[1]!.error, /Cuda.*Failed to load shared library/i, 'onnxruntime says why cuda failed');
  const out = await r.session.run({ x: new ort.Tensor('float32', new Float32Array(6 * C), [1, 6, C]) });
  t.equal(out['probs']!.dims.join(','), '1,4', 'the chosen session runs');

  const err = await createSessionWithFallback(bytes, ['tensorrt', 'cuda'], { label: 'tiny' }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof AfgError, 'no provider of the list works: an AfgError');
  t.equal((err as AfgError).code, 'AFG_E_EXECUTION_PROVIDER');
  t.match((err as Error).message, /tensorrt: .*Failed to load shared library.*cuda: .*Failed to load shared library/);
});

t.test('the first provider that works wins, in the configured order', async (t) => {
  const dir = t.testdir();
  const { bytes } = await writeTinyAttentionModel(dir);
  const r = await createSessionWithFallback(bytes, ['cpu', 'tensorrt'], { label: 'tiny' });
  t.teardown(() => r.session.release());
  t.equal(r.provider, 'cpu');
  t.same(r.attempts, [{ provider: 'cpu', ok: true }], 'providers after the first working one are not tried');
});

t.test('a file onnxruntime cannot parse is AFG_E_MODEL_LOAD (the CPU provider always exists)', async (t) => {
  await t.rejects(createSessionWithFallback(new TextEncoder().encode('not an onnx model'), ['cuda', 'cpu'], { label: 'garbage' }), { code: 'AFG_E_MODEL_LOAD', message: /garbage: onnxruntime cannot load it/ });
  await t.rejects(createSessionWithFallback(new Uint8Array(0), [], {}), { code: 'AFG_E_EXECUTION_PROVIDER' });
});

t.test('TensorRT and CUDA options pass through under onnxruntime option names', async (t) => {
  const trt = providerConfig('tensorrt', { ...DEFAULT_PROVIDER_OPTIONS, tensorrt: { deviceId: 1, fp16: true, engineCacheDir: '/var/lib/afg/trt', workspaceMb: 512 } }) as unknown as Record<string, unknown>;
  t.same(trt, { name: 'tensorrt', deviceId: 1, trt_fp16_enable: '1', trt_max_workspace_size: String(512 * 1024 * 1024), trt_engine_cache_enable: '1', trt_engine_cache_path: '/var/lib/afg/trt' });
  const off = providerConfig('tensorrt', { ...DEFAULT_PROVIDER_OPTIONS, tensorrt: { deviceId: 0, fp16: false, engineCacheDir: null, workspaceMb: 1024 } }) as unknown as Record<string, unknown>;
  t.equal(off['trt_fp16_enable'], '0');
  t.equal(off['trt_engine_cache_enable'], '0');
  t.notOk('trt_engine_cache_path' in off);
  t.same(providerConfig('cuda', { ...DEFAULT_PROVIDER_OPTIONS, cuda: { deviceId: 2 } }), { name: 'cuda', deviceId: 2 });
  t.equal(providerConfig('cpu', DEFAULT_PROVIDER_OPTIONS), 'cpu');
});
