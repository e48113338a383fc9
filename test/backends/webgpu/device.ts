/**
 * The WebGPU device for tests, and the one rule for a missing adapter: in CI (CI=true) the tests
 * fail loudly; elsewhere they are reported as skipped (never passed without asserting anything).
 * Files that are all WebGPU use `describe.skipIf(!(await testDevice()))`; tests that run on
 * either backend call `requireWebGPU()` (or `sessionFor` in test/ops/backends.ts, which does).
 */
import { TestRunner } from 'vitest';
import { nodeGpu } from '../../../runtime/node/webgpu.ts';

const INSTALL_HINT =
  'no WebGPU adapter found. Dawn needs a Vulkan driver: on Debian 12 install Mesa 25 from bookworm-backports ' +
  '(sudo bash scripts/setup-system.sh, or: echo "deb http://deb.debian.org/debian bookworm-backports main" | sudo tee /etc/apt/sources.list.d/backports.list && ' +
  'sudo apt-get update && sudo apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1)';

let warned = false;

/** A new device, or undefined without an adapter outside CI (in CI: an error). */
export async function testDevice(): Promise<GPUDevice | undefined> {
  const adapter = await nodeGpu().requestAdapter();
  if (!adapter) {
    if (process.env.CI === 'true') throw new Error(`WebGPU tests cannot run: ${INSTALL_HINT}`);
    if (!warned) {
      const bar = '!'.repeat(100);
      console.warn(`\n${bar}\nSKIPPING WebGPU TESTS: ${INSTALL_HINT}\n${bar}\n`);
      warned = true;
    }
    return undefined;
  }
  const { maxStorageBufferBindingSize, maxBufferSize } = adapter.limits;
  // with the optional features kernel variants may enable, so tests can render them (variants.test.ts)
  const requiredFeatures = (['subgroups'] as const).filter((f) => adapter.features.has(f));
  return adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize, maxBufferSize }, requiredFeatures });
}

let shared: Promise<GPUDevice | undefined> | undefined;

/**
 * Inside a test: the device shared by the test file. Without an adapter the running test is
 * marked skipped (outside CI; in CI testDevice throws, so the test fails).
 */
export async function requireWebGPU(): Promise<GPUDevice> {
  shared ??= testDevice();
  const device = await shared;
  if (device) return device;
  const test = TestRunner.getCurrentTest();
  if (!test) throw new Error('requireWebGPU() must be called inside a test');
  return test.context.skip('no WebGPU adapter (outside CI)') as never;
}
