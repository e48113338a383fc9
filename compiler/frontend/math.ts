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

function binary(op: 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'less' | 'greater' | 'equal', a: TensorLike, b: TensorLike): Tensor {
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

/**
 * Matrix product: [.., m, k] @ [k, n] (shared weights), [b, m, k] @ [b, k, n], or vectors.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 1) return reshape(matmul(reshape(a, [1, a.shape[0]!]), b), b.rank === 1 ? [] : b.shape.slice(0, -2).concat(b.shape.slice(-1)));
  if (b.rank === 1) return reshape(matmul(a, reshape(b, [b.shape[0]!, 1])), a.shape.slice(0, -1));
  if (b.rank === 2 && a.rank > 2) {
    const lead = a.shape.slice(0, -1);
    return reshape(prim('matmul', [reshape(a, [-1, a.shape[a.rank - 1]!]), b], {}), [...lead, b.shape[1]!]);
  }
  return prim('matmul', [a, b], {});
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
