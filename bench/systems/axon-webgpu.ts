import { prepareAxonCase } from '../peers/axon.ts';
import type { BenchSystem } from '../system.ts';
import { AXON_VERSION } from '../../compiler/index.ts';
import { nodeGpu } from '../../runtime/node/webgpu.ts';

const system: BenchSystem = {
  description: 'Axon WebGPU backend: generated WGSL through Dawn (the webgpu package)',
  init: async () => {
    const adapter = await nodeGpu().requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter (install mesa-vulkan-drivers from bookworm-backports: scripts/setup-system.sh)');
    const info = adapter.info;
    return { versions: { axon: AXON_VERSION }, adapter: `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.trim() };
  },
  prepare: (c) => prepareAxonCase(c, { backend: 'webgpu' }),
};
export default system;
