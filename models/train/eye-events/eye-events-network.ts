import { SeededRandom } from '../../../firmware-bridge/simulator/seeded-random.ts';
import { Activation } from '../net/activation.ts';
import { Residual } from '../net/combine.ts';
import { Dense } from '../net/dense.ts';
import type { Layer, Tensor, Tf, Weight } from '../net/layer.ts';
import { OnnxGraphBuilder } from '../onnx/onnx-graph-builder.ts';
import { DilatedConv1d } from './dilated-conv1d.ts';

export interface EyeEventsArchitecture {
  /** input channels per grid step (EYE_EVENTS_CHANNELS) */
  channels: number;
  /** output classes */
  classes: number;
  /** width of the hidden representation */
  dim: number;
  kernel: number;
  /** residual conv blocks: dilation and future taps of each */
  blocks: readonly { dilation: number; future: number }[];
  hidden: number;
}

interface Node {
  layer: Layer;
  inputs: string[];
}

/**
 * The eye-events network: a per-step embedding, a stack of residual dilated temporal
 * convolutions (most centred with one future tap, the widest causal), and a per-step head with
 * softmax over the classes. Every step of the input gets a probability vector; a step's output
 * depends on `pastSteps` steps before it and `futureSteps` after it, nothing else, so a window
 * with that much context on each side gives its middle steps exactly what the whole recording
 * would (what makes it streamable).
 *
 *   x [N, T, C] -> dense+relu -> { conv_i+relu (+) }_i -> dense+relu -> dense -> softmax = probs [N, T, K]
 *
 * The time axis is symbolic in the export ('time'), the batch too.
 *
 * @example
 *   const net = new EyeEventsNetwork(tf, 1, arch);
 *   net.forward(tf, x);            // { logits, probs } [N, T, K]
 *   net.toOnnx({ producerVersion: '1.0.0' });
 */
export class EyeEventsNetwork {
  readonly inputName = 'x';
  readonly outputName = 'probs';
  readonly arch: EyeEventsArchitecture;
  /** steps of past and future context an output step depends on */
  readonly pastSteps: number;
  readonly futureSteps: number;
  private readonly nodes: Node[] = [];

  constructor(tf: Tf, seed: number, a: EyeEventsArchitecture) {
    this.arch = a;
    const rnd = SeededRandom.stream(seed, 'eye-events-weights');
    const add = (layer: Layer, inputs: string[]): string => {
      this.nodes.push({ layer, inputs });
      return layer.name;
    };
    let h = add(new Activation({ name: 'embed_relu', fn: 'relu' }), [add(new Dense(tf, rnd, { name: 'embed', in: a.channels, out: a.dim }), ['x'])]);
    let past = 0;
    let future = 0;
    a.blocks.forEach((b, i) => {
      const conv = new DilatedConv1d(tf, rnd, { name: `b${i + 1}`, in: a.dim, out: a.dim, kernel: a.kernel, dilation: b.dilation, future: b.future });
      past += conv.padLeft;
      future += conv.padRight;
      const r = add(new Activation({ name: `b${i + 1}_relu`, fn: 'relu' }), [add(conv, [h])]);
      h = add(new Residual({ name: `b${i + 1}_res` }), [r, h]);
    });
    const hid = add(new Activation({ name: 'hidden_relu', fn: 'relu' }), [add(new Dense(tf, rnd, { name: 'hidden', in: a.dim, out: a.hidden }), [h])]);
    add(new Dense(tf, rnd, { name: 'logits', in: a.hidden, out: a.classes }), [hid]);
    add(new Activation({ name: 'probs', fn: 'softmax' }), ['logits']);
    this.pastSteps = past;
    this.futureSteps = future;
  }

  weights(): Weight[] {
    return this.nodes.flatMap((n) => [...n.layer.weights]);
  }

  parameterCount(): number {
    return this.weights().reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** tfjs forward pass: logits and probs, [N, T, K] (the caller disposes: tf.tidy). */
  forward(tf: Tf, x: Tensor): { logits: Tensor; probs: Tensor } {
    const v = new Map<string, Tensor>([['x', x]]);
    for (const n of this.nodes) v.set(n.layer.name, n.layer.apply(tf, n.inputs.map((i) => v.get(i)!)));
    return { logits: v.get('logits')!, probs: v.get('probs')! };
  }

  /** ONNX (IR 8, opset 17): input x [batch, time, C], output probs [batch, time, K]. */
  toOnnx(meta: { producerVersion: string; docString?: string; metadata?: Record<string, string> }): Uint8Array {
    const g = new OnnxGraphBuilder('eye_events');
    g.input(this.inputName, ['batch', 'time', this.arch.channels]);
    const names = new Map<string, string>([['x', 'x']]);
    for (const n of this.nodes) names.set(n.layer.name, n.layer.toOnnx(g, n.inputs.map((i) => names.get(i)!)));
    g.output(names.get('probs')!, ['batch', 'time', this.arch.classes], this.outputName);
    return g.encode(meta);
  }

  describe(): { name: string; inputs: string[]; [k: string]: unknown }[] {
    return this.nodes.map((n) => ({ name: n.layer.name, inputs: n.inputs, ...n.layer.describe() }));
  }

  dispose(): void {
    for (const w of this.weights()) w.variable.dispose();
  }
}
