import type { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';
import type { Layer, Tensor, Tf } from './layer.ts';

/**
 * Collapses the time axis of [N, T, D] to [N, D]: the mean over the steps, or the last step.
 * ONNX: ReduceMean(axes [1], keepdims 0) (axes as an attribute up to opset 17), or
 * Slice(starts -1, ends T, axes 1) + Squeeze(axes 1).
 *
 * @example
 *   net.add(new TimePooling({ name: 'mean', mode: 'mean', steps: 30 }), ['ln2']);
 */
export class TimePooling implements Layer {
  readonly kind = 'time_pooling';
  readonly name: string;
  readonly mode: 'mean' | 'last';
  readonly steps: number;
  readonly weights = [] as const;

  constructor(o: { name: string; mode: 'mean' | 'last'; steps: number }) {
    if (o.mode !== 'mean' && o.mode !== 'last') throw new RangeError(`time_pooling ${o.name}: mode must be mean or last`);
    if (!(Number.isInteger(o.steps) && o.steps > 0)) throw new RangeError(`time_pooling ${o.name}: steps must be a positive integer`);
    this.name = o.name;
    this.mode = o.mode;
    this.steps = o.steps;
  }

  apply(tf: Tf, [x]: Tensor[]): Tensor {
    if (this.mode === 'mean') return tf.mean(x!, 1);
    const [n, t, d] = x!.shape as [number, number, number];
    // slice, not gather: the wasm backend has no gradient kernel for gather (UnsortedSegmentSum)
    return tf.slice(x!, [0, t - 1, 0], [n, 1, d]).reshape([n, d]);
  }

  toOnnx(g: OnnxGraphBuilder, [x]: string[]): string {
    if (this.mode === 'mean') return g.node('ReduceMean', [x!], { axes: [1], keepdims: 0 }, this.name);
    const last = g.node('Slice', [x!, g.int64(`${this.name}.starts`, [this.steps - 1]), g.int64(`${this.name}.ends`, [this.steps]), g.int64(`${this.name}.axes`, [1])], {}, `${this.name}_slice`);
    return g.node('Squeeze', [last, g.int64(`${this.name}.squeeze_axes`, [1])], {}, this.name);
  }

  describe() {
    return { kind: this.kind, mode: this.mode };
  }
}
