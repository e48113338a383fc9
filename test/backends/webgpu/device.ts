/**
 * The WebGPU device for a test file (one per file). In CI a missing adapter fails the tests;
 * elsewhere they are skipped with a loud warning.
 */
import { nodeGpu } from '../../../runtime/node/webgpu.ts';

const INSTALL_HINT =
  'no WebGPU adapter found. Dawn needs a Vulkan driver: on Debian 12 install Mesa 25 from bookworm-backports ' +
  '(sudo bash scripts/setup-system.sh, or: echo "deb http://deb.debian.org/debian bookworm-backports main" | sudo tee /etc/apt/sources.list.d/backports.list && ' +
  'sudo apt-get update && sudo apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1)';

export async function testDevice(): Promise<GPUDevice | undefined> {
  const adapter = await nodeGpu().requestAdapter();
  if (!adapter) {
    if (process.env.CI === 'true') throw new Error(`WebGPU tests cannot run: ${INSTALL_HINT}`);
    const bar = '!'.repeat(100);
    console.warn(`\n${bar}\nSKIPPING WebGPU TESTS: ${INSTALL_HINT}\n${bar}\n`);
    return undefined;
  }
  const { maxStorageBufferBindingSize, maxBufferSize } = adapter.limits;
  return adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize, maxBufferSize } });
}
