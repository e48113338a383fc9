/** ONNX elementwise ops (unary, binary with numpy broadcasting, comparisons, logic, activations). */
import type { Tensor } from '../../ir/graph.ts';
import { normAxis } from '../../ir/types.ts';
import * as F from '../../frontend/math.ts';
import * as A from '../../frontend/activations.ts';
import { DataType } from '../proto.ts';
import { tensorValue, type OpContext, type OpHandler, type OpResult } from '../context.ts';

const ALL: [number, number] = [1, 17];
const isFloat = (t: number) => t === DataType.FLOAT || t === DataType.DOUBLE;

/** output with the same ONNX type as input 0 */
const same = (ctx: OpContext, t: Tensor): OpResult[] => [tensorValue(t, ctx.onnxType(0))];
const bool = (t: Tensor): OpResult[] => [tensorValue(F.cast(t, 'i32'), DataType.BOOL)];

function floatOnly(ctx: OpContext): Tensor {
  if (!isFloat(ctx.onnxType(0))) throw ctx.unsupported(`element type ${DataType[ctx.onnxType(0)]} (Axon computes it on floats only)`);
  return ctx.tensor(0);
}

const unaryFloat = (f: (x: Tensor, ctx: OpContext) => Tensor): OpHandler => ({ opsets: ALL, run: (ctx) => same(ctx, f(floatOnly(ctx), ctx)) });
const unaryAny = (f: (x: Tensor, ctx: OpContext) => Tensor): OpHandler => ({ opsets: ALL, run: (ctx) => same(ctx, f(ctx.tensor(0), ctx)) });

/** Both operands in one dtype; ONNX requires equal element types for these ops. */
function pair(ctx: OpContext): [Tensor, Tensor] {
  const a = ctx.tensor(0), b = ctx.tensor(1);
  if (a.dtype !== b.dtype) throw ctx.unsupported(`operand types ${DataType[ctx.onnxType(0)]} and ${DataType[ctx.onnxType(1)]} differ`);
  return [a, b];
}

const binary = (f: (a: Tensor, b: Tensor) => Tensor): OpHandler => ({ opsets: ALL, run: (ctx) => same(ctx, f(...pair(ctx))) });
const compare = (f: (a: Tensor, b: Tensor) => Tensor): OpHandler => ({ opsets: ALL, run: (ctx) => bool(f(...pair(ctx))) });

/** Variadic Max/Min/Sum/Mean with broadcasting. */
const variadic = (f: (a: Tensor, b: Tensor) => Tensor, mean = false): OpHandler => ({
  opsets: ALL,
  run: (ctx) => {
    const xs = Array.from({ length: ctx.inputCount }, (_, i) => ctx.tensor(i));
    if (xs.some((x) => x.dtype !== xs[0]!.dtype)) throw ctx.unsupported('operands of different element types');
    let acc = xs[0]!;
    for (const x of xs.slice(1)) acc = f(acc, x);
    if (mean) acc = F.div(acc, xs.length);
    if (xs.length === 1) acc = F.add(acc, 0); // a fresh tensor, so the output is not an alias of the input
    return same(ctx, acc);
  },
});

const not = (x: Tensor) => F.sub(1, x);
const nonzero = (x: Tensor) => F.cast(F.sub(1, F.equal(x, 0)), 'i32');

function clip(ctx: OpContext): OpResult[] {
  const x = ctx.tensor(0);
  let lo: Tensor | number | undefined, hi: Tensor | number | undefined;
  if (ctx.opset < 11) {
    lo = ctx.float('min', -Infinity);
    hi = ctx.float('max', Infinity);
    if (x.dtype === 'i32') throw ctx.unsupported('integer Clip before opset 11');
  } else {
    if (ctx.has(1)) lo = F.reshape(ctx.tensor(1), []);
    if (ctx.has(2)) hi = F.reshape(ctx.tensor(2), []);
  }
  let y = x;
  if (lo !== undefined && lo !== -Infinity) y = F.maximum(y, lo);
  if (hi !== undefined && hi !== Infinity) y = F.minimum(y, hi);
  return same(ctx, y === x ? F.add(x, 0) : y);
}

