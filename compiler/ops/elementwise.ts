/** Elementwise primitives: unary and binary ALU ops, casts, comparisons, select, generators. */
import type { TensorType } from '../ir/types.ts';
import type { BinaryAlu, Expr, UnaryAlu } from '../kernel/ir.ts';
import * as F from '../frontend/math.ts';
import type { Rules } from './rule.ts';

const un = (fn: UnaryAlu) => ({ kind: 'elementwise' as const, expr: ([a]: Expr[], _: unknown, out: TensorType): Expr => ({ op: 'unary', fn, a: a!, dtype: out.dtype }) });
const bin = (fn: BinaryAlu) => ({ kind: 'elementwise' as const, expr: ([a, b]: Expr[], _: unknown, out: TensorType): Expr => ({ op: 'binary', fn, a: a!, b: b!, dtype: out.dtype }) });

const noGrad = () => [null];
/** 2/√π, the derivative of erf at 0 */
const TWO_OVER_SQRT_PI = 1.1283791670955126;

type Unary = 'neg' | 'exp' | 'log' | 'sqrt' | 'recip' | 'abs' | 'sign' | 'tanh' | 'sigmoid' | 'relu' | 'step' | 'cast' | 'stop_gradient'
  | 'erf' | 'sin' | 'cos' | 'floor' | 'ceil' | 'round';
export const unaryRules: Rules<Unary> = {
  neg: { vjp: (ct) => [F.neg(ct)], lower: un('neg') },
  exp: { vjp: (ct, _, out) => [F.mul(ct, out)], lower: un('exp') },
  log: { vjp: (ct, [x]) => [F.div(ct, x!)], lower: un('log') },
  sqrt: { vjp: (ct, _, out) => [F.div(F.mul(ct, 0.5), out)], lower: un('sqrt') },
  recip: { vjp: (ct, _, out) => [F.neg(F.mul(ct, F.mul(out, out)))], lower: un('recip') },
  abs: { vjp: (ct, [x]) => [F.mul(ct, F.sign(x!))], lower: un('abs') },
  sign: { vjp: noGrad, lower: un('sign') },
  step: { vjp: noGrad, lower: un('step') },
  tanh: { vjp: (ct, _, out) => [F.mul(ct, F.sub(1, F.mul(out, out)))], lower: un('tanh') },
  sigmoid: { vjp: (ct, _, out) => [F.mul(ct, F.mul(out, F.sub(1, out)))], lower: un('sigmoid') },
  // the mask comes from the output (relu(x) > 0 ⟺ x > 0), so the pre-activation need not be kept
  relu: { vjp: (ct, _, out) => [F.mul(ct, F.step(out))], lower: un('relu') },
  erf: { vjp: (ct, [x]) => [F.mul(ct, F.mul(F.exp(F.neg(F.mul(x!, x!))), TWO_OVER_SQRT_PI))], lower: un('erf') },
  sin: { vjp: (ct, [x]) => [F.mul(ct, F.cos(x!))], lower: un('sin') },
  cos: { vjp: (ct, [x]) => [F.neg(F.mul(ct, F.sin(x!)))], lower: un('cos') },
  // piecewise constant: zero gradient almost everywhere (PyTorch's convention too)
  floor: { vjp: noGrad, lower: un('floor') },
  ceil: { vjp: noGrad, lower: un('ceil') },
  round: { vjp: noGrad, lower: un('round') },
  cast: {
    vjp: (ct, [x]) => [x!.dtype === 'f32' ? F.cast(ct, 'f32') : null],
    lower: { kind: 'elementwise', expr: ([a], attrs, out) => a!.dtype === attrs.dtype ? a! : { op: 'unary', fn: attrs.dtype === 'f32' ? 'to_f32' : 'to_i32', a: a!, dtype: out.dtype } },
  },
  stop_gradient: { vjp: noGrad, lower: { kind: 'elementwise', expr: ([a]) => a! } },
};

type Binary = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow' | 'mod'
  | 'less' | 'greater' | 'equal' | 'less_equal' | 'greater_equal' | 'not_equal';
const noGrads = () => [null, null];
export const binaryRules: Rules<Binary> = {
  add: { vjp: (ct) => [ct, ct], lower: bin('add') },
  sub: { vjp: (ct) => [ct, F.neg(ct)], lower: bin('sub') },
  mul: { vjp: (ct, [a, b]) => [F.mul(ct, b!), F.mul(ct, a!)], lower: bin('mul') },
  div: { vjp: (ct, [, b], out) => [F.div(ct, b!), F.neg(F.div(F.mul(ct, out), b!))], lower: bin('div') },
  // ties send the whole gradient to the first operand (PyTorch splits it evenly), so the
  // gradient stays a 0/1 mask
  maximum: { vjp: (ct, [a, b]) => { const m = F.sub(1, F.less(a!, b!)); return [F.mul(ct, m), F.mul(ct, F.sub(1, m))]; }, lower: bin('max') },
  minimum: { vjp: (ct, [a, b]) => { const m = F.sub(1, F.greater(a!, b!)); return [F.mul(ct, m), F.mul(ct, F.sub(1, m))]; }, lower: bin('min') },
  pow: {
    vjp: (ct, [a, b], out) => [F.mul(ct, F.mul(b!, F.pow(a!, F.sub(b!, 1)))), F.mul(ct, F.mul(out, F.log(a!)))],
    lower: bin('pow'),
  },
  // a mod b = a − b·⌊a/b⌋: ∂/∂a = 1, ∂/∂b = −⌊a/b⌋ (torch.remainder's derivative)
  mod: { vjp: (ct, [a, b]) => [ct, a!.dtype === 'f32' ? F.neg(F.mul(ct, F.floor(F.div(a!, b!)))) : null], lower: bin('mod') },
  less: { vjp: noGrads, lower: bin('lt') },
  greater: { vjp: noGrads, lower: bin('gt') },
  equal: { vjp: noGrads, lower: bin('eq') },
  less_equal: { vjp: noGrads, lower: bin('le') },
  greater_equal: { vjp: noGrads, lower: bin('ge') },
  not_equal: { vjp: noGrads, lower: bin('ne') },
};

export const selectRules: Rules<'where' | 'random_uniform' | 'iota'> = {
  where: {
    vjp: (ct, [c]) => [null, F.where(c!, ct, 0), F.where(c!, 0, ct)],
    lower: { kind: 'elementwise', expr: ([c, a, b], _, out) => ({ op: 'select', cond: c!, a: a!, b: b!, dtype: out.dtype }) },
  },
  random_uniform: {
    vjp: () => [null],
    // the seed is a scalar broadcast to the output shape by the frontend
    lower: { kind: 'elementwise', positional: true, expr: ([seed]) => ({ op: 'random', seed: seed!, dtype: 'f32' }) },
  },
  iota: {
    vjp: () => [],
    lower: { kind: 'elementwise', positional: true, expr: (_, a) => ({ op: 'index', axis: a.axis, dtype: 'i32' }) },
  },
};
