import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX versions every exported model declares: IR 8 with the default opset 17 (ONNX 1.12+, onnxruntime 1.12+). */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

/** A dimension of a graph input or output: a fixed size or a symbolic name such as 'batch'. */
export type Dim = number | string;

export type AttributeValue = number | number[] | string | { ints: number[] } | { float: number };

interface ValueInfo {
  name: string;
  shape: Dim[];
}

/**
 * Collects the nodes, float32 initializers, inputs and outputs of one ONNX graph and encodes it
 * as a ModelProto (IR 8, opset 17) with the onnx-proto protobuf definitions. Encoding is
 * deterministic: the same calls give the same bytes, so an exported file can be compared by hash.
 *
 * Cost: O(weights) to copy initializers; encoding is one protobuf pass.
 *
 * @example
 *   const g = new OnnxGraphBuilder('tiny');
 *   g.input('x', ['batch', 3]);
 *   const w = g.initializer('w', new Float32Array(6), [3, 2]);
 *   g.output(g.node('MatMul', ['x', w]), ['batch', 2], 'y');
 *   const bytes = g.encode({ producerVersion: '1' });
 */
export class OnnxGraphBuilder {
  private readonly nodes: ReturnType<typeof onnx.NodeProto.create>[] = [];
  private readonly initializers: ReturnType<typeof onnx.TensorProto.create>[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly graphName: string) {
    if (!graphName) throw new TypeError('an ONNX graph needs a name');
  }

  /** A fresh value name with this prefix (unique within the graph). */
  fresh(prefix: string): string {
    let name = prefix;
    while (this.names.has(name)) name = `${prefix}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  input(name: string, shape: Dim[]): string {
    this.claim(name);
    this.inputs.push({ name, shape });
    return name;
  }

  /** Declares `value` a graph output; when `as` is given the value is renamed through an Identity. */
  output(value: string, shape: Dim[], as?: string): string {
    let name = value;
    if (as !== undefined && as !== value) {
      this.claim(as);
      this.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [value], output: [as], name: `${as}_identity` }));
      name = as;
    }
    this.outputs.push({ name, shape });
    return name;
  }

  /** A float32 constant (weights); `data` is copied. */
  initializer(name: string, data: Float32Array | readonly number[], dims: number[]): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new RangeError(`initializer ${name}: ${data.length} values for dims [${dims.join(', ')}]`);
    const unique = this.fresh(name);
    const f = Float32Array.from(data);
    // raw_data is little-endian (ONNX spec, onnx.proto TensorProto.raw_data); typed arrays are platform-endian
    const raw = new Uint8Array(f.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < f.length; i++) view.setFloat32(i * 4, f[i]!, true);
    this.initializers.push(onnx.TensorProto.create({ name: unique, dataType: onnx.TensorProto.DataType.FLOAT, dims, rawData: raw }));
    return unique;
  }

  /** An int64 constant (shapes, axes, indices). */
  int64(name: string, values: readonly number[], dims: number[] = [values.length]): string {
    const unique = this.fresh(name);
    this.initializers.push(onnx.TensorProto.create({ name: unique, dataType: onnx.TensorProto.DataType.INT64, dims, int64Data: [...values] }));
    return unique;
  }

  /**
   * Adds one node and returns the name of its (first) output. Attributes: a number is INT when
   * integral, else FLOAT ({ float } forces FLOAT); number[] is INTS; { ints } forces INTS; string is STRING.
   */
  node(opType: string, inputs: string[], attrs: Record<string, AttributeValue> = {}, outputName?: string): string {
    const out = this.fresh(outputName ?? opType.toLowerCase());
    const attribute = Object.entries(attrs).map(([name, v]) => toAttribute(name, v));
    this.nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: [out], name: `${out}_node`, attribute }));
    return out;
  }

  encode(meta: { producerVersion: string; docString?: string; metadata?: Record<string, string> }): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: this.graphName,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs.map(valueInfo),
      output: this.outputs.map(valueInfo),
    });
    const model = onnx.ModelProto.create({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'afg-train',
      producerVersion: meta.producerVersion,
      graph,
      ...(meta.docString !== undefined ? { docString: meta.docString } : {}),
      metadataProps: Object.entries(meta.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new RangeError(`ONNX value name '${name}' is used twice`);
    this.names.add(name);
  }
}

function valueInfo(v: ValueInfo) {
  return onnx.ValueInfoProto.create({
    name: v.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function toAttribute(name: string, v: AttributeValue) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v });
  if (typeof v === 'object' && 'ints' in v) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v.ints });
  if (typeof v === 'object' && 'float' in v) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.float });
  if (Number.isInteger(v)) return onnx.AttributeProto.create({ name, type: T.INT, i: v });
  return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v });
}