function cast(ctx: OpContext, to: number): OpResult[] {
  const x = ctx.tensor(0);
  const from = ctx.onnxType(0);
  switch (to) {
    case DataType.FLOAT: case DataType.DOUBLE:
      return [tensorValue(from === DataType.BOOL || !isFloat(from) ? F.cast(x, 'f32') : F.add(x, 0), to)];
    case DataType.INT32: case DataType.INT64:
      return [tensorValue(F.cast(x, 'i32') === x ? F.add(x, 0) : F.cast(x, 'i32'), to)];
    case DataType.BOOL:
      return [tensorValue(nonzero(x), to)];
    default:
      throw ctx.unsupported(`Cast to ${DataType[to] ?? to} (Axon casts to FLOAT, DOUBLE→f32, INT32, INT64→i32 and BOOL)`);
  }
}

/** CumSum as a product with a triangular 0/1 matrix along the axis (floats only). */
function cumsum(ctx: OpContext): OpResult[] {
  const x = floatOnly(ctx);
  const axis = normAxis(ctx.ints(1, 'axis')[0]!, x.rank, 'CumSum');
  const exclusive = ctx.int('exclusive', 0) === 1, reverse = ctx.int('reverse', 0) === 1;
  const n = x.shape[axis]!;
  const tri = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const take = reverse ? (exclusive ? i > j : i >= j) : exclusive ? i < j : i <= j;
    tri[i * n + j] = take ? 1 : 0;
  }
  const perm = [...x.shape.keys()].filter((a) => a !== axis).concat(axis);
  const inv = perm.map((_, i) => perm.indexOf(i));
  const moved = F.transpose(x, perm);
  const flat = F.reshape(moved, [-1, n]);
  const y = F.reshape(F.matmul(flat, x.graph.constant(tri, [n, n])), moved.shape);
  return same(ctx, F.transpose(y, inv));
}

/** fmod=0: the floored remainder (sign of the divisor); fmod=1: truncated (sign of the dividend). */
function mod(ctx: OpContext): OpResult[] {
  const [a, b] = pair(ctx);
  const floored = F.mod(a, b);
  if (!ctx.int('fmod', 0)) {
    if (a.dtype === 'f32') throw ctx.unsupported('fmod=0 on floats (the ONNX spec requires fmod=1 for them)');
    return same(ctx, floored);
  }
  // truncated = floored − b where the floored result is non-zero and its sign differs from a's
  const fix = F.mul(F.notEqual(floored, 0), F.notEqual(F.sign(floored), F.sign(a)));
  return same(ctx, F.where(fix, F.sub(floored, b), floored));
}

function pow(ctx: OpContext): OpResult[] {
  if (!isFloat(ctx.onnxType(0))) throw ctx.unsupported(`integer base (${DataType[ctx.onnxType(0)]})`);
  return same(ctx, F.pow(ctx.tensor(0), F.cast(ctx.tensor(1), 'f32')));
}

function prelu(ctx: OpContext): OpResult[] {
  const x = floatOnly(ctx);
  let slope = ctx.tensor(1);
  // before opset 7 the slope broadcasts unidirectionally; since 7 with numpy rules (as here)
  return same(ctx, F.where(F.less(x, 0), F.mul(x, slope), x));
}

const hardSigmoid = (x: Tensor, alpha: number, beta: number) => F.maximum(F.minimum(F.add(F.mul(x, alpha), beta), 1), 0);

