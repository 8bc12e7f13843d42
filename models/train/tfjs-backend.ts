import type { Tf } from './net/layer.ts';

let loaded: Promise<Tf> | null = null;

/**
 * tfjs on its WebAssembly backend (XNNPACK with SIMD where the CPU has it, single-threaded in
 * Node): fast enough to train the small models here in minutes on two cores, and deterministic
 * on one machine (no thread scheduling in the sums). Imported lazily: the gateway never loads tfjs.
 *
 * @example
 *   const tf = await loadTf();
 */
export function loadTf(): Promise<Tf> {
  loaded ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend could not be initialised');
    await tf.ready();
    return tf;
  })();
  return loaded;
}
