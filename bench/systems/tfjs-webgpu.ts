import { describeAdapter, installNavigatorGpu, packageVersion } from '../peers/node-webgpu.ts';
import type { BenchSystem } from '../system.ts';

let tfjs: typeof import('../peers/tfjs.ts');

const system: BenchSystem = {
  description: 'TensorFlow.js WebGPU backend on Dawn (webgpu npm package)',
  async init() {
    const gpu = installNavigatorGpu();
    const adapter = await describeAdapter(gpu);
    // tfjs-backend-webgpu registers itself on import and looks for navigator.gpu then
    await import('@tensorflow/tfjs-backend-webgpu');
    tfjs = await import('../peers/tfjs.ts');
    await tfjs.useBackend('webgpu');
    return { versions: { '@tensorflow/tfjs-core': tfjs.tfjsVersion(), '@tensorflow/tfjs-backend-webgpu': await packageVersion('@tensorflow/tfjs-backend-webgpu'), webgpu: await packageVersion('webgpu') }, adapter };
  },
  supports: (c) => tfjs.tfjsSupports(c),
  prepare: async (c) => tfjs.prepareTfjsCase(c),
};
export default system;
