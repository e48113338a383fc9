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

/** Emits the loop nest; `prefix` names the loop variables (nested emitters use distinct ones). */
export function emitPointwise(out: Source, layout: MemoryLayout, shapeIn: readonly number[], storesIn: Store[], prefix = 'i'): void {
  const { shape, stores } = collapseSpace(shapeIn, storesIn);
  const vars = shape.map((_, d) => `${prefix}${d}`);
  const scope: Scope = {
    indexVars: vars,
    linearIndex: linearIndexOf(vars, shape),
    address: (v) => layout.address(v, vars),
  };
  const inner = shape.length - 1;
  const vector = vectorizable(layout, stores, inner, shape[inner] ?? 0);
  for (let d = 0; d < inner; d++) out.open(`for (let ${vars[d]}: i32 = 0; ${vars[d]} < ${shape[d]}; ${vars[d]}++)`);
  if (inner < 0) {
    emitStores(out, layout, stores, scope);
  } else {
    const v = vars[inner]!;
    out.line(`let ${v}: i32 = 0;`);
    if (vector) {
      out.open(`for (; ${v} <= ${shape[inner]! - 4}; ${v} += 4)`);
      emitStores(out, layout, stores, scope, inner);
      out.close();
    }
    out.open(`for (; ${v} < ${shape[inner]}; ${v}++)`);
    emitStores(out, layout, stores, scope);
    out.close();
  }
  for (let d = 0; d < inner; d++) out.close();
}

/**
 * Whether a stored buffer is also read through a different view: then later points can see
 * earlier points' results, and only the point-by-point scalar order matches the interpreter.
 */
function readsWhatItWritesElsewhere(layout: MemoryLayout, stores: Store[]): boolean {
  return stores.some((s) => stores.some((other) => viewsOf(other.expr).some((v) => layout.overlaps(v.buffer, s.view.buffer)
    && (layout.bufferAddress(v.buffer) + v.offset * 4 !== layout.bufferAddress(s.view.buffer) + s.view.offset * 4 || v.strides.some((x, d) => x !== s.view.strides[d])))));
}
