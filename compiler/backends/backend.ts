/**
 * What a backend does at compile time: render an optimized kernel-IR Program into artifact files
 * plus its own manifest section. Backends see only the kernel IR, never graph ops.
 */
import type { Program } from '../kernel/ir.ts';
import type { Manifest } from '../../runtime/artifact.ts';
import type { WebGpuAdapterDescription } from '../../runtime/webgpu/device.ts';

export interface RenderOptions {
  /** artifact/model name, for file names and messages */
  name: string;
  /** WASM: also emit a relaxed-SIMD module */
  relaxedSimd?: boolean;
  /** WebGPU: the adapter to choose kernel variants for (default: portable variants) */
  webgpuAdapter?: WebGpuAdapterDescription;
}

export interface RenderedProgram {
  /** files besides weights.bin and manifest.json, e.g. program.wasm or kernel_003.wgsl */
  files: Record<string, Uint8Array | string>;
  /** the backend's manifest section */
  section: Pick<Manifest, 'wasm'> | Pick<Manifest, 'webgpu'>;
  /** backend statistics merged into manifest.stats (e.g. compileMs, cacheHit) */
  stats?: Record<string, unknown>;
}

export interface BackendRenderer {
  readonly name: Manifest['backend'];
  render(program: Program, options: RenderOptions): Promise<RenderedProgram>;
}
