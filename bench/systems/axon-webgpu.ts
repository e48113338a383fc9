import { prepareAxonCase } from '../peers/axon.ts';
import type { BenchSystem } from '../system.ts';
import { AXON_VERSION } from '../../compiler/index.ts';
import { nodeGpu } from '../../runtime/node/webgpu.ts';
import { describeAdapter, type WebGpuAdapterDescription } from '../../runtime/webgpu/device.ts';

let adapterDescription: WebGpuAdapterDescription | undefined;
const system: BenchSystem = {
  description: 'Axon WebGPU backend: generated WGSL through Dawn (the webgpu package)',
  init: async () => {
    const adapter = await nodeGpu().requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter (install mesa-vulkan-drivers from bookworm-backports: scripts/setup-system.sh)');
    const info = adapter.info;
    // kernels compiled for this adapter (subgroups where it has them), as a deployment would
    adapterDescription = describeAdapter(adapter);
    return { versions: { axon: AXON_VERSION }, adapter: `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.trim() };
  },
  prepare: (c) => prepareAxonCase(c, { backend: 'webgpu', ...(adapterDescription ? { webgpuAdapter: adapterDescription } : {}) }),
};
export default system;
