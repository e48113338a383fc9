/**
 * Matmul kernels as bytecode calling the prebuilt library's GEMM (assembly/gemm.ts), with a
 * compile-time thread schedule and a per-tile epilogue called back from the micro-kernel loop.
 */
import type { MatmulKernel } from '../../../kernel/ir.ts';
import { directOutput, gemmPackBytes, ScratchPlan, viewBase } from '../gemm-kernels.ts';
import { align } from '../layout.ts';
import { bindAccToScratch } from '../rewrite.ts';
import type { Emitter } from './alu.ts';
import { emitPointwise, type ProgramContext } from './nest.ts';
import { callGemm, callGemmPackedB, clampedCount, emitTileEpilogue, type I32, local, loop, perThread } from './library-calls.ts';
import { emitRefreshIfStale } from './weight-cache.ts';

/**
 * Multiply-adds below which a matmul stays on the calling thread: a fork-join costs tens of
 * microseconds when the worker has to be woken or was preempted (a loaded 2-core machine),
 * about what 2^20 multiply-adds take on one core.
 */
export const GEMM_PARALLEL_MIN_MACS = 1 << 20;
/** Pool tasks per thread: small enough that a preempted worker holds back little of the kernel. */
const TASKS_PER_THREAD = 4;
/** A task re-packs the operand it does not slice: keep slices this wide so packing stays a few % of the work. */
const MIN_SLICE = 64;

/**
 * How a matmul uses the pool: `serial` on the calling thread, or one fork-join for the whole
 * kernel whose tasks are (batch item, slice) pairs: each item's rows (when M ≥ N: a task packs
 * all of B, k·N, and its rows of A) or columns (packs all of A) cut into `parts` slices of `slice`.
 */
export type MatmulSchedule =
  | { kind: 'serial' }
  | { kind: 'split'; axis: 'rows' | 'columns'; parts: number; slice: number; tasks: number };

export function matmulSchedule(threads: number, k: Pick<MatmulKernel, 'batch' | 'm' | 'n' | 'k'>): MatmulSchedule {
  const macs = k.m * k.n * Math.max(1, k.k);
  if (threads <= 1 || k.batch * macs < GEMM_PARALLEL_MIN_MACS || k.m === 0 || k.n === 0) return { kind: 'serial' };
  const axis = k.m >= k.n ? 'rows' : 'columns';
  const extent = axis === 'rows' ? k.m : k.n;
  // slices per item so that batch · parts reaches TASKS_PER_THREAD tasks per thread
  const wanted = Math.max(1, Math.ceil((threads * TASKS_PER_THREAD) / k.batch));
  const step = axis === 'rows' ? 24 : 8; // whole micro-tiles (MR 4 or 6; NR 8)
  const slice = Math.ceil(Math.max(MIN_SLICE, Math.ceil(extent / wanted)) / step) * step;
  const parts = Math.ceil(extent / slice);
  const tasks = k.batch * parts;
  return tasks < 2 ? { kind: 'serial' } : { kind: 'split', axis, parts, slice, tasks };
}

