/**
 * The WebAssembly SIMD backend: renders a kernel-IR Program as one AssemblyScript module and
 * compiles it in-process. The artifact gets `program.wasm` and a `wasm` manifest section with
 * the memory layout the runtime needs.
 */
import type { Program } from '../../kernel/ir.ts';
import type { BackendRenderer, RenderedProgram, RenderOptions } from '../backend.ts';
import { compileProgram, type CompileHost } from './compile.ts';
import { ENTRY, renderProgramSource } from './program.ts';
import { createBytecodeBackend } from './bytecode/backend.ts';

export const WASM_MODULE_FILE = 'program.wasm';
export const WASM_RELAXED_MODULE_FILE = 'program.relaxed.wasm';
export const WASM_THREADS_MODULE_FILE = 'program.threads.wasm';
export const WASM_THREADS_RELAXED_MODULE_FILE = 'program.threads.relaxed.wasm';

export interface WasmBackendOptions {
  /**
   * How per-program code is made: 'bytecode' (default) writes wasm directly and links it onto the
   * prebuilt kernel library (milliseconds); 'asc' renders AssemblyScript and runs the
   * AssemblyScript compiler (seconds; kept for debugging, it ships `program.as.ts`).
   */
  codegen?: 'bytecode' | 'asc';
  /** asc codegen: where the kernel library sources come from and where modules are cached (default: Node disk host or browser fetch) */
  host?: CompileHost;
  /** asc codegen: binaryen optimization level, 0–3 (default 1: V8 optimizes the kernels as well either way; -O3 measured no faster, 1.8× slower to compile) */
  optimizeLevel?: number;
  /** also build a shared-memory module for a pool of up to this many threads (default 1: none) */
  threads?: number;
  /** export every kernel function as well as `run` (see test/backends/wasm/profile-step.ts) */
  profile?: boolean;
  /** bytecode codegen: keep weights no kernel writes packed across runs (default true; bytecode/weight-cache.ts) */
  weightCache?: boolean;
}

export function createWasmBackend(opts: WasmBackendOptions = {}): BackendRenderer {
  if ((opts.codegen ?? 'bytecode') === 'bytecode') return createBytecodeBackend(opts);
  return {
    name: 'wasm',
    async render(program: Program, options: RenderOptions): Promise<RenderedProgram> {
      const t0 = performance.now();
      const layout = renderProgramSource(program, { profile: opts.profile ?? false });
      const renderMs = performance.now() - t0;
      const request = {
        source: layout.source,
        memoryBase: layout.memoryBase,
        memoryPages: layout.memoryPages,
        ...(opts.optimizeLevel === undefined ? {} : { optimizeLevel: opts.optimizeLevel }),
      };
      const compiled = await compileProgram(request, opts.host);
      const relaxed = options.relaxedSimd ? await compileProgram({ ...request, relaxedSimd: true }, opts.host) : undefined;
      const maxThreads = Math.max(1, opts.threads ?? 1);
      const threaded = maxThreads > 1 ? renderProgramSource(program, { threads: maxThreads, profile: opts.profile ?? false }) : undefined;
      const threadedRequest = threaded && { source: threaded.source, memoryBase: threaded.memoryBase, memoryPages: threaded.memoryPages, threads: true, ...(opts.optimizeLevel === undefined ? {} : { optimizeLevel: opts.optimizeLevel }) };
      const threadedPlain = threadedRequest ? await compileProgram(threadedRequest, opts.host) : undefined;
      const threadedRelaxed = threadedRequest && options.relaxedSimd ? await compileProgram({ ...threadedRequest, relaxedSimd: true }, opts.host) : undefined;
      return {
        files: {
          [WASM_MODULE_FILE]: compiled.wasm,
          ...(relaxed ? { [WASM_RELAXED_MODULE_FILE]: relaxed.wasm } : {}),
          ...(threadedPlain ? { [WASM_THREADS_MODULE_FILE]: threadedPlain.wasm } : {}),
          ...(threadedRelaxed ? { [WASM_THREADS_RELAXED_MODULE_FILE]: threadedRelaxed.wasm } : {}),
          'program.as.ts': layout.source,
        },
        section: {
          wasm: {
            module: WASM_MODULE_FILE,
            ...(relaxed ? { relaxedModule: WASM_RELAXED_MODULE_FILE } : {}),
            entry: ENTRY,
            arenaBase: layout.arenaBase,
            memoryPages: layout.memoryPages,
            scratchBytes: layout.scratchBytes,
            ...(threaded && threadedPlain ? {
              threads: {
                module: WASM_THREADS_MODULE_FILE,
                ...(threadedRelaxed ? { relaxedModule: WASM_THREADS_RELAXED_MODULE_FILE } : {}),
                maxThreads,
                memoryPages: threaded.memoryPages,
                scratchBytes: threaded.scratchBytes,
              },
            } : {}),
          },
        },
        stats: {
          wasmRenderMs: renderMs,
          wasmCompileMs: [compiled, relaxed, threadedPlain, threadedRelaxed].reduce((t, c) => t + (c?.compileMs ?? 0), 0),
          wasmCacheHit: compiled.cacheHit,
          wasmBytes: compiled.wasm.length,
          wasmScratchBytes: layout.scratchBytes,
        },
      };
    },
  };
}

export const wasmBackend: BackendRenderer = createWasmBackend();
