/** Builds small ONNX models for the importer tests (encoded with the same protobuf library). */
import { onnx, DataType } from '../../compiler/onnx/proto.ts';
import type Proto from 'onnx-proto';

export type Dim = number | string;
export const vi = (name: string, elemType: number, dims: Dim[]): Proto.onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});
export const node = (opType: string, input: string[], output: string[], name = `${opType}_${output[0]}`, attribute: Proto.onnx.IAttributeProto[] = []): Proto.onnx.INodeProto => ({ opType, input, output, name, attribute });
export const f32Tensor = (name: string, dims: number[], values: number[]): Proto.onnx.ITensorProto => ({ name, dims, dataType: DataType.FLOAT, floatData: values });
export const i64Tensor = (name: string, dims: number[], values: (number | bigint)[]): Proto.onnx.ITensorProto => ({
  name, dims, dataType: DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer),
});

export function model(g: { nodes: Proto.onnx.INodeProto[]; inputs: Proto.onnx.IValueInfoProto[]; outputs: Proto.onnx.IValueInfoProto[]; initializers?: Proto.onnx.ITensorProto[] }, opset = 13): Uint8Array {
  const m = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: { name: 'test', node: g.nodes, input: g.inputs, output: g.outputs, initializer: g.initializers ?? [] },
  });
  return onnx.ModelProto.encode(m).finish();
}
export { DataType };
