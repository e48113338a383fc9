/**
 * Views: rewriting the views inside expressions and stores, validity masks, and the view
 * algebra of the movement ops (reshape, transpose, broadcast, pad, slice) that lowering applies
 * to every load of an operand's expression.
 */
import type { Expr, Kernel, Store, View } from './ir.ts';
import { mapExpr, mapViews } from './expr.ts';
import { assertNever } from '../util/never.ts';

export { mapViews } from './expr.ts';

export type Mask = [number, number][];

/** The view's mask as explicit per-axis ranges over `shape` (full ranges where it has none). */
export function maskOf(v: View, shape: readonly number[]): Mask {
  return shape.map((n, d) => v.mask?.[d] ?? [0, n]);
}

/** Whether axis d of the view is constrained (its mask is narrower than [0, extent)). */
export function maskedAxis(v: View, d: number, extent: number): boolean {
  const m = v.mask?.[d];
  return !!m && (m[0] > 0 || m[1] < extent);
}

/** Whether any point of `shape` is out of the view's bounds. */
export function isMasked(v: View, shape: readonly number[]): boolean {
  return shape.some((n, d) => maskedAxis(v, d, n));
}

/** `v` with `mask` over `shape`, dropping it (and the fill) when it constrains nothing. */
export function withMask(v: View, mask: Mask, shape: readonly number[], fill = v.fill ?? 0): View {
  const { mask: _m, fill: _f, ...base } = v;
  const clamped: Mask = mask.map(([lo, hi], d) => {
    const a = Math.max(0, lo), b = Math.min(shape[d]!, hi);
    return a < b ? [a, b] : [0, 0];
  });
  if (!clamped.some(([lo, hi], d) => lo > 0 || hi < shape[d]!)) return base;
  return { ...base, mask: clamped, ...(fill !== 0 ? { fill } : {}) };
}

/** Whether point `idx` is inside the view's mask. */
export function inBounds(v: View, idx: readonly number[]): boolean {
  if (!v.mask) return true;
  for (let d = 0; d < v.mask.length; d++) {
    const m = v.mask[d]!;
    if (idx[d]! < m[0] || idx[d]! >= m[1]) return false;
  }
  return true;
}

/** Re-expresses stores over a space with a new leading axis of extent 1 (e.g. a matmul's batch). */
export function withLeadingAxis(stores: Store[]): Store[] {
  const addAxis = (v: View): View => ({ ...v, strides: [0, ...v.strides], ...(v.mask ? { mask: [[0, 1] as [number, number], ...v.mask] } : {}) });
  const shiftIndex = (e: Expr): Expr => mapExpr(e, (x) => (x.op === 'index' ? { ...x, axis: x.axis + 1 } : undefined));
  return stores.map((s) => ({ view: addAxis(s.view), expr: shiftIndex(mapViews(s.expr, addAxis)) }));
}

// ---- the view algebra of movement ops: (input shape, view) → view over the output shape ----

/**
 * Strides of `outShape` viewing the same elements as (inShape, inStrides), or null when the
 * reshape would need a copy (e.g. merging dims of a transposed view). Size-1 dims are ignored.
 */
export function reshapeStrides(inShape: readonly number[], inStrides: readonly number[], outShape: readonly number[]): number[] | null {
  const dims: { size: number; stride: number }[] = [];
  inShape.forEach((d, i) => { if (d !== 1) dims.push({ size: d, stride: inStrides[i]! }); });
  // merge runs of dims that are contiguous with each other into chunks
  const chunks: { size: number; stride: number }[] = [];
  for (const d of dims) {
    const last = chunks[chunks.length - 1];
    if (last && last.stride === d.size * d.stride) { last.size *= d.size; last.stride = d.stride; }
    else chunks.push({ ...d });
  }
  const out = new Array<number>(outShape.length).fill(0);
  let c = 0;
  let remaining = chunks[0]?.size ?? 1;
  for (let i = 0; i < outShape.length; i++) {
    const d = outShape[i]!;
    if (d === 1) continue;
    if (c >= chunks.length) return null;
    if (remaining % d !== 0) return null;
    remaining /= d;
    out[i] = chunks[c]!.stride * remaining;
    if (remaining === 1) { c++; remaining = chunks[c]?.size ?? 1; }
  }
  return c === chunks.length ? out : null;
}

/**
 * Reshape of a view. A masked view reshapes only when every constrained axis survives as one
 * output axis of the same extent with the same dims before it (only unconstrained dims merge or
 * split, and size-1 dims come and go); otherwise null (the operand is copied first).
 */
export function reshapeView(inShape: readonly number[], v: View, outShape: readonly number[]): View | null {
  const strides = reshapeStrides(inShape, v.strides, outShape);
  if (!strides) return null;
  if (!isMasked(v, inShape)) return { buffer: v.buffer, offset: v.offset, strides };
  const prefix = (s: readonly number[], d: number) => s.slice(0, d).reduce((a, b) => a * b, 1);
  const mask: Mask = outShape.map((n) => [0, n]);
  for (let d = 0; d < inShape.length; d++) {
    if (!maskedAxis(v, d, inShape[d]!)) continue;
    const at = outShape.findIndex((n, o) => n === inShape[d] && prefix(outShape, o) === prefix(inShape, d));
    if (at < 0) return null;
    mask[at] = v.mask![d]!;
  }
  return withMask({ ...v, strides }, mask, outShape);
}

