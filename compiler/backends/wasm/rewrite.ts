/**
 * Expression rewrites done before rendering: binding `acc` to a scratch tensor, and collapsing
 * the iteration space so loops are few and the innermost one is long (better for SIMD).
 */
import type { DType, Expr, Store, View } from '../../kernel/ir.ts';
import { mapExpr, mapViews, viewsOf, type ReduceNest } from '../../kernel/expr.ts';
import { maskedAxis } from '../../kernel/views.ts';
import { ACC_BUFFER, contiguousStrides } from './layout.ts';

export { mapExpr } from '../../kernel/expr.ts';

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

/** Adds to `out` the axes some view's mask constrains: like indexed axes, they never merge or vanish. */
function maskedAxes(views: View[], shape: readonly number[], out: Set<number>): Set<number> {
  for (const v of views) shape.forEach((n, d) => { if (maskedAxis(v, d, n)) out.add(d); });
  return out;
}

function regroup(groups: number[][], shape: readonly number[]) {
  const axisMap = new Map<number, number>();
  groups.forEach((g, i) => { if (g.length === 1) axisMap.set(g[0]!, i); });
  // constrained axes are single-axis groups (maskedAxes), so a merged group's range is its whole extent
  const view = (v: View): View => ({
    ...v,
    strides: groups.map((g) => v.strides[g[g.length - 1]!]!),
    ...(v.mask ? { mask: groups.map((g) => (g.length === 1 ? v.mask![g[0]!]! : [0, g.reduce((p, d) => p * shape[d]!, 1)] as [number, number])) } : {}),
  });
  const expr = (e: Expr): Expr => mapExpr(mapViews(e, view), (x) => (x.op === 'index' ? { ...x, axis: axisMap.get(x.axis)! } : undefined));
  return { shape: groups.map((g) => g.reduce((p, d) => p * shape[d]!, 1)), view, expr };
}

/** Collapses the whole space of a pointwise nest (see groupAxes). */
export function collapseSpace(shape: readonly number[], stores: Store[]): { shape: number[]; stores: Store[] } {
  const indexed = new Set<number>();
  for (const s of stores) indexedAxes(s.expr, indexed);
  const views: View[] = stores.flatMap((s) => [s.view, ...viewsOf(s.expr)]);
  maskedAxes(views, shape, indexed);
  const r = regroup(groupAxes(shape, views, indexed, 0, shape.length), shape);
  return { shape: r.shape, stores: stores.map((s) => ({ view: r.view(s.view), expr: r.expr(s.expr) })) };
}

/**
 * Collapses a reduce nest's reduced axes only (its stores live in the output space). One phase
 * of a reduce kernel at a time (kernel/expr.ts reduceNests): phases may collapse differently.
 */
export function collapseReduceAxes(k: ReduceNest): ReduceNest {
  const space = [...k.shape, ...k.reduceShape];
  const views = viewsOf(k.body);
  const r = regroup(groupAxes(space, views, maskedAxes(views, space, indexedAxes(k.body, new Set())), k.shape.length, space.length), space);
  return { ...k, reduceShape: r.shape.slice(k.shape.length), body: r.expr(k.body) };
}
