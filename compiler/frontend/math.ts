/**
 * The user-facing tensor math: numpy broadcasting, scalars, axis arguments and squeezing on top
 * of the primitives. Everything here builds graph nodes; nothing computes.
 */
import { GraphError, userCallSite } from '../ir/errors.ts';
import type { Graph, Tensor } from '../ir/graph.ts';
import { fmtShape, normAxis, sizeOf, type DType, type Shape } from '../ir/types.ts';
import type { ConvAttrs, OpAttrs, OpName, PoolAttrs } from '../ops/attrs.ts';

export type TensorLike = Tensor | number;

function graphOf(op: string, xs: TensorLike[]): Graph {
  const t = xs.find((x): x is Tensor => typeof x !== 'number');
  if (!t) throw new GraphError(`${op}: at least one operand must be a tensor`, userCallSite());
  return t.graph;
}

function prim<K extends OpName>(op: K, inputs: Tensor[], attrs: OpAttrs[K]): Tensor {
  return inputs[0]!.graph.apply(op, inputs, attrs);
}

/** The broadcast shape of two shapes (numpy rules), or an error naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new GraphError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (dim ${i}: ${da} vs ${db})`, userCallSite());
    out.push(Math.max(da, db));
  }
  return out;
}

export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  if (x.shape.length > shape.length) throw new GraphError(`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to the lower-rank ${fmtShape(shape)}`, userCallSite());
  const lifted = x.shape.length < shape.length ? reshape(x, [...new Array(shape.length - x.shape.length).fill(1), ...x.shape]) : x;
  return prim('broadcast', [lifted], { shape: [...shape] });
}

function lift(x: TensorLike, g: Graph, dtype: DType): Tensor {
  return typeof x === 'number' ? g.constant(x, [], dtype) : x;
}

type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'mod' | 'less' | 'greater' | 'equal' | 'less_equal' | 'greater_equal' | 'not_equal';

function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const g = graphOf(op, [a, b]);
  const dtype = (typeof a !== 'number' ? a.dtype : (b as Tensor).dtype);
  const ta = lift(a, g, dtype), tb = lift(b, g, dtype);
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  return prim(op, [broadcastTo(ta, shape), broadcastTo(tb, shape)], {});
}

export const add = (a: TensorLike, b: TensorLike) => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike) => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike) => binary('mul', a, b);
export const div = (a: TensorLike, b: TensorLike) => binary('div', a, b);
export const maximum = (a: TensorLike, b: TensorLike) => binary('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike) => binary('minimum', a, b);
export const pow = (a: TensorLike, b: TensorLike) => binary('pow', a, b);
/** 1 where a < b, else 0 (in the operands' dtype) */
export const less = (a: TensorLike, b: TensorLike) => binary('less', a, b);
export const greater = (a: TensorLike, b: TensorLike) => binary('greater', a, b);
export const equal = (a: TensorLike, b: TensorLike) => binary('equal', a, b);
export const lessEqual = (a: TensorLike, b: TensorLike) => binary('less_equal', a, b);
export const greaterEqual = (a: TensorLike, b: TensorLike) => binary('greater_equal', a, b);
export const notEqual = (a: TensorLike, b: TensorLike) => binary('not_equal', a, b);
/**
 * Floored remainder a − b·⌊a/b⌋, like torch.remainder and Python's `%`: the result has the sign
 * of the divisor (mod(−7, 3) = 2, mod(7, −3) = −2). x mod 0 is NaN (f32) or 0 (i32).
 */
export const mod = (a: TensorLike, b: TensorLike) => binary('mod', a, b);

export const neg = (x: Tensor) => prim('neg', [x], {});
export const exp = (x: Tensor) => prim('exp', [x], {});
export const log = (x: Tensor) => prim('log', [x], {});
export const sqrt = (x: Tensor) => prim('sqrt', [x], {});
export const recip = (x: Tensor) => prim('recip', [x], {});
export const abs = (x: Tensor) => prim('abs', [x], {});
export const sign = (x: Tensor) => prim('sign', [x], {});
/** Heaviside step: 1 where x > 0, else 0 (the perceptron's activation) */
export const step = (x: Tensor) => prim('step', [x], {});
export const tanh = (x: Tensor) => prim('tanh', [x], {});
export const sigmoid = (x: Tensor) => prim('sigmoid', [x], {});
export const relu = (x: Tensor) => prim('relu', [x], {});
/** the error function (f32) */
export const erf = (x: Tensor) => prim('erf', [x], {});
export const sin = (x: Tensor) => prim('sin', [x], {});
export const cos = (x: Tensor) => prim('cos', [x], {});
/** round toward −∞ (zero gradient) */
export const floor = (x: Tensor) => prim('floor', [x], {});
/** round toward +∞ (zero gradient) */
export const ceil = (x: Tensor) => prim('ceil', [x], {});
/** round half to even, like torch.round: round(0.5) = 0, round(1.5) = 2 (zero gradient) */
export const round = (x: Tensor) => prim('round', [x], {});
export const square = (x: Tensor) => mul(x, x);
export const cast = (x: Tensor, dtype: DType) => (x.dtype === dtype ? x : prim('cast', [x], { dtype }));
/** Identity whose gradient is zero. */
export const stopGradient = (x: Tensor) => prim('stop_gradient', [x], {});

