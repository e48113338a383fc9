/**
 * A whole kernel-IR Program as wasm bytecode linked onto the prebuilt kernel library: one
 * function per kernel with shapes, strides and absolute addresses baked in, and an exported
 * `run()` calling them in order (as ../program.ts renders it for asc). Pool tasks and tile
 * epilogues go into the function table after the library's own entries.
 */
import type { Kernel, KernelKind, Program } from '../../../kernel/ir.ts';
import { align, MemoryLayout, PAGE_BYTES } from '../layout.ts';
import { functionName } from '../program.ts';
import type { KernelLibrary } from '../kernel-library.ts';
import type { Emitter, LibraryFn } from './alu.ts';
import { FunctionBuilder } from './encoder.ts';
import { emitConv } from './conv.ts';
import { emitMatmul } from './gemm.ts';
import { firstFunction, libraryFunction, link, tableIndexOf } from './link.ts';
import { emitPointwise, type ProgramContext } from './nest.ts';
import { emitPool } from './pool.ts';
import { emitReduce } from './reduce.ts';
import { emitScatterAdd } from './scatter.ts';
import { planWeightCache } from './weight-cache.ts';

type KernelEmitter<K extends Kernel> = (e: Emitter, ctx: ProgramContext, k: K) => number;

/** One emitter per kernel kind; each returns the scratch bytes it uses. */
const emitters: { [K in KernelKind]: KernelEmitter<Extract<Kernel, { kind: K }>> } = {
  elementwise: (e, ctx, k) => { emitPointwise(e, ctx, k.shape, k.stores, true); return 0; },
  reduce: (e, ctx, k) => { emitReduce(e, ctx, k); return 0; },
  matmul: emitMatmul,
  conv2d: emitConv,
  pool2d: emitPool,
  scatter_add: emitScatterAdd,
};

export interface ProgramLayout {
  arenaBase: number;
  scratchBase: number;
  /** bytes after the arena: the packed-weight cache and the kernels' scratch */
  scratchBytes: number;
  memoryPages: number;
  /** where the session bumps the weights' version (absent: nothing cached) */
  weightVersionAddress?: number;
  weightCacheBytes?: number;
}

export interface EmitOptions {
  /** build for a pool of this many threads (the library must be a threaded variant) */
  threads?: number;
  /** also export every kernel function (under `functionName`) so a profiler can time each one */
  profile?: boolean;
  /** where the arena starts (default: past the library's static data); variants of one artifact share it */
  arenaBase?: number;
  /** keep packed conv weights across runs where no kernel writes them (default true) */
  weightCache?: boolean;
}

/**
 * The module of `program` linked onto `library` (one per library variant: the code depends on
 * the library's function numbering).
 */
export function emitProgram(program: Program, library: KernelLibrary, options: EmitOptions = {}): { bytes: Uint8Array; layout: ProgramLayout } {
  const threads = Math.max(1, options.threads ?? 1);
  const lib = library.module;
  const arenaBase = options.arenaBase ?? align(lib.dataEnd, 64);
  if (arenaBase < lib.dataEnd) throw new Error(`wasm backend: arena base ${arenaBase} overlaps the kernel library's static data (up to ${lib.dataEnd})`);
  const unreserved = new MemoryLayout(program, arenaBase);
  const weightCache = options.weightCache === false ? undefined : planWeightCache(program, unreserved, library.constants, unreserved.scratchBase);
  const layout = new MemoryLayout(program, arenaBase, weightCache?.bytes ?? 0);
  const functions: FunctionBuilder[] = [];
  const tableEntries: number[] = [];
  const libIndex = new Map<LibraryFn, number>();
  const emitterFor = (f: FunctionBuilder): Emitter => ({
    f,
    call: (fn) => {
      let i = libIndex.get(fn);
      if (i === undefined) libIndex.set(fn, i = libraryFunction(lib, fn));
      f.call(i);
    },
  });
  const addFunction = (params: 'i32'[]): { e: Emitter; func: number } => {
    const f = new FunctionBuilder({ params, results: [] });
    functions.push(f);
    return { e: emitterFor(f), func: functions.length - 1 };
  };
  const ctx: ProgramContext = {
    layout, threads, constants: library.constants, addFunction, ...(weightCache ? { weightCache } : {}),
    tableIndex: (func) => { tableEntries.push(func); return tableIndexOf(lib, tableEntries.length - 1); },
  };
  const exports: { name: string; func: number }[] = [];
  let scratchBytes = 0;
  const kernelFuncs = program.kernels.map((k, i) => {
    const fn = addFunction([]);
    try {
      scratchBytes = Math.max(scratchBytes, (emitters[k.kind] as KernelEmitter<Kernel>)(fn.e, ctx, k));
    } catch (e) {
      throw new Error(`wasm backend: cannot emit kernel ${i} "${k.name}" (${k.kind}): ${(e as Error).message}`, { cause: e });
    }
    if (options.profile) exports.push({ name: functionName(i, k), func: fn.func });
    return fn.func;
  });
  const base = firstFunction(lib);
  const run = addFunction([]);
  for (const f of kernelFuncs) run.e.f.call(base + f);
  exports.push({ name: 'run', func: run.func });
  if (threads > 1) {
    const c = library.constants;
    if (c.CONTROL_BYTES === undefined || c.JOB_ARG_BYTES === undefined) throw new Error(`wasm backend: a ${threads}-thread program needs a threaded kernel library, not "${library.variant}"`);
    const control = align(layout.scratchBase + scratchBytes, 64);
    scratchBytes = control + c.CONTROL_BYTES + c.JOB_ARG_BYTES - layout.scratchBase;
    // threadsInit(threads): the main thread, once before run(); workerLoop(index): a worker's whole life
    const init = addFunction(['i32']);
    init.e.f.i32(control).get(0);
    init.e.call('setupThreads');
    const worker = addFunction(['i32']);
    worker.e.f.i32(control).i32(0);
    worker.e.call('setupThreads');
    worker.e.f.get(0);
    worker.e.call('threadLoop');
    const stop = addFunction([]);
    stop.e.call('stopThreads');
    exports.push({ name: 'threadsInit', func: init.func }, { name: 'workerLoop', func: worker.func }, { name: 'threadsStop', func: stop.func });
  }
  const end = align(layout.scratchBase + scratchBytes, 64);
  const memoryPages = Math.max(1, Math.ceil(end / PAGE_BYTES));
  const bytes = link(lib, { functions, tableEntries, exports, memoryPages });
  const arenaEnd = layout.arenaBase + program.arenaBytes;
  return {
    bytes,
    layout: {
      arenaBase: layout.arenaBase, scratchBase: layout.scratchBase, scratchBytes: end - arenaEnd, memoryPages,
      ...(weightCache ? { weightVersionAddress: weightCache.versionAddress, weightCacheBytes: weightCache.bytes } : {}),
    },
  };
}
