import { describeAdapter, installNavigatorGpu, packageVersion } from '../peers/node-webgpu.ts';
import type { BenchSystem } from '../system.ts';
import { NO_ONNX_READER, unlessOnnx } from '../cases-onnx.ts';

let prepareJaxCase: typeof import('../peers/jax.ts').prepareJaxCase;

const system: BenchSystem = {
  description: 'jax-js, webgpu device (generated WGSL, jit) on Dawn (webgpu npm package)',
  async init() {
    const adapter = await describeAdapter(installNavigatorGpu());
    const jax = await import('../peers/jax.ts');
    await jax.initJax('webgpu');
    prepareJaxCase = jax.prepareJaxCase;
    return { versions: { '@jax-js/jax': await packageVersion('@jax-js/jax'), webgpu: await packageVersion('webgpu') }, adapter };
  },
  supports: unlessOnnx(NO_ONNX_READER.jax),
  prepare: async (c) => prepareJaxCase(c),
};
export default system;