export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const g = cond.graph;
  const dtype = typeof a !== 'number' ? a.dtype : typeof b !== 'number' ? b.dtype : 'f32';
  const ta = lift(a, g, dtype), tb = lift(b, g, dtype);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  return prim('where', [broadcastTo(cond, shape), broadcastTo(ta, shape), broadcastTo(tb, shape)], {});
}

function axesOf(x: Tensor, axes: number | readonly number[] | undefined, op: string): number[] {
  if (axes === undefined) return [...x.shape.keys()];
  return (typeof axes === 'number' ? [axes] : [...axes]).map((a) => normAxis(a, x.rank, op));
}

function squeeze(x: Tensor, axes: number[], keepDims: boolean): Tensor {
  return keepDims ? x : reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = axesOf(x, axes, 'sum');
  return squeeze(prim('sum', [x], { axes: ax }), ax, keepDims);
}

export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = axesOf(x, axes, 'mean');
  const count = ax.reduce((n, a) => n * x.shape[a]!, 1);
  return div(sum(x, ax, keepDims), count);
}

export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = axesOf(x, axes, 'max');
  return squeeze(prim('max', [x], { axes: ax }), ax, keepDims);
}

export function min(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = axesOf(x, axes, 'min');
  return squeeze(prim('min', [x], { axes: ax }), ax, keepDims);
}

/** Index (i32) of the first maximum along `axis`. */
export function argmax(x: Tensor, axis = -1, keepDims = false): Tensor {
  const a = normAxis(axis, x.rank, 'argmax');
  return squeeze(prim('argmax', [x], { axis: a }), [a], keepDims);
}

/** Reshape; one dim may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const resolved = shape.map((d) => (d === -1 ? x.size / known : d));
  if (shape.filter((d) => d === -1).length > 1 || resolved.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new GraphError(`reshape: cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`, userCallSite());
  }
  if (resolved.length === x.rank && resolved.every((d, i) => d === x.shape[i])) return x;
  return prim('reshape', [x], { shape: resolved });
}

export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? [...perm] : [...x.shape.keys()].reverse();
  // an identity perm is a no-op; anything else (a wrong length too) goes to the rule, which checks it
  if (p.length === x.rank && p.every((v, i) => v === i)) return x;
  return prim('transpose', [x], { perm: p });
}

/** Flattens all dims from `startAxis` on: [N, C, H, W] → [N, C·H·W]. */
export function flatten(x: Tensor, startAxis = 1): Tensor {
  const a = normAxis(startAxis, x.rank, 'flatten');
  return reshape(x, [...x.shape.slice(0, a), sizeOf(x.shape.slice(a))]);
}

export interface MatmulOptions {
  /** use aᵀ (the last two axes swapped; a free view) */
  transposeA?: boolean;
  /** use bᵀ */
  transposeB?: boolean;
}

function swapLastTwo(x: Tensor): Tensor {
  if (x.rank < 2) throw new GraphError(`matmul: cannot transpose the rank-${x.rank} operand ${fmtShape(x.shape)}`, userCallSite());
  return transpose(x, [...[...x.shape.keys()].slice(0, -2), x.rank - 1, x.rank - 2]);
}

