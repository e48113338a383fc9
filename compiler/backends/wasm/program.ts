/**
 * Renders a whole kernel-IR Program as one AssemblyScript module: one function per kernel with
 * shapes, strides and absolute arena addresses baked in, and one exported `run()` calling them
 * in order, so a session crosses from JS into wasm once per step.
 */
import type { Kernel, KernelKind, Program } from '../../kernel/ir.ts';
import { emitConv, emitMatmul, type KernelContext } from './gemm-kernels.ts';
import { align, MemoryLayout, PAGE_BYTES } from './layout.ts';
import { emitPointwise } from './pointwise.ts';
import { parallelOf } from './gemm-kernels.ts';
import { emitPool } from './pool.ts';
import { emitReduce } from './reduce.ts';
import { emitScatterAdd } from './scatter.ts';
import { Source } from './source.ts';

export const ENTRY = 'run';
/** Directory the kernel library (assembly/*.ts) is mounted at for the compiler. */
export const LIBRARY_DIR = 'axon';

type KernelEmitter<K extends Kernel> = (out: Source, layout: MemoryLayout, k: K, ctx: KernelContext) => number;

/** One renderer per kernel kind; each returns the scratch bytes it uses. */
const emitters: { [K in KernelKind]: KernelEmitter<Extract<Kernel, { kind: K }>> } = {
  elementwise: (out, layout, k, ctx) => { emitPointwise(out, layout, k.shape, k.stores, 'i', parallelOf(ctx)); return 0; },
  reduce: (out, layout, k) => { emitReduce(out, layout, k); return 0; },
  matmul: emitMatmul,
  conv2d: emitConv,
  pool2d: emitPool,
  scatter_add: (out, layout, k) => emitScatterAdd(out, layout, k),
};

export interface ProgramSource {
  source: string;
  arenaBase: number;
  scratchBase: number;
  scratchBytes: number;
  /** where AssemblyScript may place its static data: past arena and scratch */
  memoryBase: number;
  memoryPages: number;
}

export function functionName(index: number, k: Kernel): string {
  return `k${index}_${k.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** Bytes of the thread pool's control block and job arguments (assembly/threads.ts). */
const THREAD_CONTROL_BYTES = 64 + 128;

export interface SourceOptions {
  /** build for a pool of this many threads (shared memory, GEMMs split across threads) */
  threads?: number;
  /** also export every kernel function (under `functionName`) so a profiler can time each one */
  profile?: boolean;
}

export function renderProgramSource(program: Program, options: SourceOptions = {}): ProgramSource {
  const threads = Math.max(1, options.threads ?? 1);
  const layout = new MemoryLayout(program);
  const out = new Source();
  out.line(`import { gemm, gemmParallel } from './${LIBRARY_DIR}/gemm';`);
  out.line(`import { setupThreads, stopThreads, threadLoop, parallelFor, currentThread } from './${LIBRARY_DIR}/threads';`);
  out.line(`import { gather4 } from './${LIBRARY_DIR}/layout';`);
  out.line(`import { im2col, col2imAdd } from './${LIBRARY_DIR}/conv';`);
  out.line(`import { poolForward, poolBackward, poolForwardParallel, poolBackwardParallel } from './${LIBRARY_DIR}/pool';`);
  out.line(`import { hashUniform, vhashUniform, idiv, reluf, sigmoid, signf, signi, f2i, f64toi, vexp, vlog, vtanh, vsigmoid, vpow, vidiv, vsignf, vsigni, vf2i, erff, floormodf, floormodi } from './${LIBRARY_DIR}/alu';`);
  let scratchBytes = 0;
  const helpers = new Source();
  program.kernels.forEach((k, i) => {
    const name = functionName(i, k);
    out.line('');
    out.open(`${options.profile ? 'export ' : ''}function ${name}(): void`);
    try {
      scratchBytes = Math.max(scratchBytes, (emitters[k.kind] as KernelEmitter<Kernel>)(out, layout, k, { name, helpers, threads }));
    } catch (e) {
      throw new Error(`wasm backend: cannot render kernel ${i} "${k.name}" (${k.kind}): ${(e as Error).message}`, { cause: e });
    }
    out.close();
  });
  out.line('');
  out.line(helpers.toString());
  out.open(`export function ${ENTRY}(): void`);
  program.kernels.forEach((k, i) => out.line(`${functionName(i, k)}();`));
  out.close();
  if (threads > 1) {
    const control = align(layout.scratchBase + scratchBytes, 64);
    scratchBytes = control + THREAD_CONTROL_BYTES - layout.scratchBase;
    out.line('');
    out.line(`/** Main thread: call once before ${ENTRY}() with the number of threads taking part (main included). */`);
    out.line(`export function threadsInit(threads: i32): void { setupThreads(${control}, threads); }`);
    out.line(`/** Worker thread number 'index' (1…): blocks, running tasks, until threadsStop(). */`);
    out.line(`export function workerLoop(index: i32): void { setupThreads(${control}, 0); threadLoop(index); }`);
    out.line(`export function threadsStop(): void { stopThreads(); }`);
  }
  const memoryBase = align(layout.scratchBase + scratchBytes, 64);
  // one spare page for AssemblyScript's static data (edge tile, constants)
  const memoryPages = Math.ceil(memoryBase / PAGE_BYTES) + 1;
  return { source: out.toString() + '\n', arenaBase: layout.arenaBase, scratchBase: layout.scratchBase, scratchBytes, memoryBase, memoryPages };
}
