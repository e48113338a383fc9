/**
 * compile() for the browser: the same pipeline as compiler/compile.ts, but the WASM backend reads
 * its AssemblyScript kernel library from strings bundled by Vite. The default browser host
 * fetches assembly/*.ts next to the compiler's sources, which a static build does not ship.
 */
import type { Graph } from '../../../compiler/index.ts';
import { compileProgram } from '../../../compiler/index.ts';
import { buildArtifact } from '../../../compiler/artifact/build.ts';
import { createWasmBackend } from '../../../compiler/backends/wasm/index.ts';
import { webgpuBackend } from '../../../compiler/backends/webgpu/index.ts';
import type { BackendRenderer } from '../../../compiler/backends/backend.ts';
import type { Artifact } from '../../../runtime/index.ts';

export type BackendName = 'wasm' | 'webgpu';

const librarySources = import.meta.glob('../../../assembly/*.ts', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

function readLibraryFile(name: string): Promise<string> {
  const text = librarySources[`../../../assembly/${name}`];
  if (text === undefined) return Promise.reject(new Error(`playground: kernel library file assembly/${name} was not bundled`));
  return Promise.resolve(text);
}

const renderers: Record<BackendName, BackendRenderer> = {
  wasm: createWasmBackend({ host: { readLibraryFile } }),
  webgpu: webgpuBackend,
};

export async function compileInBrowser(graph: Graph, backend: BackendName): Promise<Artifact> {
  const t0 = performance.now();
  const { program, plan, report } = compileProgram(graph);
  const t1 = performance.now();
  const rendered = await renderers[backend].render(program, { name: graph.name });
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

