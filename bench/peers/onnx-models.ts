/**
 * ONNX models for the inference cases, built in JS with onnx-proto (the ONNX protobuf schema
 * compiled for protobufjs), so ONNX Runtime needs no files and no Python.
 */
import onnxProto from 'onnx-proto';
import { CNN, type Workload } from '../cases.ts';
import * as W from '../workloads.ts';
import { ONNX_IO, onnxCaseBytes, onnxCaseInput } from '../cases-onnx.ts';

const { onnx } = onnxProto;
type Node = InstanceType<typeof onnx.NodeProto>;
type Attr = number | number[];

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): Node {
  const attribute = Object.entries(attrs).map(([name, v]) =>
    Array.isArray(v) ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v } : { name, type: onnx.AttributeProto.AttributeType.INT, i: v });
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, attribute, name: `${opType}_${outputs[0]}` });
}

const initializer = (name: string, t: W.Tensor) =>
  onnx.TensorProto.create({ name, dims: t.shape, dataType: FLOAT, rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) });
const int64s = (name: string, values: number[]) => onnx.TensorProto.create({ name, dims: [values.length], dataType: INT64, int64Data: values });
const valueInfo = (name: string, shape: number[]) =>
  onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: shape.map((dimValue) => ({ dimValue })) } } } });

export interface OnnxModel {
  bytes: Uint8Array;
  /** input name → data */
  feeds: Record<string, W.Tensor>;
  output: string;
}

function model(nodes: Node[], inits: InstanceType<typeof onnx.TensorProto>[], inputs: Record<string, W.Tensor>, output: [string, number[]]): OnnxModel {
  const graph = onnx.GraphProto.create({
    name: 'bench', node: nodes, initializer: inits,
    input: Object.entries(inputs).map(([n, t]) => valueInfo(n, t.shape)),
    output: [valueInfo(...output)],
  });
  const m = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'axon-bench', graph });
  return { bytes: onnx.ModelProto.encode(m).finish(), feeds: inputs, output: output[0] };
}

const dense = (x: string, w: string, b: string, y: string) => node('Gemm', [x, w, b], [y]);
const convRelu = (x: string, k: string, b: string, y: string) => [
  node('Conv', [x, k, b], [`${y}_conv`], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
  node('Relu', [`${y}_conv`], [y]),
];

/** The ONNX model for an inference workload, or undefined for training ones (ORT cannot train). */
export function onnxModelFor(w: Workload): OnnxModel | undefined {
  switch (w.kind) {
    case 'matmul': {
      const { a, b } = W.matmulInputs(w.n);
      return model([node('MatMul', ['A', 'B'], ['C'])], [], { A: a, B: b }, ['C', [w.n, w.n]]);
    }
    case 'conv': {
      if (w.backward) return undefined;
      const d = W.convInputs(w.batch);
      return model([node('Conv', ['X', 'W', 'B'], ['Y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })], [initializer('W', d.w), initializer('B', d.b)], { X: d.x }, ['Y', [w.batch, d.w.shape[0], 14, 14]]);
    }
    case 'mlp-infer': {
      const p = W.mlpParams();
      return model(
        [dense('X', 'W1', 'B1', 'H0'), node('Relu', ['H0'], ['H']), dense('H', 'W2', 'B2', 'Y')],
        [initializer('W1', p.w1), initializer('B1', p.b1), initializer('W2', p.w2), initializer('B2', p.b2)],
        { X: W.mlpBatch(w.batch).x }, ['Y', [w.batch, 10]]);
    }
    case 'cnn-infer': {
      const p = W.cnnParams();
      return model(
        [
          ...convRelu('X', 'K1', 'C1', 'A1'), node('MaxPool', ['A1'], ['P1'], { kernel_shape: [2, 2], strides: [2, 2] }),
          ...convRelu('P1', 'K2', 'C2', 'A2'), node('MaxPool', ['A2'], ['P2'], { kernel_shape: [2, 2], strides: [2, 2] }),
          node('Reshape', ['P2', 'flat_shape'], ['F']),
          dense('F', 'W3', 'B3', 'H0'), node('Relu', ['H0'], ['H']), dense('H', 'W4', 'B4', 'Y'),
        ],
        [
          initializer('K1', p.k1), initializer('C1', p.c1), initializer('K2', p.k2), initializer('C2', p.c2), int64s('flat_shape', [w.batch, CNN.flat]),
          initializer('W3', p.w3), initializer('B3', p.b3), initializer('W4', p.w4), initializer('B4', p.b4),
        ],
        { X: W.cnnBatch(w.batch).x }, ['Y', [w.batch, CNN.classes]]);
    }
    case 'onnx-infer': {
      const x = onnxCaseInput(w);
      return { bytes: onnxCaseBytes(w), feeds: { [ONNX_IO.input]: x }, output: ONNX_IO.output };
    }
    default:
      return undefined;
  }
}
