/**
 * compile(graph, { backend }) → Artifact: the whole pipeline.
 *   graph → canonicalize (passes/) → lower + fuse (kernel/lower) → plan memory (kernel/plan)
 *         → render (backends/) → artifact (manifest, module files, weights)
 */
import type { Graph } from './ir/graph.ts';
import { GraphError } from './ir/errors.ts';
import type { Artifact, Backend } from '../runtime/artifact.ts';
import type { BackendRenderer } from './backends/backend.ts';
import { optimize, type OptimizeReport } from './passes/optimize.ts';
import { planMemory, type MemoryPlan } from './kernel/plan.ts';
import type { Program } from './kernel/ir.ts';
import { buildArtifact } from './artifact/build.ts';
import { sealArtifact } from '../runtime/artifact-integrity.ts';
import type { ActivationLayout } from './kernel/layout.ts';
import { createWasmBackend, wasmBackend } from './backends/wasm/index.ts';
import { WEBGPU_MAX_BUFFER_BYTES, webgpuBackend } from './backends/webgpu/index.ts';
import type { WebGpuAdapterDescription } from '../runtime/webgpu/device.ts';

export const backends: Record<Backend, BackendRenderer> = { wasm: wasmBackend, webgpu: webgpuBackend };

export interface CompileOptions {
  backend: Backend;
  name?: string;
  /** WASM: also build the relaxed-SIMD module (used where the host validates it) */
  relaxedSimd?: boolean;
  /** WASM: also build a shared-memory module for up to this many threads (default 1: none) */
  threads?: number;
  /** dimension order of 4-D intermediates (default NCHW) */
  layout?: ActivationLayout;
  /**
   * WebGPU: the arena is split into GPU buffers of at most this many bytes (default 128 MiB,
   * the storage-buffer binding size every adapter supports); no single tensor may be larger.
   */
  maxBufferBytes?: number;
  /**
   * WASM: keep conv and matmul weights that no kernel writes (an inference graph's params)
   * packed for the GEMM across runs, repacked after setParams (default true; costs about the
   * weights' size again in memory, at most 512 MiB)
   */
  weightCache?: boolean;
  /**
   * WebGPU: generate kernel variants for this adapter (describeAdapter in runtime/webgpu/device.ts):
   * subgroups, workgroup sizes. The artifact may then need the adapter's features. Default: the
   * portable variant, for any adapter.
   */
  webgpuAdapter?: WebGpuAdapterDescription;
}

export interface CompiledProgram {
  program: Program;
  plan: MemoryPlan;
  report: OptimizeReport;
}

/** Graph → optimized, planned kernel program (backend-neutral). */
export function compileProgram(graph: Graph, options: { layout?: ActivationLayout; segmentBytes?: number } = {}): CompiledProgram {
  if (graph.outputs.size === 0 && graph.updates.size === 0) {
    throw new GraphError(`compile: graph "${graph.name}" has no outputs and no updates, so there is nothing to compute; add one with graph.output(name, tensor)`);
  }
  const { program, report } = optimize(graph, options);
  const plan = planMemory(program, options.segmentBytes !== undefined ? { segmentBytes: options.segmentBytes } : {});
  return { program, plan, report };
}

export async function compile(graph: Graph, options: CompileOptions): Promise<Artifact> {
  const t0 = performance.now();
  const threads = options.backend === 'wasm' && (options.threads ?? 1) > 1 ? options.threads! : 1;
  const renderer = options.backend === 'wasm' && (threads > 1 || options.weightCache === false)
    ? createWasmBackend({ threads, ...(options.weightCache === false ? { weightCache: false } : {}) })
    : backends[options.backend];
  if (!renderer) throw new Error(`compile: unknown backend "${String(options.backend)}" (use "wasm" or "webgpu")`);
  const layout = options.layout ?? 'nchw';
  const segmentBytes = options.backend === 'webgpu' ? options.maxBufferBytes ?? WEBGPU_MAX_BUFFER_BYTES : undefined;
  const { program, plan, report } = compileProgram(graph, { layout, ...(segmentBytes !== undefined ? { segmentBytes } : {}) });
  const t1 = performance.now();
  const name = options.name ?? graph.name;
  const rendered = await renderer.render(program, { name, ...(options.relaxedSimd !== undefined ? { relaxedSimd: options.relaxedSimd } : {}), ...(options.webgpuAdapter ? { webgpuAdapter: options.webgpuAdapter } : {}) });
  const t2 = performance.now();
  const artifact = buildArtifact(program, rendered, {
    name,
    backend: options.backend,
    training: graph.updates.size > 0,
    stats: {
      nodesBefore: report.nodesBefore,
      nodesAfter: report.nodesAfter,
      kernels: program.kernels.length,
      layout,
      arenaBytes: plan.arenaBytes,
      lowerBoundBytes: plan.lowerBoundBytes,
      optimizeMs: +(t1 - t0).toFixed(2),
      renderMs: +(t2 - t1).toFixed(2),
    },
  });
  // class-index inputs: the runtime checks fed labels against the class count (runtime/session.ts)
  for (const spec of artifact.manifest.inputs) {
    const classes = graph.classIndexInputs.get(spec.name);
    if (classes !== undefined) spec.classes = classes;
  }
  // sealed: the manifest lists every file with its size and SHA-256 (docs/artifact-format.md)
  return sealArtifact(artifact);
}