export function transposeView(v: View, perm: readonly number[]): View {
  return { ...v, strides: perm.map((p) => v.strides[p]!), ...(v.mask ? { mask: perm.map((p) => v.mask![p]!) } : {}) };
}

/** Broadcast of size-1 dims: stride 0; a constrained size-1 axis is all in or all out of bounds. */
export function broadcastView(inShape: readonly number[], v: View, outShape: readonly number[]): View {
  const strides = outShape.map((d, i) => (inShape[i] === 1 && d !== 1 ? 0 : v.strides[i]!));
  if (!v.mask) return { ...v, strides };
  const mask: Mask = outShape.map((n, i) => {
    const [lo, hi] = v.mask![i]!;
    return inShape[i] === 1 && n !== 1 ? (lo <= 0 && 0 < hi ? [0, n] : [0, 0]) : [lo, hi];
  });
  return withMask({ ...v, strides }, mask, outShape);
}

/**
 * Constant padding: axis d grows by before[d] + after[d]; the new points read `fill`. Null when
 * the view already has a mask with a different fill (one view has one fill value).
 */
export function padView(inShape: readonly number[], v: View, before: readonly number[], after: readonly number[], fill: number): View | null {
  if (isMasked(v, inShape) && (v.fill ?? 0) !== fill) return null;
  const outShape = inShape.map((n, d) => n + before[d]! + after[d]!);
  const offset = v.offset - v.strides.reduce((s, st, d) => s + st * before[d]!, 0);
  const mask: Mask = maskOf(v, inShape).map(([lo, hi], d) => [lo + before[d]!, hi + before[d]!]);
  return withMask({ ...v, offset }, mask, outShape, fill);
}

/** Strided slice: out index i of axis d reads input index start[d] + i·step[d] (step ≠ 0, may be negative). */
export function sliceView(inShape: readonly number[], v: View, start: readonly number[], step: readonly number[], outShape: readonly number[]): View {
  const offset = v.offset + v.strides.reduce((s, st, d) => s + st * start[d]!, 0);
  const strides = v.strides.map((st, d) => st * step[d]!);
  if (!isMasked(v, inShape)) return { buffer: v.buffer, offset, strides };
  const mask: Mask = maskOf(v, inShape).map(([lo, hi], d) => {
    const s = start[d]!, t = step[d]!;
    // i is in bounds iff lo ≤ s + t·i ≤ hi − 1
    return t > 0 ? [Math.ceil((lo - s) / t), Math.floor((hi - 1 - s) / t) + 1] : [Math.ceil((s - hi + 1) / -t), Math.floor((s - lo) / -t) + 1];
  });
  return withMask({ ...v, offset, strides }, mask, outShape);
}

/** What a movement lowering does to one view (the op's attributes already applied). */
export type ViewMap = (v: View) => View | null;

/** Applies `f` to every view in `e`; null if any view cannot be expressed. */
export function remapViews(e: Expr, f: ViewMap): Expr | null {
  let ok = true;
  const out = mapViews(e, (v) => {
    const r = f(v);
    if (!r) { ok = false; return v; }
    return r;
  });
  return ok ? out : null;
}

/**
 * The value of `e` where every memory read is out of bounds (every load and gather yields its
 * view's fill), or undefined if it depends on anything else (index, random, acc). Lowering uses
 * it to decide whether padding a computed expression is exact without a select: pad(f(x)) is
 * f(pad(x)) only where f(fills) equals the pad value (relu, sums and products of zero-padded
 * operands: yes; exp: no).
 */
export function valueWhereAllMasked(e: Expr, alu: { unary(fn: string, x: number): number; binary(fn: string, a: number, b: number): number }): number | undefined {
  switch (e.op) {
    case 'load': case 'gather': return e.view.fill ?? 0;
    case 'const': return e.value;
    case 'index': case 'random': case 'acc': return undefined;
    case 'unary': { const a = valueWhereAllMasked(e.a, alu); return a === undefined ? undefined : alu.unary(e.fn, a); }
    case 'binary': {
      const a = valueWhereAllMasked(e.a, alu), b = valueWhereAllMasked(e.b, alu);
      return a === undefined || b === undefined ? undefined : alu.binary(e.fn, a, b);
    }
    case 'select': {
      const c = valueWhereAllMasked(e.cond, alu);
      return c === undefined ? undefined : valueWhereAllMasked(c !== 0 ? e.a : e.b, alu);
    }
    default: return assertNever(e, 'Expr node');
  }
}

/**
 * A convolution whose input view is zero-padded on H and W (a masked view from `pad`) reads it
 * as extra conv padding instead: the view moves to the first in-bounds row/column and the
 * geometry's height/width shrink to the data, with padTop/padLeft grown by the same amount.
 * Out-of-range taps read 0 in every conv backend, exactly the pad's fill. (lower.ts only hands a
 * conv a masked input when the mask is on H/W alone and the fill is 0.)
 */
export function absorbConvPadding<K extends Kernel>(k: K): K {
  if (k.kind !== 'conv2d' || !k.input.mask) return k;
  const g = k.geometry;
  const [, , [top, bottom], [left, right]] = k.input.mask as [[number, number], [number, number], [number, number], [number, number]];
  const { mask: _m, fill: _f, ...base } = k.input;
  const input: View = { ...base, offset: base.offset + top * base.strides[2]! + left * base.strides[3]! };
  const geometry = { ...g, inHeight: bottom - top, inWidth: right - left, padTop: g.padTop + top, padLeft: g.padLeft + left };
  return { ...k, input, geometry };
}
