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

/** The first validation/out-of-memory error raised by `fn`'s synchronous GPU calls, if any. */
export async function captureErrors(device: GPUDevice, fn: () => void): Promise<GPUError | null> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let thrown: { error: unknown } | undefined;
  try {
    fn();
  } catch (error) {
    thrown = { error };
  }
  // Both pops happen before any await, so concurrent callers never pop each other's scopes.
  const scopes = Promise.all([device.popErrorScope(), device.popErrorScope()]);
  if (thrown) throw thrown.error;
  const [validation, oom] = await scopes;
  return validation ?? oom;
}