export const elementwiseOps: Record<string, OpHandler> = {
  Identity: { opsets: ALL, run: (ctx) => [ctx.value(0)] },
  Abs: unaryAny((x) => F.abs(x)),
  Neg: unaryAny((x) => F.neg(x)),
  Sign: unaryAny((x) => F.sign(x)),
  Exp: unaryFloat((x) => F.exp(x)),
  Log: unaryFloat((x) => F.log(x)),
  Sqrt: unaryFloat((x) => F.sqrt(x)),
  Reciprocal: unaryFloat((x) => F.recip(x)),
  Tanh: unaryFloat((x) => F.tanh(x)),
  Sigmoid: unaryFloat((x) => F.sigmoid(x)),
  Relu: unaryAny((x) => F.relu(x)),
  Softsign: unaryFloat((x) => F.div(x, F.add(F.abs(x), 1))),
  Softplus: unaryFloat((x) => A.softplus(x)),
  LeakyRelu: unaryFloat((x, c) => A.leakyRelu(x, c.float('alpha', 0.01))),
  Elu: unaryFloat((x, c) => A.elu(x, c.float('alpha', 1))),
  Celu: unaryFloat((x, c) => { const a = c.float('alpha', 1); return F.add(F.maximum(x, 0), F.minimum(F.mul(F.sub(F.exp(F.div(F.minimum(x, 0), a)), 1), a), 0)); }),
  Selu: unaryFloat((x, c) => F.mul(A.elu(x, c.float('alpha', 1.67326319217681884765625)), c.float('gamma', 1.05070102214813232421875))),
  ThresholdedRelu: unaryFloat((x, c) => F.where(F.greater(x, c.float('alpha', 1)), x, 0)),
  HardSigmoid: unaryFloat((x, c) => hardSigmoid(x, c.float('alpha', 0.2), c.float('beta', 0.5))),
  HardSwish: unaryFloat((x) => F.mul(x, hardSigmoid(x, 1 / 6, 0.5))),
  Mish: unaryFloat((x) => F.mul(x, F.tanh(A.softplus(x)))),
  Shrink: unaryFloat((x, c) => {
    const l = c.float('lambd', 0.5), b = c.float('bias', 0);
    return F.where(F.less(x, -l), F.add(x, b), F.where(F.greater(x, l), F.sub(x, b), 0));
  }),
  Erf: unaryFloat((x) => F.erf(x)),
  Sin: unaryFloat((x) => F.sin(x)),
  Cos: unaryFloat((x) => F.cos(x)),
  Tan: unaryFloat((x) => F.div(F.sin(x), F.cos(x))),
  Floor: unaryFloat((x) => F.floor(x)),
  Ceil: unaryFloat((x) => F.ceil(x)),
  Round: unaryFloat((x) => F.round(x)),
  Mod: { opsets: [10, 17], run: mod },
  Sinh: unaryFloat((x) => F.mul(F.sub(F.exp(x), F.exp(F.neg(x))), 0.5)),
  Cosh: unaryFloat((x) => F.mul(F.add(F.exp(x), F.exp(F.neg(x))), 0.5)),
  Asinh: unaryFloat((x) => F.mul(F.sign(x), F.log(F.add(F.abs(x), F.sqrt(F.add(F.mul(x, x), 1)))))),
  Acosh: unaryFloat((x) => F.log(F.add(x, F.sqrt(F.sub(F.mul(x, x), 1))))),
  Atanh: unaryFloat((x) => F.mul(F.log(F.div(F.add(x, 1), F.sub(1, x))), 0.5)),
  PRelu: { opsets: ALL, run: prelu },
  Clip: { opsets: ALL, run: clip },
  Cast: { opsets: [6, 17], run: (ctx) => cast(ctx, ctx.int('to', DataType.FLOAT)) },
  CastLike: { opsets: [15, 17], run: (ctx) => cast(ctx, ctx.onnxType(1)) },
  CumSum: { opsets: [11, 17], constInputs: [1], run: cumsum },
  Add: binary(F.add),
  Sub: binary(F.sub),
  Mul: binary(F.mul),
  Div: binary(F.div),
  Pow: { opsets: ALL, run: pow },
  Max: variadic(F.maximum),
  Min: variadic(F.minimum),
  Sum: variadic(F.add),
  Mean: variadic(F.add, true),
  Less: compare(F.less),
  Greater: compare(F.greater),
  Equal: compare(F.equal),
  LessOrEqual: compare((a, b) => not(F.greater(a, b))),
  GreaterOrEqual: compare((a, b) => not(F.less(a, b))),
  Not: { opsets: ALL, run: (ctx) => bool(not(ctx.tensor(0))) },
  And: compare((a, b) => F.mul(a, b)),
  Or: compare((a, b) => F.maximum(a, b)),
  Xor: compare((a, b) => F.abs(F.sub(a, b))),
  Where: {
    opsets: [9, 17],
    run: (ctx) => {
      const a = ctx.tensor(1), b = ctx.tensor(2);
      if (a.dtype !== b.dtype) throw ctx.unsupported('branches of different element types');
      return [tensorValue(F.where(ctx.tensor(0), a, b), ctx.onnxType(1))];
    },
  },
  IsNaN: { opsets: [9, 17], run: (ctx) => bool(not(F.equal(floatOnly(ctx), ctx.tensor(0)))) },
  IsInf: {
    opsets: [10, 17],
    run: (ctx) => {
      const x = floatOnly(ctx);
      const pos = ctx.int('detect_positive', 1), neg = ctx.int('detect_negative', 1);
      const p = F.equal(x, Infinity), n = F.equal(x, -Infinity);
      return bool(pos && neg ? F.add(p, n) : pos ? p : neg ? n : F.mul(x, 0));
    },
  },
};