export function emitMatmul(e: Emitter, ctx: ProgramContext, k: MatmulKernel): number {
  const layout = ctx.layout;
  for (const [what, v] of [['a', k.a], ['b', k.b]] as const) {
    if (layout.dtype(v.buffer) !== 'f32') throw new Error(`wasm backend: matmul "${k.name}" operand ${what} must be f32 (buffer ${v.buffer} is i32)`);
  }
  const scratch = new ScratchPlan(layout.scratchBase);
  const direct = directOutput(layout, k);
  const space = [k.batch, k.m, k.n];
  const acc = direct ? 0 : scratch.take(k.batch * k.m * k.n * 4);
  const schedule = matmulSchedule(ctx.threads, k);
  const packStride = align(gemmPackBytes(k.n), 64);
  const pack = scratch.take(schedule.kind === 'split' ? packStride * ctx.threads : gemmPackBytes(k.n));
  const stores = bindAccToScratch(k.stores, space);
  // per-tile epilogue unless a store writes into an operand the GEMM is still reading
  const perTile = !direct && k.k > 0 && !stores.some((s) => layout.overlaps(s.view.buffer, k.a.buffer) || layout.overlaps(s.view.buffer, k.b.buffer));
  const [aB, aRs, aCs] = k.a.strides as [number, number, number];
  const [bB, bRs, bCs] = k.b.strides as [number, number, number];
  const epilogue = perTile ? ctx.tableIndex(emitTileEpilogue(ctx, stores, space)) : undefined;
  const [cB, ldc] = direct ? [direct.strides[0]!, direct.strides[1]!] : [k.m * k.n, k.n];
  const cBase = direct ? viewBase(layout, direct) : acc;
  // B (the weights of x·W) packed once per change when nothing writes it (bytecode/weight-cache.ts)
  const slot = ctx.weightCache?.slots.get(k);
  if (slot) {
    emitRefreshIfStale(e, ctx.weightCache!, slot, () => {
      for (const x of [k.k, k.n, viewBase(layout, k.b), bRs, bCs, slot.data]) e.f.i32(x);
      e.call('packBAll');
    });
  }
  const packedCols = Math.ceil(k.n / ctx.constants.NR) * ctx.constants.NR;
  /** item `b` (a local), rows [r0, r0 + m) or columns [c0, c0 + n) of it; r0/c0 locals or absent */
  const item = (e: Emitter, b: number, packAt: I32, slice?: { axis: 'rows' | 'columns'; at: number; len: number }) => {
    const rows = slice?.axis === 'rows', cols = slice?.axis === 'columns';
    if (slot) {
      callGemmPackedB(e, {
        m: rows ? local(slice!.len) : k.m, n: cols ? local(slice!.len) : k.n, k: k.k,
        a: { base: viewBase(layout, k.a), terms: [[b, aB * 4], ...(rows ? [[slice!.at, aRs * 4] as [number, number]] : [])] }, aRs, aCs,
        packedB: slot.data, packedCols, col0: cols ? local(slice!.at) : 0,
        c: { base: cBase, terms: [[b, cB * 4], ...(slice ? [[slice.at, (rows ? ldc : 1) * 4] as [number, number]] : [])] },
        ldc, accumulate: 0, pack: packAt,
        ...(epilogue !== undefined ? { epilogue: { table: epilogue, tag: { base: 0, terms: [[b, k.m], ...(rows ? [[slice!.at, 1] as [number, number]] : [])] } } } : {}),
        ...(cols ? { colOffset: local(slice!.at) } : {}),
      });
      return;
    }
    callGemm(e, {
      m: rows ? local(slice!.len) : k.m, n: cols ? local(slice!.len) : k.n, k: k.k,
      a: { base: viewBase(layout, k.a), terms: [[b, aB * 4], ...(rows ? [[slice!.at, aRs * 4] as [number, number]] : [])] }, aRs, aCs,
      b: { base: viewBase(layout, k.b), terms: [[b, bB * 4], ...(cols ? [[slice!.at, bCs * 4] as [number, number]] : [])] }, bRs, bCs,
      c: { base: cBase, terms: [[b, cB * 4], ...(slice ? [[slice.at, (rows ? ldc : 1) * 4] as [number, number]] : [])] },
      ldc, accumulate: 0, pack: packAt,
      // the epilogue's tag is b·M + the slice's first row (emitTileEpilogue decodes it)
      ...(epilogue !== undefined ? { epilogue: { table: epilogue, tag: { base: 0, terms: [[b, k.m], ...(rows ? [[slice!.at, 1] as [number, number]] : [])] } } } : {}),
      ...(cols ? { colOffset: local(slice!.at) } : {}),
    });
  };
  if (schedule.kind === 'split') {
    // task t = b·parts + p: item b, slice p (at = p·slice, len = min(slice, extent − at))
    const task = ctx.addFunction(['i32']);
    const f = task.e.f;
    const extent = schedule.axis === 'rows' ? k.m : k.n;
    const b = f.local('i32'), at = f.local('i32');
    f.get(0).i32(schedule.parts).op('i32.div_s').set(b);
    f.get(0).i32(schedule.parts).op('i32.rem_s').i32(schedule.slice).op('i32.mul').set(at);
    const len = clampedCount(f, at, schedule.slice, extent);
    item(task.e, b, local(perThread(task.e, pack, packStride)), { axis: schedule.axis, at, len });
    e.f.i32(ctx.tableIndex(task.func)).i32(schedule.tasks);
    e.call('parallelFor');
  } else {
    loop(e.f, k.batch, (b) => item(e, b, pack));
  }
  if (!direct && !perTile) emitPointwise(e, ctx, space, stores, true);
  return scratch.size;
}

