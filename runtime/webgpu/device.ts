/** Acquiring a WebGPU device sized for an artifact's arena. */

/**
 * Requests a device with the adapter's own storage-buffer limits: the defaults (128 MiB binding,
 * 256 MiB buffer) are far below what adapters offer. `arenaBytes` is the largest single GPU
 * buffer needed (largestBufferBytes(manifest) in arena.ts: one arena segment); passing a whole
 * arena's size is conservative.
 */
export async function requestArenaDevice(gpu: GPU, arenaBytes: number): Promise<GPUDevice> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('webgpu: no WebGPU adapter is available (on Linux, install a Vulkan driver such as mesa-vulkan-drivers)');
  const { maxStorageBufferBindingSize, maxBufferSize, maxStorageBuffersPerShaderStage } = adapter.limits;
  if (arenaBytes > Math.min(maxStorageBufferBindingSize, maxBufferSize)) {
    throw new Error(`webgpu: the model needs a ${arenaBytes}-byte GPU buffer but this adapter binds at most ${Math.min(maxStorageBufferBindingSize, maxBufferSize)} bytes per storage buffer; recompile with maxBufferBytes ≤ that`);
  }
  return adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize, maxBufferSize, maxStorageBuffersPerShaderStage } });
}
