/**
 * The bytecode WASM backend: per-program code written as wasm bytes and linked onto the
 * prebuilt kernel library, one module per variant the artifact offers (plain, relaxed SIMD,
 * threaded, threaded + relaxed). No compiler runs: emitting and linking takes milliseconds, and
 * a session compiles (WebAssembly.compile) only the one module it runs.
 */
import type { Program } from '../../../kernel/ir.ts';
import type { BackendRenderer, RenderedProgram, RenderOptions } from '../../backend.ts';
import type { WasmBackendOptions } from '../index.ts';
import { loadKernelLibrary, type KernelLibrary } from '../kernel-library.ts';
import { variantOf, type KernelVariant } from '../kernel-variants.ts';
import { align } from '../layout.ts';
import { emitProgram } from './program.ts';

const FILES: { readonly [V in KernelVariant]: string } = {
  plain: 'program.wasm',
  relaxed: 'program.relaxed.wasm',
  threads: 'program.threads.wasm',
  'threads-relaxed': 'program.threads.relaxed.wasm',
};

export function createBytecodeBackend(opts: WasmBackendOptions): BackendRenderer {
  return {
    name: 'wasm',
    async render(program: Program, options: RenderOptions): Promise<RenderedProgram> {
      const t0 = performance.now();
      const maxThreads = Math.max(1, opts.threads ?? 1);
      const relaxed = options.relaxedSimd === true;
      const variants: KernelVariant[] = [variantOf(false, false)];
      if (relaxed) variants.push(variantOf(true, false));
      if (maxThreads > 1) variants.push(variantOf(false, true), ...(relaxed ? [variantOf(true, true)] : []));
      const libs = new Map<KernelVariant, KernelLibrary>(await Promise.all(variants.map(async (v) => [v, await loadKernelLibrary(v)] as const)));
      const loadMs = performance.now() - t0;
      // one arena base for every module of the artifact (the manifest has one)
      const arenaBase = align(Math.max(...[...libs.values()].map((l) => l.module.dataEnd)), 64);
      const emitted = new Map(variants.map((v) => [v, emitProgram(program, libs.get(v)!, {
        threads: v.startsWith('threads') ? maxThreads : 1, profile: opts.profile ?? false, arenaBase, weightCache: opts.weightCache ?? true,
      })] as const));
      const plain = emitted.get('plain')!;
      const threaded = emitted.get('threads');
      // one version address for the artifact: every variant must have planned the same cache
      const cache = plain.layout.weightVersionAddress;
      for (const [v, m] of emitted) {
        if (m.layout.weightVersionAddress !== cache || m.layout.weightCacheBytes !== plain.layout.weightCacheBytes) {
          throw new Error(`wasm backend: variant ${v} planned its weight cache differently from the plain build`);
        }
      }
      const files: Record<string, Uint8Array> = {};
      for (const [v, m] of emitted) files[FILES[v]] = m.bytes;
      return {
        files,
        section: {
          wasm: {
            module: FILES.plain,
            ...(relaxed ? { relaxedModule: FILES.relaxed } : {}),
            entry: 'run',
            arenaBase,
            memoryPages: plain.layout.memoryPages,
            scratchBytes: plain.layout.scratchBytes,
            ...(cache !== undefined ? { weightCache: { versionAddress: cache, bytes: plain.layout.weightCacheBytes! } } : {}),
            ...(threaded ? {
              threads: {
                module: FILES.threads,
                ...(relaxed ? { relaxedModule: FILES['threads-relaxed'] } : {}),
                maxThreads,
                memoryPages: threaded.layout.memoryPages,
                scratchBytes: threaded.layout.scratchBytes,
              },
            } : {}),
          },
        },
        stats: {
          wasmCodegen: 'bytecode',
          wasmRenderMs: performance.now() - t0 - loadMs,
          wasmLibraryLoadMs: loadMs,
          wasmCompileMs: 0,
          wasmCacheHit: false,
          wasmBytes: plain.bytes.length,
          wasmScratchBytes: plain.layout.scratchBytes,
        },
      };
    },
  };
}
