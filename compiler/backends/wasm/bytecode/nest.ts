/**
 * Loop nests that evaluate stores at every point of a space, as bytecode: elementwise kernels
 * and the epilogues of matmul/conv/pool (whose `acc` was bound to a scratch tensor), with the
 * schedule of ../pointwise.ts: the innermost axis four lanes at a time when every view has
 * stride 1 or 0 there, a scalar tail, and in threaded builds large nests split along axis 0.
 */
import type { WeightCachePlan } from './weight-cache.ts';
import type { Store, View } from '../../../kernel/ir.ts';
import type { MemoryLayout } from '../layout.ts';
import type { KernelConstants } from '../kernel-variants.ts';
import { readsWhatItWritesElsewhere } from '../pointwise.ts';
import { collapseSpace } from '../rewrite.ts';
import { convertScalar, convertVector, type Emitter } from './alu.ts';
import { canVectorize, emitScalar, emitVector, pushAddress, type Address, type Scope } from './expr.ts';
import type { FunctionBuilder } from './encoder.ts';

/** The byte address of a view's element at the point whose axis locals are `vars`. */
export type AddressOf = (view: View, vars: readonly number[]) => Address;

export function layoutAddress(layout: MemoryLayout): AddressOf {
  return (v, vars) => ({
    base: layout.bufferAddress(v.buffer) + v.offset * 4,
    terms: v.strides.flatMap((s, d) => (s === 0 ? [] : [[vars[d]!, s * 4] as [number, number]])),
  });
}

/** What the emitters of one program share: the layout, the pool size, and how to add functions. */
export interface ProgramContext {
  layout: MemoryLayout;
  threads: number;
  /** the kernel library's planning constants (assembly/gemm.ts, threads.ts) */
  constants: KernelConstants;
  /** a new generated function; returns its builder and program-function number */
  addFunction(params: ('i32')[]): { e: Emitter; func: number };
  /** makes a program function callable from the library; returns its table index */
  tableIndex(func: number): number;
  /** convs whose packed weights persist across runs (bytecode/weight-cache.ts) */
  weightCache?: WeightCachePlan;
}

/** Whether the stores can run four lanes at a time along `axis` (store stride 1, every read 0 or 1, no aliasing). */
export function vectorizable(layout: MemoryLayout, stores: Store[], axis: number, extent: number): boolean {
  if (axis < 0 || extent < 4) return false;
  return stores.every((s) => s.view.strides[axis] === 1 && canVectorize(s.expr, axis, false)) && !readsWhatItWritesElsewhere(layout, stores);
}

/** Evaluates every store at the current point (or four lanes along `vectorAxis`) before writing any. */
export function emitStores(layout: MemoryLayout, stores: Store[], scope: Scope, addressOf: AddressOf, vectorAxis?: number): void {
  const f = scope.f;
  const temps = stores.map((s) => {
    const t = f.local(vectorAxis === undefined ? s.expr.dtype : 'v128');
    if (vectorAxis === undefined) emitScalar(s.expr, scope); else emitVector(s.expr, scope, vectorAxis);
    f.set(t);
    return t;
  });
  stores.forEach((s, i) => {
    const dt = layout.dtype(s.view.buffer);
    const offset = pushAddress(f, addressOf(s.view, scope.indexVars));
    f.get(temps[i]!);
    if (vectorAxis === undefined) {
      convertScalar(f, s.expr.dtype, dt);
      f.mem(dt === 'f32' ? 'f32.store' : 'i32.store', offset);
    } else {
      convertVector(scope, s.expr.dtype, dt);
      f.mem('v128.store', offset);
    }
  });
}

/** Nests smaller than this stay on one thread (a fork-join costs microseconds). */
const PARALLEL_MIN_ELEMENTS = 16384;

/** Emits the loop nest of `stores` over `shapeIn` into `e` (split into pool tasks when `parallel` and large). */
export function emitPointwise(e: Emitter, ctx: ProgramContext, shapeIn: readonly number[], storesIn: Store[], parallel: boolean, addressOf: AddressOf = layoutAddress(ctx.layout)): void {
  const { shape, stores } = collapseSpace(shapeIn, storesIn);
  const total = shape.reduce((a, b) => a * b, 1);
  if (parallel && ctx.threads > 1 && shape.length > 0 && total >= PARALLEL_MIN_ELEMENTS && !readsWhatItWritesElsewhere(ctx.layout, stores)) {
    const tasks = Math.min(shape[0]!, ctx.threads * 4);
    let chunk = Math.ceil(shape[0]! / tasks);
    if (shape.length === 1) chunk = Math.ceil(chunk / 4) * 4;
    const task = ctx.addFunction(['i32']);
    const tf = task.e.f;
    const lo = tf.local('i32'), hi = tf.local('i32');
    tf.get(0).i32(chunk).op('i32.mul').tee(lo).i32(chunk).op('i32.add').set(hi);
    // hi = min(hi, extent)
    tf.get(hi).i32(shape[0]!).get(hi).i32(shape[0]!).op('i32.lt_s').op('select').set(hi);
    emitNest(task.e, ctx.layout, shape, stores, addressOf, () => tf.get(lo), () => tf.get(hi));
    e.f.i32(ctx.tableIndex(task.func)).i32(Math.ceil(shape[0]! / chunk));
    e.call('parallelFor');
    return;
  }
  emitNest(e, ctx.layout, shape, stores, addressOf, () => e.f.i32(0), () => e.f.i32(shape[0] ?? 0));
}

/** The loop nest over `shape` with axis 0 running over [lo, hi). */
function emitNest(e: Emitter, layout: MemoryLayout, shape: number[], stores: Store[], addressOf: AddressOf, lo: () => void, hi: () => void): void {
  const f = e.f;
  const vars = shape.map(() => f.local('i32'));
  const scope: Scope = { ...e, indexVars: vars, shape, address: (v) => addressOf(v, vars) };
  const inner = shape.length - 1;
  const vector = vectorizable(layout, stores, inner, shape[inner] ?? 0);
  const from = (d: number) => (d === 0 ? lo : () => f.i32(0));
  const to = (d: number) => (d === 0 ? hi : () => f.i32(shape[d]!));
  if (inner < 0) { emitStores(layout, stores, scope, addressOf); return; }
  const open = (d: number): void => {
    if (d < inner) { f.forRange(vars[d]!, from(d), to(d), 1, () => open(d + 1)); return; }
    innerLoops(f, vars[inner]!, from(inner), to(inner), vector, () => emitStores(layout, stores, scope, addressOf, inner), () => emitStores(layout, stores, scope, addressOf));
  };
  open(0);
}

/**
 * `v = lo; for (; v <= hi − 4; v += 4) vectorBody(); for (; v < hi; v++) scalarBody();`
 * (the vector loop only when `vector`).
 */
export function innerLoops(f: FunctionBuilder, v: number, lo: () => void, hi: () => void, vector: boolean, vectorBody: () => void, scalarBody: () => void): void {
  lo();
  f.set(v);
  if (vector) {
    // while (v + 4 <= hi)
    f.block().loop();
    f.get(v).i32(4).op('i32.add'); hi(); f.op('i32.gt_s').brIf(1);
    vectorBody();
    f.get(v).i32(4).op('i32.add').set(v);
    f.br(0).end().end();
  }
  f.block().loop();
  f.get(v); hi(); f.op('i32.ge_s').brIf(1);
  scalarBody();
  f.get(v).i32(1).op('i32.add').set(v);
  f.br(0).end().end();
}
