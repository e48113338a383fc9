/**
 * Node glue for the WebGPU runtime: a GPU from the `webgpu` npm package (Dawn; on Linux it runs
 * on any Vulkan driver, including Mesa's llvmpipe software rasterizer). `webgpu` is an optional
 * peer dependency (132 MB): without it everything but Node's WebGPU sessions works, and those
 * say what to install.
 */
import type { Artifact } from '../artifact.ts';
import { createWebGpuSession, type WebGpuSession, type WebGpuSessionOptions } from '../webgpu/session.ts';

type Dawn = typeof import('webgpu');
// loaded when runtime/node is, as a static import was; a missing package is reported on first use
const dawn: Dawn | Error = await import('webgpu').catch((e: unknown) => e instanceof Error ? e : new Error(String(e)));

let gpu: GPU | undefined;

/** The process-wide Dawn GPU object (also installs GPUBufferUsage & co. as globals). */
export function nodeGpu(): GPU {
  if (!gpu) {
    if (dawn instanceof Error) {
      throw new Error(`WebGPU in Node needs the optional package "webgpu" (Dawn): npm install webgpu (${dawn.message})`, { cause: dawn });
    }
    Object.assign(globalThis, dawn.globals);
    gpu = dawn.create([]);
  }
  return gpu;
}

export function createNodeWebGpuSession(artifact: Artifact, options: WebGpuSessionOptions = {}): Promise<WebGpuSession> {
  return createWebGpuSession(artifact, { ...options, gpu: options.gpu ?? (options.device ? undefined : nodeGpu()) });
}
