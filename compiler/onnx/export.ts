/**
 * exportOnnx(graph, params) → ONNX bytes (opset 17, standard ops only): the graph's outputs as an
 * inference model, with params (the given trained values, else their initial values) as
 * initializers. Each Axon primitive maps to one or a few ONNX nodes; training-only primitives
 * (gradient kernels, random numbers) are refused with an error naming them.
 */
import type { Graph, Tensor } from '../ir/graph.ts';
import type { OpName } from '../ops/attrs.ts';
import type { DType } from '../ir/types.ts';
import type Proto from 'onnx-proto';
import { onnx, DataType, OnnxError } from './proto.ts';
import { AXON_VERSION } from '../version.ts';

export const EXPORT_OPSET = 17;

export interface ExportOptions {
  /** trained values by param/state name (default: the graph's initial values) */
  params?: Record<string, ArrayLike<number>>;
  /** only these outputs (default: all) */
  outputs?: string[];
  producerName?: string;
}

const elem = (d: DType) => (d === 'f32' ? DataType.FLOAT : DataType.INT32);

interface Builder {
  nodes: Proto.onnx.INodeProto[];
  initializers: Proto.onnx.ITensorProto[];
  fresh(hint: string): string;
  node(op: string, inputs: string[], attrs?: Record<string, number | number[] | string>, hint?: string): string;
  int64s(values: readonly number[], hint: string): string;
}

function attribute(name: string, v: number | number[] | string): Proto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
}

function tensorProto(name: string, shape: readonly number[], dtype: DType, values: ArrayLike<number>): Proto.onnx.ITensorProto {
  const bytes = dtype === 'f32' ? new Uint8Array(Float32Array.from(values).buffer) : new Uint8Array(Int32Array.from(values).buffer);
  return { name, dims: [...shape], dataType: elem(dtype), rawData: bytes };
}

function makeBuilder(): Builder {
  let n = 0;
  const b: Builder = {
    nodes: [],
    initializers: [],
    fresh: (hint) => `${hint}_${n++}`,
    node(op, inputs, attrs = {}, hint = op.toLowerCase()) {
      const out = b.fresh(hint);
      b.nodes.push({ opType: op, name: `${op}_${n}`, input: inputs, output: [out], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
      return out;
    },
    int64s(values, hint) {
      const name = b.fresh(hint);
      const big = new BigInt64Array(values.map((v) => BigInt(v)));
      b.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: new Uint8Array(big.buffer) });
      return name;
    },
  };
  return b;
}

/** ONNX pads [x1_begin, x2_begin, x1_end, x2_end] from Axon's [top, bottom, left, right] */
const onnxPads = (p: readonly number[]) => [p[0]!, p[2]!, p[1]!, p[3]!];

