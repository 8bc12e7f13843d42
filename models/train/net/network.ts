import { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';
import type { Layer, Tensor, Tf, Weight } from './layer.ts';

interface NetNode {
  layer: Layer;
  inputs: string[];
}

/**
 * A small directed acyclic network of layers with one float32 input [batch, ...dims] and named
 * outputs, run by tfjs for training and exported as one ONNX graph. Layers are added in
 * topological order and refer to earlier values by name (the input's name or a layer's name).
 *
 * Cost: the sum of its layers' costs.
 *
 * @example
 *   const net = new Network({ name: 'tiny', input: { name: 'x', dims: [30, 41] } });
 *   net.add(new TimePooling({ name: 'mean', mode: 'mean', steps: 30 }), ['x']);
 *   net.add(new Dense(tf, rnd, { name: 'logits', in: 41, out: 4 }), ['mean']);
 *   net.add(new Activation({ name: 'p', fn: 'softmax' }), ['logits']);
 *   net.output('probs', 'p', [4]);
 *   const { probs } = net.forward(tf, x);
 *   const onnxBytes = net.toOnnx({ producerVersion: '1' });
 */
export class Network {
  readonly name: string;
  readonly input: { name: string; dims: number[] };
  private readonly nodes: NetNode[] = [];
  private readonly outs: { name: string; from: string; dims: number[] }[] = [];
  private readonly known = new Set<string>();

  constructor(o: { name: string; input: { name: string; dims: number[] } }) {
    if (!o.input.dims.every((d) => Number.isInteger(d) && d > 0)) throw new RangeError('network input dims must be positive integers');
    this.name = o.name;
    this.input = o.input;
    this.known.add(o.input.name);
  }

  add(layer: Layer, inputs: string[]): string {
    if (this.known.has(layer.name)) throw new RangeError(`network ${this.name}: '${layer.name}' is defined twice`);
    for (const i of inputs) if (!this.known.has(i)) throw new RangeError(`network ${this.name}: layer '${layer.name}' reads '${i}', which is not defined before it`);
    this.nodes.push({ layer, inputs });
    this.known.add(layer.name);
    return layer.name;
  }

  /** Declares an output `name` taken from value `from`, with shape [batch, ...dims]. */
  output(name: string, from: string, dims: number[]): void {
    if (!this.known.has(from)) throw new RangeError(`network ${this.name}: output '${name}' reads unknown '${from}'`);
    this.outs.push({ name, from, dims });
  }

  get outputs(): readonly { name: string; dims: number[] }[] {
    return this.outs;
  }

  weights(): Weight[] {
    return this.nodes.flatMap((n) => [...n.layer.weights]);
  }

  parameterCount(): number {
    return this.weights().reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  }

  /**
   * The tfjs forward pass: the declared outputs, plus any intermediate values named in `also`
   * (e.g. logits for a numerically stable loss). Tensors are the caller's to dispose (tf.tidy).
   */
  forward(tf: Tf, x: Tensor, also: readonly string[] = []): Record<string, Tensor> {
    const values = new Map<string, Tensor>([[this.input.name, x]]);
    for (const n of this.nodes) values.set(n.layer.name, n.layer.apply(tf, n.inputs.map((i) => values.get(i)!)));
    const out: Record<string, Tensor> = Object.fromEntries(this.outs.map((o) => [o.name, values.get(o.from)!]));
    for (const a of also) {
      const v = values.get(a);
      if (!v) throw new RangeError(`network ${this.name}: no value '${a}'`);
      out[a] = v;
    }
    return out;
  }

  /** The whole network as ONNX bytes (IR 8, opset 17), with the current weights. */
  toOnnx(meta: { producerVersion: string; docString?: string; metadata?: Record<string, string> }): Uint8Array {
    const g = new OnnxGraphBuilder(this.name);
    g.input(this.input.name, ['batch', ...this.input.dims]);
    const names = new Map<string, string>([[this.input.name, this.input.name]]);
    for (const n of this.nodes) names.set(n.layer.name, n.layer.toOnnx(g, n.inputs.map((i) => names.get(i)!)));
    for (const o of this.outs) g.output(names.get(o.from)!, ['batch', ...o.dims], o.name);
    return g.encode(meta);
  }

  /** The layers and their hyper-parameters, for the manifest. */
  describe(): { name: string; inputs: string[]; [k: string]: unknown }[] {
    return this.nodes.map((n) => ({ name: n.layer.name, inputs: n.inputs, ...n.layer.describe() }));
  }
}
