/** Acquiring a WebGPU device sized for an artifact's arena. */

/**
 * Requests a device with the adapter's own storage-buffer limits: the defaults (128 MiB binding,
 * 256 MiB buffer) are far below what adapters offer, and the arena is one binding.
 */
export async function requestArenaDevice(gpu: GPU, arenaBytes: number): Promise<GPUDevice> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('webgpu: no WebGPU adapter is available (on Linux, install a Vulkan driver such as mesa-vulkan-drivers)');
  const { maxStorageBufferBindingSize, maxBufferSize } = adapter.limits;
  if (arenaBytes > maxStorageBufferBindingSize) {
    throw new Error(`webgpu: the model's arena needs ${arenaBytes} bytes but this adapter binds at most ${maxStorageBufferBindingSize} bytes per storage buffer`);
  }
  return adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize, maxBufferSize } });
}
