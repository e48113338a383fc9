/**
 * Expression rewrites done before rendering: binding `acc` to a scratch tensor, and collapsing
 * the iteration space so loops are few and the innermost one is long (better for SIMD).
 */
import type { DType, Expr, ReduceKernel, Store, View } from '../../kernel/ir.ts';
import { viewsOf } from './expr.ts';
import { ACC_BUFFER, contiguousStrides } from './layout.ts';

/** Rebuilds `e` bottom-up, replacing nodes for which `fn` returns a value. */
export function mapExpr(e: Expr, fn: (e: Expr) => Expr | undefined): Expr {
  const hit = fn(e);
  if (hit) return hit;
  switch (e.op) {
    case 'unary': return { ...e, a: mapExpr(e.a, fn) };
    case 'binary': return { ...e, a: mapExpr(e.a, fn), b: mapExpr(e.b, fn) };
    case 'select': return { ...e, cond: mapExpr(e.cond, fn), a: mapExpr(e.a, fn), b: mapExpr(e.b, fn) };
    case 'random': return { ...e, seed: mapExpr(e.seed, fn) };
    default: return e;
  }
}

/** Replaces `acc` by a load of the f32 accumulator tensor over `shape` (contiguous unless `strides` are given). */
export function bindAccToScratch(stores: Store[], shape: readonly number[], strides: number[] = contiguousStrides(shape)): Store[] {
  const load: Expr = { op: 'load', view: { buffer: ACC_BUFFER, offset: 0, strides }, dtype: 'f32' };
  const bound = (dtype: DType): Expr => (dtype === 'f32' ? load : { op: 'unary', fn: 'to_i32', a: load, dtype: 'i32' });
  return stores.map((s) => ({ view: s.view, expr: mapExpr(s.expr, (e) => (e.op === 'acc' ? bound(e.dtype) : undefined)) }));
}

function indexedAxes(e: Expr, out: Set<number>): Set<number> {
  mapExpr(e, (x) => {
    if (x.op === 'index') out.add(x.axis);
    return undefined;
  });
  return out;
}

/**
 * Groups the axes [from, to) of `shape`: neighbouring axes that every view walks contiguously
 * (stride[d] = stride[d+1]·extent) merge and extent-1 axes vanish, unless an `index` reads them.
 * Axes outside the range stay as they are. Row-major linear indices (for `random`, argmax)
 * are unchanged by both.
 */
function groupAxes(shape: readonly number[], views: View[], indexed: Set<number>, from: number, to: number): number[][] {
  const groups: number[][] = [];
  for (let d = 0; d < from; d++) groups.push([d]);
  const first = groups.length;
  for (let d = from; d < to; d++) {
    if (shape[d] === 1 && !indexed.has(d)) continue;
    const last = groups.length > first ? groups[groups.length - 1] : undefined;
    const prev = last?.[last.length - 1];
    const mergeable = prev !== undefined && !indexed.has(prev) && !indexed.has(d)
      && views.every((v) => v.strides[prev] === v.strides[d]! * shape[d]!);
    if (mergeable) last!.push(d);
    else groups.push([d]);
  }
  for (let d = to; d < shape.length; d++) groups.push([d]);
  return groups;
}

function regroup(groups: number[][], shape: readonly number[]) {
  const axisMap = new Map<number, number>();
  groups.forEach((g, i) => { if (g.length === 1) axisMap.set(g[0]!, i); });
  const view = (v: View): View => ({ ...v, strides: groups.map((g) => v.strides[g[g.length - 1]!]!) });
  const expr = (e: Expr): Expr => mapExpr(e, (x) => {
    if (x.op === 'load') return { ...x, view: view(x.view) };
    if (x.op === 'index') return { ...x, axis: axisMap.get(x.axis)! };
    return undefined;
  });
  return { shape: groups.map((g) => g.reduce((p, d) => p * shape[d]!, 1)), view, expr };
}

/** Collapses the whole space of a pointwise nest (see groupAxes). */
export function collapseSpace(shape: readonly number[], stores: Store[]): { shape: number[]; stores: Store[] } {
  const indexed = new Set<number>();
  for (const s of stores) indexedAxes(s.expr, indexed);
  const views: View[] = stores.flatMap((s) => [s.view, ...viewsOf(s.expr)]);
  const r = regroup(groupAxes(shape, views, indexed, 0, shape.length), shape);
  return { shape: r.shape, stores: stores.map((s) => ({ view: r.view(s.view), expr: r.expr(s.expr) })) };
}

/** Collapses a reduce kernel's reduced axes only (its stores live in the output space). */
export function collapseReduceAxes(k: ReduceKernel): ReduceKernel {
  const space = [...k.shape, ...k.reduceShape];
  const r = regroup(groupAxes(space, viewsOf(k.body), indexedAxes(k.body, new Set()), k.shape.length, space.length), space);
  return { ...k, reduceShape: r.shape.slice(k.shape.length), body: r.expr(k.body) };
}
