/**
 * Loop nests that evaluate stores at every point of a space: elementwise kernels and the
 * epilogues of matmul/conv/pool (whose `acc` was bound to a scratch tensor). The innermost
 * axis runs four lanes at a time when every view has stride 1 or 0 there, with a scalar tail.
 */
import type { Store } from '../../kernel/ir.ts';
import { canVectorize, renderScalar, renderVector, viewsOf, type Scope } from './expr.ts';
import { convertScalar, convertVector } from './alu.ts';
import type { MemoryLayout } from './layout.ts';
import { collapseSpace } from './rewrite.ts';
import type { Source } from './source.ts';

export function linearIndexOf(vars: readonly string[], shape: readonly number[]): string {
  if (shape.length === 0) return '0';
  let code = vars[0]!;
  for (let d = 1; d < shape.length; d++) code = `(${code}) * ${shape[d]} + ${vars[d]}`;
  return code;
}

/** Whether the stores can run four lanes at a time along `axis` (store stride 1, every read 0 or 1, no aliasing). */
export function vectorizable(layout: MemoryLayout, stores: Store[], axis: number, extent: number): boolean {
  if (axis < 0 || extent < 4) return false;
  return stores.every((s) => s.view.strides[axis] === 1 && canVectorize(s.expr, axis, false)) && !readsWhatItWritesElsewhere(layout, stores);
}

/**
 * Evaluates every store at the current point (or four lanes along `vectorAxis`) before writing
 * any, so an in-place store never feeds a sibling.
 */
export function emitStores(out: Source, layout: MemoryLayout, stores: Store[], scope: Scope, vectorAxis?: number): void {
  stores.forEach((s, i) => out.line(`const t${i} = ${vectorAxis === undefined ? renderScalar(s.expr, scope) : renderVector(s.expr, scope, vectorAxis)};`));
  stores.forEach((s, i) => {
    const dt = layout.dtype(s.view.buffer);
    const addr = `<usize>(${scope.address(s.view)})`;
    out.line(vectorAxis === undefined
      ? `store<${dt}>(${addr}, ${convertScalar(`t${i}`, s.expr.dtype, dt)});`
      : `v128.store(${addr}, ${convertVector(`t${i}`, s.expr.dtype, dt)});`);
  });
}

/** Where a threaded build may put a pointwise nest's task function, and how many threads share it. */
export interface PointwiseParallel {
  helpers: Source;
  /** name of the generated task function */
  name: string;
  threads: number;
}

/** Nests smaller than this stay on one thread (a fork-join costs microseconds). */
const PARALLEL_MIN_ELEMENTS = 16384;

/**
 * Emits the loop nest; `prefix` names the loop variables (nested emitters use distinct ones).
 * With `parallel` (threaded builds), a large nest is split along its outermost axis into tasks.
 */
export function emitPointwise(out: Source, layout: MemoryLayout, shapeIn: readonly number[], storesIn: Store[], prefix = 'i', parallel?: PointwiseParallel): void {
  const { shape, stores } = collapseSpace(shapeIn, storesIn);
  const total = shape.reduce((a, b) => a * b, 1);
  // results that feed other points (aliased views) need the sequential order
  if (parallel && parallel.threads > 1 && shape.length > 0 && total >= PARALLEL_MIN_ELEMENTS && !readsWhatItWritesElsewhere(layout, stores)) {
    const tasks = Math.min(shape[0]!, parallel.threads * 4);
    let chunk = Math.ceil(shape[0]! / tasks);
    if (shape.length === 1) chunk = Math.ceil(chunk / 4) * 4;
    out.line(`parallelFor(${parallel.name}.index, ${Math.ceil(shape[0]! / chunk)});`);
    const h = parallel.helpers;
    h.open(`function ${parallel.name}(task: i32): void`);
    h.line(`const lo: i32 = task * ${chunk};`);
    h.line(`const hi: i32 = min(lo + ${chunk}, ${shape[0]});`);
    emitNest(h, layout, shape, stores, prefix, 'lo', 'hi');
    h.close();
    return;
  }
  emitNest(out, layout, shape, stores, prefix, '0', String(shape[0] ?? 0));
}

/** The loop nest over `shape` with axis 0 running over [lo, hi). */
function emitNest(out: Source, layout: MemoryLayout, shape: number[], stores: Store[], prefix: string, lo: string, hi: string): void {
  const vars = shape.map((_, d) => `${prefix}${d}`);
  const scope: Scope = {
    indexVars: vars,
    linearIndex: linearIndexOf(vars, shape),
    address: (v) => layout.address(v, vars),
  };
  const inner = shape.length - 1;
  const vector = vectorizable(layout, stores, inner, shape[inner] ?? 0);
  const from = (d: number): string => (d === 0 ? lo : '0');
  const to = (d: number): string => (d === 0 ? hi : String(shape[d]));
  for (let d = 0; d < inner; d++) out.open(`for (let ${vars[d]}: i32 = ${from(d)}; ${vars[d]} < ${to(d)}; ${vars[d]}++)`);
  if (inner < 0) {
    emitStores(out, layout, stores, scope);
  } else {
    const v = vars[inner]!;
    out.line(`let ${v}: i32 = ${from(inner)};`);
    if (vector) {
      out.open(`for (; ${v} <= ${to(inner)} - 4; ${v} += 4)`);
      emitStores(out, layout, stores, scope, inner);
      out.close();
    }
    out.open(`for (; ${v} < ${to(inner)}; ${v}++)`);
    emitStores(out, layout, stores, scope);
    out.close();
  }
  for (let d = 0; d < inner; d++) out.close();
}

/**
 * Whether a stored buffer is also read through a different view: then later points can see
 * earlier points' results, and only the point-by-point scalar order matches the interpreter.
 */
export function readsWhatItWritesElsewhere(layout: MemoryLayout, stores: Store[]): boolean {
  return stores.some((s) => stores.some((other) => viewsOf(other.expr).some((v) => layout.overlaps(v.buffer, s.view.buffer)
    && (layout.bufferAddress(v.buffer) + v.offset * 4 !== layout.bufferAddress(s.view.buffer) + s.view.offset * 4 || v.strides.some((x, d) => x !== s.view.strides[d])))));
}
