/**
 * The kernel IR's ALU in WGSL, one exhaustive table per arity (a missing op is a type error).
 * `f32` renders the op on f32 operands; `i32`, where present, renders it with integer math when
 * the operands and the result are all i32 (interpret.ts truncates i32 results, so ops without an
 * exact integer form go through f32 and are truncated back).
 */
import type { BinaryAlu, UnaryAlu } from '../../kernel/ir.ts';

interface UnaryRule {
  f32: (x: string) => string;
  i32?: (x: string) => string;
}

interface BinaryRule {
  f32: (a: string, b: string) => string;
  i32?: (a: string, b: string) => string;
}

const cmpF = (op: string) => (a: string, b: string) => `select(0.0, 1.0, ${a} ${op} ${b})`;
const cmpI = (op: string) => (a: string, b: string) => `select(0, 1, ${a} ${op} ${b})`;

export const unaryWgsl: { [F in UnaryAlu]: UnaryRule } = {
  neg: { f32: (x) => `(-${x})`, i32: (x) => `(-${x})` },
  exp: { f32: (x) => `ax_exp(${x})` },
  log: { f32: (x) => `ax_log(${x})` },
  sqrt: { f32: (x) => `ax_sqrt(${x})` },
  recip: { f32: (x) => `(1.0 / ${x})` },
  abs: { f32: (x) => `abs(${x})`, i32: (x) => `abs(${x})` },
  sign: { f32: (x) => `ax_sign(${x})`, i32: (x) => `sign(${x})` },
  floor: { f32: (x) => `floor(${x})`, i32: (x) => x },
  ceil: { f32: (x) => `ceil(${x})`, i32: (x) => x },
  // WGSL's round() rounds half to even, like the interpreter and PyTorch
  round: { f32: (x) => `round(${x})`, i32: (x) => x },
  erf: { f32: (x) => `ax_erf(${x})` },
  sin: { f32: (x) => `sin(${x})` },
  cos: { f32: (x) => `cos(${x})` },
  tanh: { f32: (x) => `ax_tanh(${x})` },
  sigmoid: { f32: (x) => `ax_sigmoid(${x})` },
  relu: { f32: (x) => `select(0.0, ${x}, ${x} > 0.0)`, i32: (x) => `max(${x}, 0)` },
  step: { f32: (x) => `select(0.0, 1.0, ${x} > 0.0)`, i32: (x) => `select(0, 1, ${x} > 0)` },
  // Conversions are resolved by the expression renderer from operand and result dtypes.
  to_f32: { f32: (x) => x, i32: (x) => x },
  to_i32: { f32: (x) => `f32(ax_f2i(${x}))`, i32: (x) => x },
};

export const binaryWgsl: { [F in BinaryAlu]: BinaryRule } = {
  add: { f32: (a, b) => `(${a} + ${b})`, i32: (a, b) => `(${a} + ${b})` },
  sub: { f32: (a, b) => `(${a} - ${b})`, i32: (a, b) => `(${a} - ${b})` },
  mul: { f32: (a, b) => `(${a} * ${b})`, i32: (a, b) => `(${a} * ${b})` },
  div: { f32: (a, b) => `(${a} / ${b})`, i32: (a, b) => `ax_idiv(${a}, ${b})` },
  max: { f32: (a, b) => `ax_max(${a}, ${b})`, i32: (a, b) => `max(${a}, ${b})` },
  min: { f32: (a, b) => `ax_min(${a}, ${b})`, i32: (a, b) => `min(${a}, ${b})` },
  pow: { f32: (a, b) => `ax_pow(${a}, ${b})`, i32: (a, b) => `ax_ipow(${a}, ${b})` },
  mod: { f32: (a, b) => `ax_mod(${a}, ${b})`, i32: (a, b) => `ax_imod(${a}, ${b})` },
  lt: { f32: cmpF('<'), i32: cmpI('<') },
  le: { f32: cmpF('<='), i32: cmpI('<=') },
  gt: { f32: cmpF('>'), i32: cmpI('>') },
  ge: { f32: cmpF('>='), i32: cmpI('>=') },
  eq: { f32: cmpF('=='), i32: cmpI('==') },
  // `!(a == b)`: shader compilers may lower `!=` on floats as an ordered compare (false for NaN).
  ne: { f32: (a, b) => `select(1.0, 0.0, ${a} == ${b})`, i32: cmpI('!=') },
};
