import type { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';
import type { Layer, Tensor, Tf } from './layer.ts';

/**
 * Element-wise sum of two same-shaped inputs (a residual connection). ONNX: Add.
 *
 * @example
 *   net.add(new Residual({ name: 'res1' }), ['att', 'ln1']);
 */
export class Residual implements Layer {
  readonly kind = 'residual';
  readonly name: string;
  readonly weights = [] as const;

  constructor(o: { name: string }) {
    this.name = o.name;
  }

  apply(tf: Tf, [a, b]: Tensor[]): Tensor {
    return tf.add(a!, b!);
  }

  toOnnx(g: OnnxGraphBuilder, [a, b]: string[]): string {
    return g.node('Add', [a!, b!], {}, this.name);
  }

  describe() {
    return { kind: this.kind };
  }
}

/**
 * Concatenation on the last axis. ONNX: Concat(axis -1).
 *
 * @example
 *   net.add(new ConcatLast({ name: 'pooled' }), ['mean', 'last']);
 */
export class ConcatLast implements Layer {
  readonly kind = 'concat';
  readonly name: string;
  readonly weights = [] as const;

  constructor(o: { name: string }) {
    this.name = o.name;
  }

  apply(tf: Tf, xs: Tensor[]): Tensor {
    return tf.concat(xs, -1);
  }

  toOnnx(g: OnnxGraphBuilder, xs: string[]): string {
    return g.node('Concat', xs, { axis: -1 }, this.name);
  }

  describe() {
    return { kind: this.kind };
  }
}
