/**
 * Rewrites of a reduction's body that let more of the graph fuse around it (used by lower.ts):
 *  - `liftIntoBody`: an operand's expression re-indexed into the body space (views and `index`
 *    reads: an iota fuses into the reduction instead of being stored first);
 *  - `foldOneHotAxes`: Σ_k f(k)·[k = g] over a reduced axis k is f(g) where 0 ≤ g < K (else 0),
 *    a gather instead of a loop, so a one-hot masked sum (NLL loss, its gradient's row sums)
 *    needs no reduction over that axis at all;
 *  - `respaceUnitAxes`: moves an expression between two shapes that differ only in unit axes
 *    (the reshape that drops a reduction's kept dimensions), so the reduction stays pending and
 *    what follows the reshape is still its epilogue.
 */
import type { Expr, View } from './ir.ts';
import { mapExpr, mapViews, someExpr, viewsOf } from './expr.ts';
import { maskOf, maskedAxis, withMask } from './views.ts';

type Shape = readonly number[];

/** Re-indexes `e` (over `inputShape`) into the body space [input dims with `axes` at extent 1, the `axes`]. */
export function liftIntoBody(e: Expr, inputShape: Shape, axes: readonly number[], bodySpace: Shape): Expr {
  const r = inputShape.length;
  const lifted = mapViews(e, (vw) => {
    const strides = [...vw.strides.map((s, d) => (axes.includes(d) ? 0 : s)), ...axes.map((ax) => vw.strides[ax]!)];
    if (!vw.mask) return { ...vw, strides };
    const m = maskOf(vw, inputShape);
    return withMask({ ...vw, strides }, [...m.map((rg, d) => (axes.includes(d) ? [0, 1] as [number, number] : rg)), ...axes.map((ax) => m[ax]!)], bodySpace);
  });
  return mapExpr(lifted, (x) => (x.op === 'index' && axes.includes(x.axis) ? { ...x, axis: r + axes.indexOf(x.axis) } : undefined));
}

/** Whether `e` may read different values along `axis` (a view moving along it, its index, randomness). */
function dependsOn(e: Expr, axis: number, space: Shape): boolean {
  return someExpr(e, (x) => (x.op === 'index' && x.axis === axis) || x.op === 'random')
    || viewsOf(e).some((v) => v.strides[axis] !== 0 || maskedAxis(v, axis, space[axis]!));
}

const one: Expr = { op: 'const', value: 1, dtype: 'f32' };

/**
 * Splits `e` = rest · [index_axis = g] (through neg, mul, a division's numerator, to_f32 of an
 * i32 equality, or select(eq, a, 0)), with g not depending on `axis`.
 */
function splitOneHot(e: Expr, axis: number, space: Shape): { g: Expr; rest: Expr } | undefined {
  const equality = (c: Expr): Expr | undefined => {
    if (c.op !== 'binary' || c.fn !== 'eq' || c.dtype !== 'i32') return undefined;
    const isAxis = (x: Expr) => x.op === 'index' && x.axis === axis;
    const g = isAxis(c.a) ? c.b : isAxis(c.b) ? c.a : undefined;
    return g && g.dtype === 'i32' && !dependsOn(g, axis, space) ? g : undefined;
  };
  switch (e.op) {
    case 'unary': {
      if (e.fn === 'to_f32') { const g = equality(e.a); return g ? { g, rest: one } : undefined; }
      if (e.fn !== 'neg') return undefined;
      const s = splitOneHot(e.a, axis, space);
      return s && { g: s.g, rest: { ...e, a: s.rest } };
    }
    case 'binary': {
      if (e.fn !== 'mul' && e.fn !== 'div') return undefined;
      const sa = splitOneHot(e.a, axis, space);
      if (sa) return { g: sa.g, rest: { ...e, a: sa.rest } };
      if (e.fn === 'div') return undefined;
      const sb = splitOneHot(e.b, axis, space);
      return sb && { g: sb.g, rest: { ...e, b: sb.rest } };
    }
    case 'select': {
      const g = e.b.op === 'const' && e.b.value === 0 ? equality(e.cond) : undefined;
      return g && e.dtype === 'f32' ? { g, rest: e.a } : undefined;
    }
    default: return undefined;
  }
}

/** `e` at axis = g: reads moving along `axis` become gathers by g, `index` reads become g; undefined where that cannot be said. */
function substituteAxis(e: Expr, axis: number, space: Shape, g: Expr): Expr | undefined {
  let ok = true;
  const out = mapExpr(e, (x) => {
    if (x.op === 'index' && x.axis === axis) return g;
    if (x.op === 'random') { ok = false; return x; }
    if (x.op === 'load' || x.op === 'gather') {
      if (maskedAxis(x.view, axis, space[axis]!)) { ok = false; return x; }
      const stride = x.view.strides[axis]!;
      if (stride === 0) return undefined;
      if (x.op === 'gather') { ok = false; return x; }
      const view: View = { ...x.view, strides: x.view.strides.map((s, d) => (d === axis ? 0 : s)) };
      return { op: 'gather', view, index: g, stride, extent: space[axis]!, dtype: x.dtype };
    }
    return undefined;
  });
  return ok ? out : undefined;
}