/**
 * Matrix product like torch.matmul: [.., m, k] @ [k, n] (shared weights), batched
 * [..batch, m, k] @ [..batch, k, n] with the batch dims broadcast (numpy rules), or vectors.
 * `transposeA`/`transposeB` use the operands' transposes (free views).
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  if (options.transposeA) a = swapLastTwo(a);
  if (options.transposeB) b = swapLastTwo(b);
  if (a.rank === 1) return reshape(matmul(reshape(a, [1, a.shape[0]!]), b), b.rank === 1 ? [] : b.shape.slice(0, -2).concat(b.shape.slice(-1)));
  if (b.rank === 1) return reshape(matmul(a, reshape(b, [b.shape[0]!, 1])), a.shape.slice(0, -1));
  if (b.rank === 2 && a.rank > 2) {
    const lead = a.shape.slice(0, -1);
    return reshape(prim('matmul', [reshape(a, [-1, a.shape[a.rank - 1]!]), b], {}), [...lead, b.shape[1]!]);
  }
  if (a.rank === 2 && b.rank === 2) return prim('matmul', [a, b], {});
  // batched: broadcast the leading dims (stride-0 views), fold them into the primitive's one batch dim
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [k2, n] = b.shape.slice(-2) as [number, number];
  if (k !== k2) throw new GraphError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${k} vs ${k2})`, userCallSite());
  const lead = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(lead);
  const a3 = reshape(broadcastTo(a, [...lead, m, k]), [batch, m, k]);
  const b3 = reshape(broadcastTo(b, [...lead, k, n]), [batch, k, n]);
  return reshape(prim('matmul', [a3, b3], {}), [...lead, m, n]);
}

// --- padding, slicing, joining and indexing (views and indexed loads: no copy kernels) ---

/**
 * Constant padding: `widths[d] = [before, after]` elements added on axis d (one pair per axis,
 * non-negative), filled with `value`.
 */
export function pad(x: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor {
  if (widths.length !== x.rank) throw new GraphError(`pad: ${widths.length} [before, after] pairs for the rank-${x.rank} tensor ${fmtShape(x.shape)}; give one per axis`, userCallSite());
  if (widths.every(([a, b]) => a === 0 && b === 0)) return x;
  return prim('pad', [x], { before: widths.map((w) => w[0]), after: widths.map((w) => w[1]), value });
}

/**
 * Padding by repeating the edge value ('edge', numpy's edge / PyTorch's replicate) or by
 * mirroring without repeating the edge ('reflect', widths < the axis size). Built from gathers
 * with constant indices along each padded axis, so it fuses into its consumer like a view and
 * its gradient (scatter-adds) sums the mirrored contributions.
 */
export function padMode(x: Tensor, widths: readonly (readonly [number, number])[], mode: 'edge' | 'reflect'): Tensor {
  if (widths.length !== x.rank) throw new GraphError(`padMode: ${widths.length} [before, after] pairs for the rank-${x.rank} tensor ${fmtShape(x.shape)}; give one per axis`, userCallSite());
  let y = x;
  widths.forEach(([before, after], d) => {
    if (before === 0 && after === 0) return;
    const n = x.shape[d]!;
    if (!Number.isInteger(before) || !Number.isInteger(after) || before < 0 || after < 0) throw new GraphError(`padMode: widths [${before}, ${after}] of axis ${d} must be non-negative integers`, userCallSite());
    if (mode === 'reflect' && (before >= n || after >= n)) throw new GraphError(`padMode: reflect padding [${before}, ${after}] of axis ${d} must be smaller than its size ${n}`, userCallSite());
    const source = (i: number) => {
      const j = i - before;
      if (mode === 'edge') return Math.min(Math.max(j, 0), n - 1);
      return j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j;
    };
    const idx = Array.from({ length: n + before + after }, (_, i) => source(i));
    y = gather(y, x.graph.constant(idx, [idx.length], 'i32'), d);
  });
  return y;
}

/** One axis of a slice, Python style: [start, stop, step], each optional (null/undefined = default). */
export type SliceRange = readonly [start?: number | null, stop?: number | null, step?: number | null];

/**
 * Strided slice with Python semantics per axis: negative start/stop count from the end, bounds
 * are clamped, a negative step runs backwards (x[::-1] is [null, null, -1]). Axes past the
 * ranges given (or given as null) are kept whole. An empty result is an error (Axon has no
 * empty tensors).
 */
export function slice(x: Tensor, ranges: readonly (SliceRange | null | undefined)[]): Tensor {
  if (ranges.length > x.rank) throw new GraphError(`slice: ${ranges.length} ranges for the rank-${x.rank} tensor ${fmtShape(x.shape)}`, userCallSite());
  const start: number[] = [], stop: number[] = [], step: number[] = [];
  x.shape.forEach((n, d) => {
    const [s0, e0, t0] = ranges[d] ?? [];
    const t = t0 ?? 1;
    if (!Number.isInteger(t) || t === 0) throw new GraphError(`slice: step ${t} of axis ${d} must be a non-zero integer`, userCallSite());
    const norm = (v: number, lo: number, hi: number) => {
      if (!Number.isInteger(v)) throw new GraphError(`slice: bound ${v} of axis ${d} must be an integer`, userCallSite());
      return Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
    };
    const s = t > 0 ? norm(s0 ?? 0, 0, n) : norm(s0 ?? n - 1, -1, n - 1);
    const e = t > 0 ? norm(e0 ?? n, 0, n) : (e0 === null || e0 === undefined ? -1 : norm(e0, -1, n - 1));
    const count = t > 0 ? Math.ceil((e - s) / t) : Math.ceil((s - e) / -t);
    if (count < 1) throw new GraphError(`slice: axis ${d} (size ${n}) with [${s0 ?? ''}:${e0 ?? ''}:${t}] selects no elements; empty tensors are not supported`, userCallSite());
    start.push(s); stop.push(e); step.push(t);
  });
  if (x.shape.every((n, d) => start[d] === 0 && step[d] === 1 && stop[d] === n)) return x;
  return prim('slice', [x], { start, stop, step });
}

/** Reverses the order along `axes` (a view with negative strides). */
export function flip(x: Tensor, axes: number | readonly number[]): Tensor {
  const ax = axesOf(x, axes, 'flip');
  return slice(x, x.shape.map((_, d) => (ax.includes(d) ? [null, null, -1] as const : null)));
}

/** Joins tensors along `axis` (their other dims must agree); fused into consumers as padded views. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!xs.length) throw new GraphError('concat: needs at least one tensor', userCallSite());
  if (xs.length === 1) return xs[0]!;
  return prim('concat', [...xs], { axis: normAxis(axis, xs[0]!.rank, 'concat') });
}

function checkConstantIndices(op: string, indices: Tensor, extent: number): void {
  if (indices.op !== 'const' || !indices.value) return;
  const bad = Array.from(indices.value).findIndex((i) => !(i >= 0 && i < extent));
  if (bad >= 0) throw new GraphError(`${op}: index ${indices.value[bad]} (element ${bad} of the constant indices) is out of range [0, ${extent})`, userCallSite());
}

/**
 * Rows of `x` along `axis` picked by the i32 `indices` (any shape): the result has shape
 * x.shape[:axis] ++ indices.shape ++ x.shape[axis+1:] (torch.index_select generalized; with a 2-D
 * table and axis 0, an embedding lookup). Constant indices out of range are a build-time error;
 * at run time, indices are clamped to [0, x.shape[axis] − 1]. The gradient sums repeated rows.
 */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  const a = normAxis(axis, x.rank, 'gather');
  if (indices.dtype !== 'i32') throw new GraphError(`gather: indices must be i32, got ${indices.dtype}${fmtShape(indices.shape)}`, userCallSite());
  checkConstantIndices('gather', indices, x.shape[a]!);
  return x.graph.apply('gather', [x, indices], { axis: a });
}

