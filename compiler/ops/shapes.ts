/**
 * The shape/dtype table: one rule per primitive, computing its output type from the input
 * types and attributes, or throwing a message that names what is wrong (the graph adds the op,
 * the input types and the call site). `Graph` imports only this table, so the graph IR does not
 * depend on the gradient rules, lowerings or the frontend. Typed as a mapped type over
 * `OpAttrs`: a primitive without a shape rule is a type error.
 */
import { fmtShape, fmtType, normAxis, sameShape, sizeOf, type TensorType } from '../ir/types.ts';
import type { OpAttrs, OpName } from './attrs.ts';
import { convGeometry, poolGeometry } from './geometry.ts';
import { checkPerm } from './validate.ts';

export type ShapeRule<K extends OpName> = (inputs: readonly TensorType[], attrs: OpAttrs[K]) => TensorType;
export type ShapeTable = { [K in OpName]: ShapeRule<K> };

function float(ins: readonly TensorType[]): TensorType {
  if (ins[0]!.dtype !== 'f32') throw new Error(`expects an f32 tensor, got ${fmtType(ins[0]!)}`);
  return ins[0]!;
}
const same = (ins: readonly TensorType[]): TensorType => ins[0]!;
function sameTwo(ins: readonly TensorType[]): TensorType {
  const [a, b] = ins as [TensorType, TensorType];
  if (!sameShape(a.shape, b.shape)) throw new Error(`operand shapes ${fmtType(a)} and ${fmtType(b)} differ`);
  if (a.dtype !== b.dtype) throw new Error(`operand dtypes differ (${a.dtype} vs ${b.dtype}); cast one first`);
  return a;
}

function reduced(ins: readonly TensorType[], axes: readonly number[], op: string): number[] {
  const x = ins[0]!;
  const norm = axes.map((a) => normAxis(a, x.shape.length, op));
  if (new Set(norm).size !== norm.length) throw new Error(`repeated axis in [${axes.join(', ')}]`);
  return x.shape.map((d, i) => (norm.includes(i) ? 1 : d));
}

function perAxis(name: string, v: readonly number[], rank: number): void {
  if (!Array.isArray(v) || v.length !== rank || v.some((x) => !Number.isInteger(x))) throw new Error(`${name} [${String(v)}] must list one integer per axis (${rank})`);
}

/** Element count along an axis of a normalized slice (see OpAttrs.slice). */
export function sliceExtent(start: number, stop: number, step: number): number {
  return step > 0 ? Math.ceil((stop - start) / step) : Math.ceil((start - stop) / -step);
}

const poolOut = (x: TensorType, a: OpAttrs['maxpool2d']): TensorType => {
  const g = poolGeometry(x.shape, a);
  return { shape: [g.batch, g.channels, g.outHeight, g.outWidth], dtype: x.dtype };
};

function f32Operands(ins: readonly TensorType[]): void {
  for (const t of ins) if (t.dtype !== 'f32') throw new Error(`expects f32 operands, got ${fmtType(t)}`);
}

