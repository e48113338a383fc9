/**
 * Axon's WASM backend through the old code path, `codegen: 'asc'`: each program rendered as
 * AssemblyScript and compiled by asc + binaryen with the kernel library's sources (what every
 * compile did before the bytecode backend), with no disk cache, so every process compiles cold.
 * The bench's "before" rows beside the bytecode "after" rows of the same run.
 */
import { compileProgram, type Graph } from '../../compiler/index.ts';
import { buildArtifact } from '../../compiler/artifact/build.ts';
import { createWasmBackend } from '../../compiler/backends/wasm/index.ts';
import { warmUpWasmCompiler } from '../../compiler/backends/wasm/compile.ts';
import { createNodeCompileHost } from '../../compiler/backends/wasm/node-host.ts';
import type { Artifact } from '../../runtime/artifact.ts';
import { sealArtifact } from '../../runtime/artifact-integrity.ts';

const host = createNodeCompileHost({ cacheDir: false });
let warmedUp: Promise<void> = Promise.resolve();

/** compile(graph, { backend: 'wasm', relaxedSimd, threads }) with the asc renderer instead of the bytecode one. */
export async function compileWithAsc(graph: Graph, options: { relaxedSimd?: boolean; threads?: number }): Promise<Artifact> {
  await warmedUp;
  const { program } = compileProgram(graph, { layout: 'nchw' });
  const renderer = createWasmBackend({ codegen: 'asc', host, ...(options.threads ? { threads: options.threads } : {}) });
  const rendered = await renderer.render(program, { name: graph.name, ...(options.relaxedSimd ? { relaxedSimd: true } : {}) });
  const artifact = buildArtifact(program, rendered, { name: graph.name, backend: 'wasm', training: graph.updates.size > 0 });
  for (const spec of artifact.manifest.inputs) {
    const classes = graph.classIndexInputs.get(spec.name);
    if (classes !== undefined) spec.classes = classes;
  }
  return sealArtifact(artifact);
}

/**
 * Starts loading asc + binaryen and compiling a tiny module (from the system's init), so that
 * a case's compile figure is the per-program cost the old path paid for every graph, not the
 * seconds of loading 13.5 MB of compiler JS once per process. Returns the asc version; throws
 * (the system is then unavailable) when AssemblyScript, an optional dev dependency, is missing.
 */
export async function warmUpAsc(): Promise<string> {
  // not awaited: on a loaded machine loading asc outlasts the harness's init timeout; the first
  // compile waits for it (compileWithAsc), so only a case prepared before it ends pays the rest
  warmedUp = warmUpWasmCompiler(host);
  warmedUp.catch(() => {});
  const { createRequire } = await import('node:module');
  return (createRequire(import.meta.url)('assemblyscript/package.json') as { version: string }).version;
}
