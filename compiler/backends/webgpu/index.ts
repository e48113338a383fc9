/**
 * The WebGPU backend: each kernel of the Program becomes one WGSL compute shader with shapes and
 * absolute arena offsets baked in as constants, plus one entry of the dispatch list. Identical
 * shaders (e.g. repeated layers with the same offsets) share one file and thus one pipeline.
 * An arena the planner split into segments (Program.segmentBytes) becomes one GPU buffer per
 * segment; each dispatch lists the segments it binds.
 */
import type { Kernel, Program } from '../../kernel/ir.ts';
import type { WebGpuDispatch } from '../../../runtime/artifact.ts';
import type { BackendRenderer, RenderedProgram, RenderOptions } from '../backend.ts';
import { renderConv2d } from './kernels/conv2d.ts';
import { DEFAULT_GEMM_VARIANT, type GemmOptions, type GemmSchedule, type GemmVariant } from './kernels/gemm.ts';
import { renderElementwise } from './kernels/elementwise.ts';
import { renderMatmul } from './kernels/matmul.ts';
import { renderPool2d } from './kernels/pool2d.ts';
import { renderReduce } from './kernels/reduce.ts';
import { renderScatterAdd } from './kernels/scatter.ts';
import { ENTRY_POINT, type KernelShader } from './shader.ts';
import { selectGemmVariant } from './variants.ts';

/** The default GPU buffer limit: 128 MiB, WebGPU's guaranteed maxStorageBufferBindingSize. */
export const WEBGPU_MAX_BUFFER_BYTES = 128 * 1024 * 1024;

export interface WebGpuRenderOptions {
  /** GEMM schedule for matmul and conv2d (default 'rowblock') */
  gemm?: GemmSchedule;
  /** convolutions: four images/channels per lane at one tap where possible (default true; false for A/B measurements) */
  groupedConv?: boolean;
  /** forward convolutions: read the weights as vec4 along K where aligned (default true) */
  vec4Conv?: boolean;
  /** skinny GEMMs: split K inside the workgroup (GEMV) where gemmPath picks it (default true; false: one invocation per output) */
  gemv?: boolean;
  /** GEMM register tile and lane counts (default DEFAULT_GEMM_VARIANT; variants.ts picks one per adapter) */
  variant?: GemmVariant;
}

function gemmOptions(o: WebGpuRenderOptions, vec4A: boolean): GemmOptions {
  return { vec4A, gemv: o.gemv ?? true, variant: o.variant ?? DEFAULT_GEMM_VARIANT, ...(o.gemm ? { schedule: o.gemm } : {}) };
}

const renderers: { [K in Kernel['kind']]: (k: Extract<Kernel, { kind: K }>, p: Program, o: WebGpuRenderOptions) => KernelShader } = {
  elementwise: renderElementwise,
  reduce: renderReduce,
  matmul: (k, p, o) => renderMatmul(k, p, gemmOptions(o, true)),
  conv2d: (k, p, o) => renderConv2d(k, p, { ...gemmOptions(o, o.vec4Conv ?? true), grouped: o.groupedConv ?? true }),
  pool2d: renderPool2d,
  scatter_add: renderScatterAdd,
};

export function renderKernel(kernel: Kernel, program: Program, options: WebGpuRenderOptions = {}): KernelShader {
  const render = renderers[kernel.kind] as (k: Kernel, p: Program, o: WebGpuRenderOptions) => KernelShader;
  if (!render) throw new Error(`webgpu: kernel "${kernel.name}" has unknown kind "${(kernel as { kind: string }).kind}"`);
  return render(kernel, program, options);
}

export function renderProgram(program: Program, options: WebGpuRenderOptions = {}): RenderedProgram {
  const started = performance.now();
  const files: Record<string, string> = {};
  const fileBySource = new Map<string, string>();
  const dispatches: WebGpuDispatch[] = program.kernels.map((kernel, i) => {
    const shader = renderKernel(kernel, program, options);
    let file = fileBySource.get(shader.source);
    if (!file) {
      file = `kernel_${String(i).padStart(3, '0')}.wgsl`;
      files[file] = shader.source;
      fileBySource.set(shader.source, file);
    }
    return { name: kernel.name, shader: file, entryPoint: ENTRY_POINT, workgroups: shader.workgroups, bindings: shader.bindings };
  });
  const segmentBytes = program.segmentBytes;
  const features = Object.values(files).some((source) => /^enable subgroups;/m.test(source)) ? (['subgroups'] as const) : [];
  return {
    files,
    section: { webgpu: { dispatches, ...(segmentBytes !== undefined ? { segmentBytes } : {}), ...(features.length ? { features: [...features] } : {}) } },
    stats: { webgpuKernels: dispatches.length, webgpuShaders: fileBySource.size, webgpuRenderMs: performance.now() - started },
  };
}

export const webgpuBackend: BackendRenderer = {
  name: 'webgpu',
  async render(program: Program, options: RenderOptions): Promise<RenderedProgram> {
    return renderProgram(program, { variant: selectGemmVariant(options.webgpuAdapter) });
  },
};