/** `e` with axis `axis` of its space removed (every read must already be constant along it). */
function dropAxis(e: Expr, axis: number, space: Shape): Expr {
  const rest = space.filter((_, d) => d !== axis);
  const viewsDropped = mapViews(e, (vw) => {
    const strides = vw.strides.filter((_, d) => d !== axis);
    if (!vw.mask) return { ...vw, strides };
    return withMask({ ...vw, strides }, maskOf(vw, space).filter((_, d) => d !== axis), rest);
  });
  return mapExpr(viewsDropped, (x) => (x.op === 'index' && x.axis > axis ? { ...x, axis: x.axis - 1 } : undefined));
}

/**
 * Folds every reduced axis of a sum whose body is one-hot along it: Σ_k f(k)·[k = g] = f(g)
 * where 0 ≤ g < K, else 0 (out-of-range labels give an all-zero one-hot row). The result can
 * differ from the loop only where some f(k), k ≠ g, is ±∞ or NaN (the loop's 0·∞ = NaN).
 * `space` is [output dims, reduced dims]; returns the new body and reduce shape.
 */
export function foldOneHotAxes(body: Expr, space: Shape, outRank: number): { body: Expr; reduceShape: number[] } {
  let b = body;
  let sp = [...space];
  for (let axis = sp.length - 1; axis >= outRank; axis--) {
    const split = splitOneHot(b, axis, sp);
    if (!split) continue;
    const picked = substituteAxis(split.rest, axis, sp, split.g);
    if (!picked) continue;
    const K = sp[axis]!;
    const g = split.g;
    const inRange: Expr = {
      op: 'binary', fn: 'mul', dtype: 'i32',
      a: { op: 'binary', fn: 'ge', a: g, b: { op: 'const', value: 0, dtype: 'i32' }, dtype: 'i32' },
      b: { op: 'binary', fn: 'lt', a: g, b: { op: 'const', value: K, dtype: 'i32' }, dtype: 'i32' },
    };
    b = dropAxis({ op: 'select', cond: inRange, a: picked, b: { op: 'const', value: 0, dtype: 'f32' }, dtype: 'f32' }, axis, sp);
    sp = sp.filter((_, d) => d !== axis);
  }
  return { body: b, reduceShape: sp.slice(outRank) };
}

/**
 * For shapes that differ only in unit axes (same non-unit extents in order), the `from` axis each
 * `to` axis reads (undefined: an inserted unit axis); null otherwise.
 */
export function unitAxisMap(from: Shape, to: Shape): (number | undefined)[] | null {
  const fromBig = from.flatMap((d, i) => (d === 1 ? [] : [i]));
  const toBig = to.flatMap((d, i) => (d === 1 ? [] : [i]));
  if (fromBig.length !== toBig.length || fromBig.some((a, j) => from[a] !== to[toBig[j]!])) return null;
  return to.map((d, i) => (d === 1 ? undefined : fromBig[toBig.indexOf(i)]));
}

/**
 * `e` over [from, tail] re-expressed over [to, tail] (`map` from unitAxisMap); null when a
 * read is masked on a dropped unit axis (it may be out of bounds there).
 */
export function respaceUnitAxes(e: Expr, from: Shape, to: Shape, map: readonly (number | undefined)[], tail: Shape = []): Expr | null {
  const fromSpace = [...from, ...tail], toSpace = [...to, ...tail];
  const fr = from.length, tr = to.length;
  let ok = true;
  const viewsMoved = mapViews(e, (vw) => {
    const tailStrides = vw.strides.slice(fr);
    const strides = [...map.map((a) => (a === undefined ? 0 : vw.strides[a]!)), ...tailStrides];
    if (!vw.mask) return { ...vw, strides };
    const m = maskOf(vw, fromSpace);
    for (let a = 0; a < fr; a++) if (!map.includes(a) && !(m[a]![0] <= 0 && m[a]![1] > 0)) ok = false;
    return withMask({ ...vw, strides }, [...map.map((a) => (a === undefined ? [0, 1] as [number, number] : m[a]!)), ...m.slice(fr)], toSpace);
  });
  if (!ok) return null;
  return mapExpr(viewsMoved, (x) => {
    if (x.op !== 'index') return undefined;
    if (x.axis >= fr) return { ...x, axis: x.axis - fr + tr };
    const to = map.indexOf(x.axis);
    return to < 0 ? { op: 'const', value: 0, dtype: 'i32' } : { ...x, axis: to };
  });
}