function lowerNode(b: Builder, t: Tensor, ins: string[]): string {
  const a = t.attrs as Record<string, any>;
  const op = t.op as OpName;
  const un = (o: string) => b.node(o, ins);
  const bin = (o: string) => b.node(o, ins);
  const cmp = (o: string) => b.node('Cast', [b.node(o, ins)], { to: elem(t.dtype) });
  switch (op) {
    case 'neg': return un('Neg');
    case 'exp': return un('Exp');
    case 'log': return un('Log');
    case 'sqrt': return un('Sqrt');
    case 'recip': return un('Reciprocal');
    case 'abs': return un('Abs');
    case 'sign': return un('Sign');
    case 'tanh': return un('Tanh');
    case 'sigmoid': return un('Sigmoid');
    case 'relu': return un('Relu');
    case 'step': {
      const zero = b.fresh('zero');
      b.initializers.push(tensorProto(zero, [], t.dtype, [0]));
      return b.node('Cast', [b.node('Greater', [ins[0]!, zero])], { to: elem(t.dtype) });
    }
    case 'cast': return b.node('Cast', ins, { to: elem(a.dtype) });
    case 'stop_gradient': return un('Identity');
    case 'erf': return un('Erf');
    case 'sin': return un('Sin');
    case 'cos': return un('Cos');
    case 'floor': return un('Floor');
    case 'ceil': return un('Ceil');
    case 'round': return un('Round');
    case 'mod': {
      if (t.dtype === 'i32') return b.node('Mod', ins, { fmod: 0 });
      // ONNX has no floored float Mod: a − b·⌊a/b⌋
      return b.node('Sub', [ins[0]!, b.node('Mul', [ins[1]!, b.node('Floor', [b.node('Div', ins)])])]);
    }
    case 'less_equal': return cmp('LessOrEqual');
    case 'greater_equal': return cmp('GreaterOrEqual');
    case 'not_equal': return b.node('Cast', [b.node('Not', [b.node('Equal', ins)])], { to: elem(t.dtype) });
    case 'min': return b.node('ReduceMin', ins, { axes: a.axes, keepdims: 1 });
    case 'pad': {
      const value = b.fresh('pad_value');
      b.initializers.push(tensorProto(value, [], t.dtype, [a.value]));
      return b.node('Pad', [ins[0]!, b.int64s([...a.before, ...a.after], 'pads'), value], { mode: 'constant' });
    }
    case 'slice': {
      const dims = t.inputs[0]!.shape;
      // a stop of −1 with a negative step means "through index 0": ONNX spells that as a very negative end
      const ends = (a.stop as number[]).map((e, d) => (e === -1 && a.step[d] < 0 ? -(dims[d]! + 1) : e));
      return b.node('Slice', [ins[0]!, b.int64s(a.start, 'starts'), b.int64s(ends, 'ends'), b.int64s([...dims.keys()], 'axes'), b.int64s(a.step, 'steps')]);
    }
    case 'concat': return b.node('Concat', ins, { axis: a.axis });
    case 'gather': return b.node('Gather', ins, { axis: a.axis });
    case 'add': return bin('Add');
    case 'sub': return bin('Sub');
    case 'mul': return bin('Mul');
    case 'div': return bin('Div');
    case 'maximum': return bin('Max');
    case 'minimum': return bin('Min');
    case 'pow': return bin('Pow');
    case 'less': return cmp('Less');
    case 'greater': return cmp('Greater');
    case 'equal': return cmp('Equal');
    case 'where': return b.node('Where', [b.node('Cast', [ins[0]!], { to: DataType.BOOL }), ins[1]!, ins[2]!]);
    case 'iota': {
      // a static index pattern: exported as its values
      const shape = a.shape as number[], axis = a.axis as number;
      const inner = shape.slice(axis + 1).reduce((x, y) => x * y, 1);
      const size = shape.reduce((x, y) => x * y, 1);
      const name = b.fresh('iota');
      b.initializers.push(tensorProto(name, shape, 'i32', Array.from({ length: size }, (_, i) => Math.floor(i / inner) % shape[axis]!)));
      return b.node('Identity', [name]);
    }
    case 'sum': return b.node('ReduceSum', [ins[0]!, b.int64s(a.axes, 'axes')], { keepdims: 1 });
    case 'max': return b.node('ReduceMax', ins, { axes: a.axes, keepdims: 1 });
    case 'argmax': return b.node('Cast', [b.node('ArgMax', ins, { axis: a.axis, keepdims: 1 })], { to: DataType.INT32 });
    case 'reshape': return b.node('Reshape', [ins[0]!, b.int64s(a.shape, 'shape')]);
    case 'transpose': return b.node('Transpose', ins, { perm: a.perm });
    case 'broadcast': return b.node('Expand', [ins[0]!, b.int64s(a.shape, 'shape')]);
    case 'matmul': return bin('MatMul');
    case 'conv2d': return b.node('Conv', ins, { strides: a.stride, pads: onnxPads(a.pad), dilations: a.dilation, group: a.groups });
    case 'conv2d_input_grad': {
      // the transposed convolution; output_padding recovers rows the strided forward dropped
      const [, , kh, kw] = t.inputs[1]!.shape as [number, number, number, number];
      const [, , ih, iw] = t.inputs[0]!.shape as [number, number, number, number];
      const full = (i: number, k: number, s: number, d: number) => s * (i - 1) + (k - 1) * d + 1;
      const outH = a.inputShape[2] as number, outW = a.inputShape[3] as number;
      const opH = outH - (full(ih, kh, a.stride[0], a.dilation[0]) - a.pad[0] - a.pad[1]);
      const opW = outW - (full(iw, kw, a.stride[1], a.dilation[1]) - a.pad[2] - a.pad[3]);
      return b.node('ConvTranspose', ins, { strides: a.stride, pads: onnxPads(a.pad), dilations: a.dilation, group: a.groups, output_padding: [opH, opW] });
    }
    case 'maxpool2d': return b.node('MaxPool', ins, { kernel_shape: a.kernel, strides: a.stride, pads: onnxPads(a.pad) });
    case 'avgpool2d': return b.node('AveragePool', ins, { kernel_shape: a.kernel, strides: a.stride, pads: onnxPads(a.pad), count_include_pad: 1 });
    case 'random_uniform':
    case 'scatter_add':
    case 'conv2d_weight_grad':
    case 'maxpool2d_grad':
    case 'avgpool2d_grad':
      throw new OnnxError(`exportOnnx: op "${op}" (${t}) belongs to training, not to an inference graph; export the forward graph`);
    default: {
      const never: never = op;
      throw new OnnxError(`exportOnnx: no ONNX mapping for op "${String(never)}"`);
    }
  }
}

