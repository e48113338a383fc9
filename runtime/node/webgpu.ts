/**
 * Node glue for the WebGPU runtime: a GPU from the `webgpu` npm package (Dawn; on Linux it runs
 * on any Vulkan driver, including Mesa's llvmpipe software rasterizer).
 */
import { create, globals } from 'webgpu';
import type { Artifact } from '../artifact.ts';
import { createWebGpuSession, type WebGpuSession, type WebGpuSessionOptions } from '../webgpu/session.ts';

let gpu: GPU | undefined;

/** The process-wide Dawn GPU object (also installs GPUBufferUsage & co. as globals). */
export function nodeGpu(): GPU {
  if (!gpu) {
    Object.assign(globalThis, globals);
    gpu = create([]);
  }
  return gpu;
}

export function createNodeWebGpuSession(artifact: Artifact, options: WebGpuSessionOptions = {}): Promise<WebGpuSession> {
  return createWebGpuSession(artifact, { ...options, gpu: options.gpu ?? (options.device ? undefined : nodeGpu()) });
}
