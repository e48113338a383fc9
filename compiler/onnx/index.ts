/**
 * ONNX in and out, as the package's `axon/onnx` entry: import a model as a Graph, export a graph
 * with its weights (opset 17), and write weights as safetensors. It needs the optional package
 * `onnx-proto` (protobufjs code generated from onnx.proto), so users who only compile or run
 * Axon graphs do not install it.
 */
export { importOnnx, importOnnxBytes, modelOpset, UnsupportedError, type ImportedModel, type ImportOptions } from './import.ts';
export { exportOnnx, type ExportOptions } from './export.ts';
export { decodeSafetensors, encodeSafetensors, type NamedTensor } from './safetensors.ts';
