import { describeAdapter, installNavigatorGpu } from '../peers/node-webgpu.ts';
import { ortSupports, prepareOrtCase, type OrtLike } from '../peers/ort.ts';
import { loadOrtWeb } from '../peers/ort-web.ts';
import type { BenchSystem } from '../system.ts';

let ort: Awaited<ReturnType<typeof loadOrtWeb>>;

const system: BenchSystem = {
  description: 'onnxruntime-web, WebGPU execution provider on Dawn (webgpu npm package)',
  async init() {
    const adapter = await describeAdapter(installNavigatorGpu());
    ort = await loadOrtWeb(1, true);
    return { versions: { 'onnxruntime-web': ort.env.versions.web ?? ort.env.versions.common }, adapter, notes: ['webgpu EP'] };
  },
  supports: ortSupports,
  async prepare(c) {
    try {
      return await prepareOrtCase(ort as unknown as OrtLike, c, { executionProviders: ['webgpu'] });
    } catch (e) {
      // the browser build's WebGPU EP compiles its shaders, then its wasm side fails with a bare message
      throw new Error(`onnxruntime-web WebGPU EP under Node/Dawn: ${e instanceof Error ? e.message : String(e)}`);
    }
  },
};
export default system;
