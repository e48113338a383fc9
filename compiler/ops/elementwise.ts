/** Elementwise primitives: unary and binary ALU ops, casts, comparisons, select, generators. */
import { fmtType, sameShape, type TensorType } from '../ir/types.ts';
import type { BinaryAlu, Expr, UnaryAlu } from '../kernel/ir.ts';
import * as F from '../frontend/math.ts';
import type { Rules } from './rule.ts';

const un = (fn: UnaryAlu) => ({ kind: 'elementwise' as const, expr: ([a]: Expr[], _: unknown, out: TensorType): Expr => ({ op: 'unary', fn, a: a!, dtype: out.dtype }) });
const bin = (fn: BinaryAlu) => ({ kind: 'elementwise' as const, expr: ([a, b]: Expr[], _: unknown, out: TensorType): Expr => ({ op: 'binary', fn, a: a!, b: b!, dtype: out.dtype }) });

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
const noGrad = () => [null];

type Unary = 'neg' | 'exp' | 'log' | 'sqrt' | 'recip' | 'abs' | 'sign' | 'tanh' | 'sigmoid' | 'relu' | 'step' | 'cast' | 'stop_gradient';
export const unaryRules: Rules<Unary> = {
  neg: { infer: same, vjp: (ct) => [F.neg(ct)], lower: un('neg') },
  exp: { infer: float, vjp: (ct, _, out) => [F.mul(ct, out)], lower: un('exp') },
  log: { infer: float, vjp: (ct, [x]) => [F.div(ct, x!)], lower: un('log') },
  sqrt: { infer: float, vjp: (ct, _, out) => [F.div(F.mul(ct, 0.5), out)], lower: un('sqrt') },
  recip: { infer: float, vjp: (ct, _, out) => [F.neg(F.mul(ct, F.mul(out, out)))], lower: un('recip') },
  abs: { infer: same, vjp: (ct, [x]) => [F.mul(ct, F.sign(x!))], lower: un('abs') },
  sign: { infer: same, vjp: noGrad, lower: un('sign') },
  step: { infer: same, vjp: noGrad, lower: un('step') },
  tanh: { infer: float, vjp: (ct, _, out) => [F.mul(ct, F.sub(1, F.mul(out, out)))], lower: un('tanh') },
  sigmoid: { infer: float, vjp: (ct, _, out) => [F.mul(ct, F.mul(out, F.sub(1, out)))], lower: un('sigmoid') },
  // the mask comes from the output (relu(x) > 0 ⟺ x > 0), so the pre-activation need not be kept
  relu: { infer: same, vjp: (ct, _, out) => [F.mul(ct, F.step(out))], lower: un('relu') },
  cast: {
    infer: (ins, a) => ({ shape: ins[0]!.shape, dtype: a.dtype }),
    vjp: (ct, [x]) => [x!.dtype === 'f32' ? F.cast(ct, 'f32') : null],
    lower: { kind: 'elementwise', expr: ([a], attrs, out) => a!.dtype === attrs.dtype ? a! : { op: 'unary', fn: attrs.dtype === 'f32' ? 'to_f32' : 'to_i32', a: a!, dtype: out.dtype } },
  },
  stop_gradient: { infer: same, vjp: noGrad, lower: { kind: 'elementwise', expr: ([a]) => a! } },
};

type Binary = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'less' | 'greater' | 'equal';
export const binaryRules: Rules<Binary> = {
  add: { infer: sameTwo, vjp: (ct) => [ct, ct], lower: bin('add') },
  sub: { infer: sameTwo, vjp: (ct) => [ct, F.neg(ct)], lower: bin('sub') },
  mul: { infer: sameTwo, vjp: (ct, [a, b]) => [F.mul(ct, b!), F.mul(ct, a!)], lower: bin('mul') },
  div: { infer: sameTwo, vjp: (ct, [, b], out) => [F.div(ct, b!), F.neg(F.div(F.mul(ct, out), b!))], lower: bin('div') },
  // on ties the whole gradient goes to the first operand (PyTorch splits it evenly), so the
  // gradient stays a 0/1 mask
  maximum: { infer: sameTwo, vjp: (ct, [a, b]) => { const m = F.sub(1, F.less(a!, b!)); return [F.mul(ct, m), F.mul(ct, F.sub(1, m))]; }, lower: bin('max') },
  minimum: { infer: sameTwo, vjp: (ct, [a, b]) => { const m = F.sub(1, F.greater(a!, b!)); return [F.mul(ct, m), F.mul(ct, F.sub(1, m))]; }, lower: bin('min') },
  pow: {
    infer: (ins) => float([sameTwo(ins)]),
    vjp: (ct, [a, b], out) => [F.mul(ct, F.mul(b!, F.pow(a!, F.sub(b!, 1)))), F.mul(ct, F.mul(out, F.log(a!)))],
    lower: bin('pow'),
  },
  less: { infer: sameTwo, vjp: () => [null, null], lower: bin('lt') },
  greater: { infer: sameTwo, vjp: () => [null, null], lower: bin('gt') },
  equal: { infer: sameTwo, vjp: () => [null, null], lower: bin('eq') },
};

export const selectRules: Rules<'where' | 'random_uniform' | 'iota'> = {
  where: {
    infer: (ins) => {
      const [c, a, b] = ins as [TensorType, TensorType, TensorType];
      sameTwo([a, b]);
      if (!sameShape(c.shape, a.shape)) throw new Error(`condition shape ${fmtType(c)} differs from ${fmtType(a)}`);
      return a;
    },
    vjp: (ct, [c]) => [null, F.where(c!, ct, 0), F.where(c!, 0, ct)],
    lower: { kind: 'elementwise', expr: ([c, a, b], _, out) => ({ op: 'select', cond: c!, a: a!, b: b!, dtype: out.dtype }) },
  },
  random_uniform: {
    infer: (ins, a) => {
      if (ins[0]!.dtype !== 'i32' || ins[0]!.shape.length !== 0) throw new Error(`the seed must be an i32 scalar, got ${fmtType(ins[0]!)}`);
      return { shape: a.shape, dtype: 'f32' };
    },
    vjp: () => [null],
    // the seed is a scalar broadcast to the output shape by the frontend
    lower: { kind: 'elementwise', positional: true, expr: ([seed]) => ({ op: 'random', seed: seed!, dtype: 'f32' }) },
  },
  iota: {
    infer: (_, a) => ({ shape: a.shape, dtype: 'i32' }),
    vjp: () => [],
    lower: { kind: 'elementwise', positional: true, expr: (_, a) => ({ op: 'index', axis: a.axis, dtype: 'i32' }) },
  },
};
