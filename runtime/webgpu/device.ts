/** Acquiring a WebGPU device sized for an artifact's arena. */

/**
 * Requests a device with the adapter's own storage-buffer limits: the defaults (128 MiB binding,
 * 256 MiB buffer) are far below what adapters offer. `arenaBytes` is the largest single GPU
 * buffer needed (largestBufferBytes(manifest) in arena.ts: one arena segment); passing a whole
 * arena's size is conservative. `features` are the optional features the artifact's shaders
 * enable (manifest.webgpu.features).
 */
export async function requestArenaDevice(gpu: GPU, arenaBytes: number, features: readonly string[] = []): Promise<GPUDevice> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('webgpu: no WebGPU adapter is available (on Linux, install a Vulkan driver such as mesa-vulkan-drivers)');
  const { maxStorageBufferBindingSize, maxBufferSize, maxStorageBuffersPerShaderStage } = adapter.limits;
  if (arenaBytes > Math.min(maxStorageBufferBindingSize, maxBufferSize)) {
    throw new Error(`webgpu: the model needs a ${arenaBytes}-byte GPU buffer but this adapter binds at most ${Math.min(maxStorageBufferBindingSize, maxBufferSize)} bytes per storage buffer; recompile with maxBufferBytes ≤ that`);
  }
  const missing = features.filter((f) => !adapter.features.has(f));
  if (missing.length) {
    throw new Error(`webgpu: the artifact's shaders need the adapter feature(s) ${missing.join(', ')}, which this adapter lacks; recompile for this adapter (compile({ webgpuAdapter }))`);
  }
  return adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize, maxBufferSize, maxStorageBuffersPerShaderStage },
    requiredFeatures: features as GPUFeatureName[],
  });
}

/**
 * What the compiler's per-adapter variant selection reads from an adapter (a plain object, so
 * artifacts can be compiled for an adapter described elsewhere, and tests can fake one).
 */
export interface WebGpuAdapterDescription {
  features: readonly string[];
  limits: { maxComputeInvocationsPerWorkgroup: number; maxComputeWorkgroupSizeX: number; maxComputeWorkgroupStorageSize: number };
  /** GPUAdapterInfo's subgroup widths, where the implementation reports them */
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
}

export function describeAdapter(adapter: GPUAdapter): WebGpuAdapterDescription {
  const { maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupSizeX, maxComputeWorkgroupStorageSize } = adapter.limits;
  const info = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
  return {
    features: [...adapter.features].sort(),
    limits: { maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupSizeX, maxComputeWorkgroupStorageSize },
    ...(info.subgroupMinSize !== undefined ? { subgroupMinSize: info.subgroupMinSize } : {}),
    ...(info.subgroupMaxSize !== undefined ? { subgroupMaxSize: info.subgroupMaxSize } : {}),
  };
}