/**
 * The transpose of gather: out (with `size` rows along `axis`) holds, in row r, the sum of the
 * rows j of `updates` with indices[j] = r, added in increasing j (deterministic). `indices` is
 * 1-D i32 with one entry per row of `updates` along `axis`; clamped like gather's at run time.
 */
export function scatterAdd(updates: Tensor, indices: Tensor, axis: number, size: number): Tensor {
  const a = normAxis(axis, updates.rank, 'scatterAdd');
  checkConstantIndices('scatterAdd', indices, size);
  return updates.graph.apply('scatter_add', [updates, indices], { axis: a, size });
}

export function random(seed: Tensor, shape: readonly number[]): Tensor {
  return prim('random_uniform', [seed], { shape: [...shape] });
}

export function iota(g: Graph, shape: readonly number[], axis: number): Tensor {
  return g.apply('iota', [], { shape: [...shape], axis: normAxis(axis, shape.length, 'iota') });
}

// --- convolution and pooling primitives (the layers in nn.ts compute padding modes) ---
export const conv2d = (x: Tensor, w: Tensor, a: ConvAttrs) => prim('conv2d', [x, w], a);
export const conv2dInputGrad = (dy: Tensor, w: Tensor, inputShape: Shape, a: ConvAttrs) => prim('conv2d_input_grad', [dy, w], { ...a, inputShape: [...inputShape] });
export const conv2dWeightGrad = (dy: Tensor, x: Tensor, weightShape: Shape, a: ConvAttrs) => prim('conv2d_weight_grad', [dy, x], { ...a, weightShape: [...weightShape] });
export const maxPool2d = (x: Tensor, a: PoolAttrs) => prim('maxpool2d', [x], a);
export const maxPool2dGrad = (x: Tensor, dy: Tensor, a: PoolAttrs) => prim('maxpool2d_grad', [x, dy], a);
export const avgPool2d = (x: Tensor, a: PoolAttrs) => prim('avgpool2d', [x], a);
export const avgPool2dGrad = (dy: Tensor, inputShape: Shape, a: PoolAttrs) => prim('avgpool2d_grad', [dy], { ...a, inputShape: [...inputShape] });
