/**
 * AssemblyScript spellings of the kernel IR's ALU ops, scalar and f32x4/i32x4, keyed by op name
 * so a new ALU op is a type error here until both backends' tables learn it.
 * Semantics follow compiler/kernel/interpret.ts; helpers without a wasm instruction live in
 * assembly/alu.ts. A vector entry of `null` means "no SIMD form": the kernel falls back to its
 * scalar loop.
 */
import type { BinaryAlu, DType, UnaryAlu } from '../../kernel/ir.ts';

type Unary = (x: string) => string;
type Binary = (a: string, b: string) => string;

/** Scalar unary ops; the operand and result have the table's type. */
export const scalarUnary: { [T in DType]: { [F in UnaryAlu]: Unary } } = {
  f32: {
    neg: (x) => `(-${x})`,
    exp: (x) => `Mathf.exp(${x})`,
    log: (x) => `Mathf.log(${x})`,
    sqrt: (x) => `Mathf.sqrt(${x})`,
    recip: (x) => `(<f32>1.0 / ${x})`,
    abs: (x) => `Mathf.abs(${x})`,
    sign: (x) => `signf(${x})`,
    floor: (x) => `Mathf.floor(${x})`,
    ceil: (x) => `Mathf.ceil(${x})`,
    // wasm's f32.nearest rounds half to even
    round: (x) => `nearest<f32>(${x})`,
    erf: (x) => `erff(${x})`,
    sin: (x) => `Mathf.sin(${x})`,
    cos: (x) => `Mathf.cos(${x})`,
    tanh: (x) => `Mathf.tanh(${x})`,
    sigmoid: (x) => `sigmoid(${x})`,
    relu: (x) => `reluf(${x})`,
    step: (x) => `(${x} > <f32>0 ? <f32>1 : <f32>0)`,
    to_f32: (x) => x,
    to_i32: (x) => x,
  },
  i32: {
    neg: (x) => `(-${x})`,
    // float-only math on ints: exact in f64, truncated back like the interpreter's `| 0`
    exp: (x) => `f64toi(Math.exp(<f64>${x}))`,
    log: (x) => `f64toi(Math.log(<f64>${x}))`,
    sqrt: (x) => `f64toi(Math.sqrt(<f64>${x}))`,
    recip: (x) => `f64toi(1.0 / <f64>${x})`,
    abs: (x) => `abs<i32>(${x})`,
    sign: (x) => `signi(${x})`,
    floor: (x) => x,
    ceil: (x) => x,
    round: (x) => x,
    erf: (x) => `f64toi(<f64>erff(<f32>${x}))`,
    sin: (x) => `f64toi(Math.sin(<f64>${x}))`,
    cos: (x) => `f64toi(Math.cos(<f64>${x}))`,
    tanh: (x) => `f64toi(Math.tanh(<f64>${x}))`,
    sigmoid: (x) => `f64toi(1.0 / (1.0 + Math.exp(-<f64>${x})))`,
    relu: (x) => `max<i32>(${x}, 0)`,
    step: (x) => `(${x} > 0 ? 1 : 0)`,
    to_f32: (x) => x,
    to_i32: (x) => x,
  },
};

const cmpF = (op: string): Binary => (a, b) => `(${a} ${op} ${b} ? <f32>1 : <f32>0)`;
const cmpI = (op: string): Binary => (a, b) => `(${a} ${op} ${b} ? 1 : 0)`;

export const scalarBinary: { [T in DType]: { [F in BinaryAlu]: Binary } } = {
  f32: {
    add: (a, b) => `(${a} + ${b})`,
    sub: (a, b) => `(${a} - ${b})`,
    mul: (a, b) => `(${a} * ${b})`,
    div: (a, b) => `(${a} / ${b})`,
    max: (a, b) => `max<f32>(${a}, ${b})`,
    min: (a, b) => `min<f32>(${a}, ${b})`,
    pow: (a, b) => `Mathf.pow(${a}, ${b})`,
    mod: (a, b) => `floormodf(${a}, ${b})`,
    lt: cmpF('<'), le: cmpF('<='), gt: cmpF('>'), ge: cmpF('>='), eq: cmpF('=='), ne: cmpF('!='),
  },
  i32: {
    add: (a, b) => `(${a} + ${b})`,
    sub: (a, b) => `(${a} - ${b})`,
    mul: (a, b) => `(${a} * ${b})`,
    div: (a, b) => `idiv(${a}, ${b})`,
    max: (a, b) => `max<i32>(${a}, ${b})`,
    min: (a, b) => `min<i32>(${a}, ${b})`,
    pow: (a, b) => `f64toi(Math.pow(<f64>${a}, <f64>${b}))`,
    mod: (a, b) => `floormodi(${a}, ${b})`,
    lt: cmpI('<'), le: cmpI('<='), gt: cmpI('>'), ge: cmpI('>='), eq: cmpI('=='), ne: cmpI('!='),
  },
};

const ONE_F = 'f32x4.splat(1.0)';
const ZERO_F = 'f32x4.splat(0.0)';
const ONE_I = 'i32x4.splat(1)';
const ZERO_I = 'i32x4.splat(0)';

