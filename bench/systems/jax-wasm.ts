import { packageVersion } from '../peers/node-webgpu.ts';
import { initJax, prepareJaxCase } from '../peers/jax.ts';
import type { BenchSystem } from '../system.ts';
import { NO_ONNX_READER, unlessOnnx } from '../cases-onnx.ts';

const system: BenchSystem = {
  description: 'jax-js, wasm device (generated wasm SIMD kernels, jit)',
  threads: 1,
  async init() {
    await initJax('wasm');
    return { versions: { '@jax-js/jax': await packageVersion('@jax-js/jax') } };
  },
  supports: unlessOnnx(NO_ONNX_READER.jax),
  prepare: async (c) => prepareJaxCase(c),
};
export default system;