export const shapeRules: ShapeTable = {
  neg: same, exp: float, log: float, sqrt: float, recip: float, abs: same, sign: same, step: same,
  tanh: float, sigmoid: float, relu: same, erf: float, sin: float, cos: float,
  floor: same, ceil: same, round: same,
  cast: (ins, a) => ({ shape: ins[0]!.shape, dtype: a.dtype }),
  stop_gradient: same,
  add: sameTwo, sub: sameTwo, mul: sameTwo, div: sameTwo, maximum: sameTwo, minimum: sameTwo, mod: sameTwo,
  pow: (ins) => float([sameTwo(ins)]),
  less: sameTwo, greater: sameTwo, equal: sameTwo, less_equal: sameTwo, greater_equal: sameTwo, not_equal: sameTwo,
  where: (ins) => {
    const [c, a, b] = ins as [TensorType, TensorType, TensorType];
    sameTwo([a, b]);
    if (!sameShape(c.shape, a.shape)) throw new Error(`condition shape ${fmtType(c)} differs from ${fmtType(a)}`);
    return a;
  },
  random_uniform: (ins, a) => {
    if (ins[0]!.dtype !== 'i32' || ins[0]!.shape.length !== 0) throw new Error(`the seed must be an i32 scalar, got ${fmtType(ins[0]!)}`);
    return { shape: a.shape, dtype: 'f32' };
  },
  iota: (_, a) => ({ shape: a.shape, dtype: 'i32' }),
  sum: (ins, a) => ({ shape: reduced(ins, a.axes, 'sum'), dtype: ins[0]!.dtype }),
  max: (ins, a) => ({ shape: reduced(ins, a.axes, 'max'), dtype: ins[0]!.dtype }),
  min: (ins, a) => ({ shape: reduced(ins, a.axes, 'min'), dtype: ins[0]!.dtype }),
  argmax: (ins, a) => {
    if (ins[0]!.shape.length === 0) throw new Error(`cannot take argmax of a scalar ${fmtShape(ins[0]!.shape)}`);
    return { shape: reduced(ins, [a.axis], 'argmax'), dtype: 'i32' };
  },
  reshape: (ins, a) => {
    if (sizeOf(a.shape) !== sizeOf(ins[0]!.shape)) throw new Error(`cannot reshape ${fmtShape(ins[0]!.shape)} (${sizeOf(ins[0]!.shape)} elements) to ${fmtShape(a.shape)} (${sizeOf(a.shape)} elements)`);
    return { shape: a.shape, dtype: ins[0]!.dtype };
  },
  transpose: (ins, a) => {
    const r = ins[0]!.shape.length;
    checkPerm(a.perm, r);
    const p = a.perm.map((x) => normAxis(x, r, 'transpose'));
    return { shape: p.map((i) => ins[0]!.shape[i]!), dtype: ins[0]!.dtype };
  },
  broadcast: (ins, a) => {
    const x = ins[0]!;
    if (x.shape.length !== a.shape.length || x.shape.some((d, i) => d !== 1 && d !== a.shape[i])) {
      throw new Error(`cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(a.shape)}`);
    }
    return { shape: a.shape, dtype: x.dtype };
  },
  pad: (ins, a) => {
    const x = ins[0]!;
    perAxis('pad before', a.before, x.shape.length);
    perAxis('pad after', a.after, x.shape.length);
    if ([...a.before, ...a.after].some((p) => p < 0)) throw new Error(`padding [${a.before.join(', ')}] / [${a.after.join(', ')}] must be non-negative (crop with slice)`);
    if (x.dtype === 'i32' && !Number.isInteger(a.value)) throw new Error(`an i32 tensor cannot be padded with ${a.value}`);
    return { shape: x.shape.map((n, d) => n + a.before[d]! + a.after[d]!), dtype: x.dtype };
  },
  slice: (ins, a) => {
    const x = ins[0]!;
    const r = x.shape.length;
    perAxis('slice start', a.start, r);
    perAxis('slice stop', a.stop, r);
    perAxis('slice step', a.step, r);
    const shape = x.shape.map((n, d) => {
      const [s, e, t] = [a.start[d]!, a.stop[d]!, a.step[d]!];
      if (t === 0) throw new Error(`slice step of axis ${d} is 0`);
      const count = sliceExtent(s, e, t);
      if (count < 1) throw new Error(`the slice ${s}:${e}:${t} of axis ${d} (size ${n}) is empty; empty tensors are not supported`);
      const last = s + (count - 1) * t;
      if (s < 0 || s >= n || last < 0 || last >= n) throw new Error(`the slice ${s}:${e}:${t} of axis ${d} reads outside [0, ${n})`);
      return count;
    });
    return { shape, dtype: x.dtype };
  },
  concat: (ins, a) => {
    const x = ins[0]!;
    if (!ins.length) throw new Error('needs at least one tensor');
    const axis = normAxis(a.axis, x.shape.length, 'concat');
    for (const t of ins) {
      if (t.dtype !== x.dtype) throw new Error(`dtypes differ: ${fmtType(x)} vs ${fmtType(t)}`);
      if (t.shape.length !== x.shape.length || t.shape.some((n, d) => d !== axis && n !== x.shape[d])) throw new Error(`shapes ${fmtType(x)} and ${fmtType(t)} differ outside axis ${axis}`);
    }
    return { shape: x.shape.map((n, d) => (d === axis ? ins.reduce((s, t) => s + t.shape[d]!, 0) : n)), dtype: x.dtype };
  },
  gather: (ins, a) => {
    const [x, idx] = ins as [TensorType, TensorType];
    if (idx.dtype !== 'i32') throw new Error(`indices must be i32, got ${fmtType(idx)}`);
    if (x.shape.length === 0) throw new Error('cannot gather from a scalar');
    const axis = normAxis(a.axis, x.shape.length, 'gather');
    return { shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], dtype: x.dtype };
  },
  scatter_add: (ins, a) => {
    const [u, idx] = ins as [TensorType, TensorType];
    if (idx.dtype !== 'i32' || idx.shape.length !== 1) throw new Error(`indices must be a 1-D i32 tensor, got ${fmtType(idx)}`);
    const axis = normAxis(a.axis, u.shape.length, 'scatter_add');
    if (u.shape[axis] !== idx.shape[0]) throw new Error(`updates have ${u.shape[axis]} rows along axis ${axis} but there are ${idx.shape[0]} indices`);
    if (!Number.isInteger(a.size) || a.size < 1) throw new Error(`size ${a.size} must be a positive integer`);
    return { shape: u.shape.map((n, d) => (d === axis ? a.size : n)), dtype: u.dtype };
  },
  matmul: (ins) => {
    const [a, b] = ins as [TensorType, TensorType];
    const r = a.shape.length;
    if (a.dtype !== 'f32' || b.dtype !== 'f32') throw new Error(`expects f32 operands`);
    if (r < 2 || r > 3 || b.shape.length !== r) throw new Error(`expects two rank-2 or two rank-3 operands (the frontend's matmul handles other ranks)`);
    if (r === 3 && a.shape[0] !== b.shape[0]) throw new Error(`batch sizes differ: ${fmtType(a)} vs ${fmtType(b)}`);
    if (a.shape[r - 1] !== b.shape[r - 2]) throw new Error(`inner dimensions differ: ${a.shape[r - 1]} (last of ${fmtType(a)}) vs ${b.shape[r - 2]} (first of ${fmtType(b)}'s matrix)`);
    return { shape: [...a.shape.slice(0, r - 1), b.shape[r - 1]!], dtype: 'f32' };
  },
  conv2d: (ins, a) => {
    f32Operands(ins);
    const g = convGeometry(ins[0]!.shape, ins[1]!.shape, a);
    return { shape: [g.batch, g.outChannels, g.outHeight, g.outWidth], dtype: 'f32' };
  },
  conv2d_input_grad: (ins, a) => {
    f32Operands(ins);
    const g = convGeometry(a.inputShape, ins[1]!.shape, a);
    const dy = ins[0]!.shape;
    const want = [g.batch, g.outChannels, g.outHeight, g.outWidth];
    if (dy.join() !== want.join()) throw new Error(`output gradient is [${dy.join(', ')}] but input [${a.inputShape.join(', ')}] with this weight gives [${want.join(', ')}]`);
    return { shape: a.inputShape, dtype: 'f32' };
  },
  conv2d_weight_grad: (ins, a) => {
    f32Operands(ins);
    const g = convGeometry(ins[1]!.shape, a.weightShape, a);
    const dy = ins[0]!.shape;
    const want = [g.batch, g.outChannels, g.outHeight, g.outWidth];
    if (dy.join() !== want.join()) throw new Error(`output gradient is [${dy.join(', ')}] but the input and weight give [${want.join(', ')}]`);
    return { shape: a.weightShape, dtype: 'f32' };
  },
  maxpool2d: (ins, a) => poolOut(ins[0]!, a),
  maxpool2d_grad: (ins, a) => {
    const want = poolOut(ins[0]!, a).shape;
    if (ins[1]!.shape.join() !== want.join()) throw new Error(`output gradient is [${ins[1]!.shape.join(', ')}], expected [${want.join(', ')}]`);
    return ins[0]!;
  },
  avgpool2d: (ins, a) => poolOut(ins[0]!, a),
  avgpool2d_grad: (ins, a) => {
    const want = poolOut({ shape: a.inputShape, dtype: 'f32' }, a).shape;
    if (ins[0]!.shape.join() !== want.join()) throw new Error(`output gradient is [${ins[0]!.shape.join(', ')}], expected [${want.join(', ')}]`);
    return { shape: a.inputShape, dtype: 'f32' };
  },
};