/** Vector unary ops on f32x4 / i32x4 lanes of the table's type. */
export const vectorUnary: { [T in DType]: { [F in UnaryAlu]: Unary | null } } = {
  f32: {
    neg: (x) => `f32x4.neg(${x})`,
    exp: (x) => `vexp(${x})`,
    log: (x) => `vlog(${x})`,
    sqrt: (x) => `f32x4.sqrt(${x})`,
    recip: (x) => `f32x4.div(${ONE_F}, ${x})`,
    abs: (x) => `f32x4.abs(${x})`,
    sign: (x) => `vsignf(${x})`,
    floor: (x) => `f32x4.floor(${x})`,
    ceil: (x) => `f32x4.ceil(${x})`,
    round: (x) => `f32x4.nearest(${x})`,
    erf: null, sin: null, cos: null,
    tanh: (x) => `vtanh(${x})`,
    sigmoid: (x) => `vsigmoid(${x})`,
    // pmax(0, x) = 0 < x ? x : 0, which maps NaN to 0 like the interpreter's relu
    relu: (x) => `f32x4.pmax(${ZERO_F}, ${x})`,
    step: (x) => `v128.and(f32x4.gt(${x}, ${ZERO_F}), ${ONE_F})`,
    to_f32: (x) => x,
    to_i32: (x) => x,
  },
  i32: {
    neg: (x) => `i32x4.neg(${x})`,
    exp: null, log: null, sqrt: null, recip: null, tanh: null, sigmoid: null, erf: null, sin: null, cos: null,
    ceil: (x) => x,
    round: (x) => x,
    abs: (x) => `i32x4.abs(${x})`,
    sign: (x) => `vsigni(${x})`,
    floor: (x) => x,
    relu: (x) => `i32x4.max_s(${x}, ${ZERO_I})`,
    step: (x) => `v128.and(i32x4.gt_s(${x}, ${ZERO_I}), ${ONE_I})`,
    to_f32: (x) => x,
    to_i32: (x) => x,
  },
};

// comparison masks are all-ones lanes; AND with the bits of 1 (1.0f or 1) gives the IR's 1/0
const vcmpF = (op: string): Binary => (a, b) => `v128.and(f32x4.${op}(${a}, ${b}), ${ONE_F})`;
const vcmpI = (op: string): Binary => (a, b) => `v128.and(i32x4.${op}(${a}, ${b}), ${ONE_I})`;

export const vectorBinary: { [T in DType]: { [F in BinaryAlu]: Binary | null } } = {
  f32: {
    add: (a, b) => `f32x4.add(${a}, ${b})`,
    sub: (a, b) => `f32x4.sub(${a}, ${b})`,
    mul: (a, b) => `f32x4.mul(${a}, ${b})`,
    div: (a, b) => `f32x4.div(${a}, ${b})`,
    max: (a, b) => `f32x4.max(${a}, ${b})`,
    min: (a, b) => `f32x4.min(${a}, ${b})`,
    pow: (a, b) => `vpow(${a}, ${b})`,
    mod: null,
    lt: vcmpF('lt'), le: vcmpF('le'), gt: vcmpF('gt'), ge: vcmpF('ge'), eq: vcmpF('eq'), ne: vcmpF('ne'),
  },
  i32: {
    add: (a, b) => `i32x4.add(${a}, ${b})`,
    sub: (a, b) => `i32x4.sub(${a}, ${b})`,
    mul: (a, b) => `i32x4.mul(${a}, ${b})`,
    div: (a, b) => `vidiv(${a}, ${b})`,
    max: (a, b) => `i32x4.max_s(${a}, ${b})`,
    min: (a, b) => `i32x4.min_s(${a}, ${b})`,
    pow: null,
    mod: null,
    lt: vcmpI('lt_s'), le: vcmpI('le_s'), gt: vcmpI('gt_s'), ge: vcmpI('ge_s'), eq: vcmpI('eq'), ne: vcmpI('ne'),
  },
};

/** Scalar conversion between the two IR dtypes (f32 → i32 truncates like `Math.trunc(x) | 0`). */
export function convertScalar(code: string, from: DType, to: DType): string {
  if (from === to) return code;
  return to === 'f32' ? `(<f32>${code})` : `f2i(${code})`;
}

export function convertVector(code: string, from: DType, to: DType): string {
  if (from === to) return code;
  // per lane: out-of-range values wrap like `| 0` where trunc_sat would saturate
  return to === 'f32' ? `f32x4.convert_i32x4_s(${code})` : `vf2i(${code})`;
}

export function scalarLiteral(value: number, dtype: DType): string {
  if (dtype === 'i32') return `<i32>(${value | 0})`;
  if (Number.isNaN(value)) return '<f32>NaN';
  if (value === Infinity) return '<f32>Infinity';
  if (value === -Infinity) return '<f32>(-Infinity)';
  if (Object.is(value, -0)) return '<f32>(-0.0)';
  return `<f32>(${String(value)})`;
}