export function exportOnnx(graph: Graph, options: ExportOptions = {}): Uint8Array {
  const b = makeBuilder();
  const wanted = options.outputs ?? [...graph.outputs.keys()];
  for (const o of wanted) if (!graph.outputs.has(o)) throw new OnnxError(`exportOnnx: graph "${graph.name}" has no output "${o}"; outputs are ${[...graph.outputs.keys()].join(', ')}`);
  // only what the outputs need
  const needed = new Set<Tensor>();
  const visit = (t: Tensor) => { if (needed.has(t)) return; needed.add(t); t.inputs.forEach(visit); };
  wanted.forEach((o) => visit(graph.outputs.get(o)!));
  const names = new Map<Tensor, string>();
  const inputs: Proto.onnx.IValueInfoProto[] = [];
  const valueInfo = (name: string, t: Tensor): Proto.onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: elem(t.dtype), shape: { dim: t.shape.map((d) => ({ dimValue: d })) } } } });
  for (const t of graph.nodes) {
    if (!needed.has(t)) continue;
    if (t.op === 'input') { names.set(t, t.name!); inputs.push(valueInfo(t.name!, t)); continue; }
    if (t.op === 'param' || t.op === 'state' || t.op === 'const') {
      const name = t.name ?? b.fresh('const');
      const given = t.name !== undefined ? options.params?.[t.name] : undefined;
      const values = given ?? t.value!;
      if (values.length !== t.size) throw new OnnxError(`exportOnnx: value of "${name}" has ${values.length} elements, ${t} needs ${t.size}`);
      if (t.op === 'const') {
        // constants become Constant nodes, so initializers are exactly the params and state (and an
        // importer that makes initializers trainable gets the same set back)
        const T = onnx.AttributeProto.AttributeType;
        const out = b.fresh('const');
        b.nodes.push({ opType: 'Constant', name: out, input: [], output: [out], attribute: [{ name: 'value', type: T.TENSOR, t: tensorProto(out, t.shape, t.dtype, values) }] });
        names.set(t, out);
        continue;
      }
      b.initializers.push(tensorProto(name, t.shape, t.dtype, values));
      names.set(t, name);
      continue;
    }
    names.set(t, lowerNode(b, t, t.inputs.map((i) => names.get(i)!)));
  }
  const outputs = wanted.map((o) => {
    const t = graph.outputs.get(o)!;
    b.nodes.push({ opType: 'Identity', name: `output_${o}`, input: [names.get(t)!], output: [o] });
    return valueInfo(o, t);
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: options.producerName ?? 'axon',
    producerVersion: AXON_VERSION,
    opsetImport: [{ domain: '', version: EXPORT_OPSET }],
    graph: { name: graph.name, node: b.nodes, initializer: b.initializers, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}
