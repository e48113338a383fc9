/**
 * Node glue for the WebGPU runtime: a GPU from the `webgpu` npm package (Dawn; on Linux it runs
 * on any Vulkan driver, including Mesa's llvmpipe software rasterizer). `webgpu` is an optional
 * peer dependency (132 MB): without it everything but Node's WebGPU sessions works, and those
 * say what to install.
 */
import { createRequire } from 'node:module';
import type { Artifact } from '../artifact.ts';
import { createWebGpuSession, type WebGpuSession, type WebGpuSessionOptions } from '../webgpu/session.ts';

type Dawn = typeof import('webgpu');
/**
 * Dawn loads on first use, not with runtime/node: its native addon takes 0.1–0.2 s to load, which
 * every WASM-only process (`axon train` on the default backend) would otherwise pay at start-up.
 * Sessions load it with import(); nodeGpu() is synchronous, so when no session has loaded it yet
 * it requires the ESM package (Node ≥ 20.19 and 22.12 can; older ones should open a session first).
 */
let dawn: Dawn | Error | undefined;
const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));
function requireDawn(): Dawn | Error {
  try {
    return createRequire(import.meta.url)('webgpu') as Dawn;
  } catch (e) {
    return asError(e);
  }
}

let gpu: GPU | undefined;

/** The process-wide Dawn GPU object (also installs GPUBufferUsage & co. as globals). */
export function nodeGpu(): GPU {
  if (!gpu) {
    dawn ??= requireDawn();
    if (dawn instanceof Error) {
      throw new Error(`WebGPU in Node needs the optional package "webgpu" (Dawn): npm install webgpu (${dawn.message})`, { cause: dawn });
    }
    Object.assign(globalThis, dawn.globals);
    gpu = dawn.create([]);
  }
  return gpu;
}

export async function createNodeWebGpuSession(artifact: Artifact, options: WebGpuSessionOptions = {}): Promise<WebGpuSession> {
  if (!options.gpu && !options.device) dawn ??= await import('webgpu').catch(asError);
  return createWebGpuSession(artifact, { ...options, gpu: options.gpu ?? (options.device ? undefined : nodeGpu()) });
}
