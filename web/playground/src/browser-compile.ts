/**
 * compile() for the browser: the same pipeline as compiler/compile.ts. The WASM backend writes
 * bytecode and links it onto the prebuilt kernel library (compiler/backends/wasm/kernels/*.wasm,
 * which Vite emits as assets through their `new URL(…, import.meta.url)`), so no compiler is
 * downloaded.
 */
import type { Graph } from '../../../compiler/index.ts';
import { compileProgram } from '../../../compiler/index.ts';
import { buildArtifact } from '../../../compiler/artifact/build.ts';
import { createWasmBackend } from '../../../compiler/backends/wasm/index.ts';
import { webgpuBackend } from '../../../compiler/backends/webgpu/index.ts';
import type { BackendRenderer } from '../../../compiler/backends/backend.ts';
import type { Artifact } from '../../../runtime/index.ts';

export type BackendName = 'wasm' | 'webgpu';

const renderers: Record<BackendName, (threads: number) => BackendRenderer> = {
  wasm: (threads) => createWasmBackend({ threads }),
  webgpu: () => webgpuBackend,
};

/** `threads` > 1: the WASM artifact also gets the shared-memory modules for that many threads. */
export async function compileInBrowser(graph: Graph, backend: BackendName, threads = 1): Promise<Artifact> {
  const t0 = performance.now();
  const { program, plan, report } = compileProgram(graph);
  const t1 = performance.now();
  const rendered = await renderers[backend](threads).render(program, { name: graph.name });
  const t2 = performance.now();
  return buildArtifact(program, rendered, {
    name: graph.name,
    backend,
    training: graph.updates.size > 0,
    stats: {
      nodesBefore: report.nodesBefore,
      nodesAfter: report.nodesAfter,
      kernels: program.kernels.length,
      arenaBytes: plan.arenaBytes,
      optimizeMs: +(t1 - t0).toFixed(2),
      renderMs: +(t2 - t1).toFixed(2),
    },
  });
}

