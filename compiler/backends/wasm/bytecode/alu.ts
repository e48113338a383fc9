/**
 * Bytecode of the kernel IR's ALU ops, scalar and f32x4/i32x4, keyed by op name so a new ALU op
 * is a type error here (as in ../alu.ts, the AssemblyScript spelling these must match bit for
 * bit). Ops without a wasm instruction call the kernel library (assembly/index.ts). A vector
 * entry of `null` means no SIMD form: the kernel falls back to its scalar loop.
 */
import type { BinaryAlu, DType, UnaryAlu } from '../../../kernel/ir.ts';
import type { FunctionBuilder } from './encoder.ts';

/** Kernel-library functions generated code calls (exports of assembly/index.ts, index.threads.ts). */
export type LibraryFn =
  | 'expf' | 'logf' | 'tanhf' | 'powf' | 'sinf' | 'cosf' | 'exp64' | 'log64' | 'tanh64' | 'pow64' | 'sin64' | 'cos64'
  | 'idiv' | 'hashUniform' | 'erff' | 'floormodf' | 'floormodi'
  | 'vhashUniform' | 'vexp' | 'vlog' | 'vtanh' | 'vsigmoid' | 'vpow' | 'vidiv' | 'vsignf' | 'vsigni' | 'vf2i'
  | 'gemm' | 'gemmParallel' | 'gemmPackedA' | 'packAll' | 'gemmPackedB' | 'packBAll' | 'im2col' | 'col2imAdd' | 'depthwiseForward' | 'gather4'
  | 'poolForward' | 'poolBackward' | 'poolForwardParallel' | 'poolBackwardParallel'
  | 'setupThreads' | 'stopThreads' | 'threadLoop' | 'parallelFor' | 'currentThread';

/** A function body being written, and how to call the library from it. */
export interface Emitter {
  f: FunctionBuilder;
  call(fn: LibraryFn): void;
}

/** Pushes one operand. */
type Operand = () => void;
type Unary = (e: Emitter, x: Operand) => void;
type Binary = (e: Emitter, a: Operand, b: Operand) => void;

const plain = (op: Parameters<FunctionBuilder['op']>[0]): Unary => ({ f }, x) => { x(); f.op(op); };
const plain2 = (op: Parameters<FunctionBuilder['op']>[0]): Binary => ({ f }, a, b) => { a(); b(); f.op(op); };
const lib1 = (fn: LibraryFn): Unary => (e, x) => { x(); e.call(fn); };
const lib2 = (fn: LibraryFn): Binary => (e, a, b) => { a(); b(); e.call(fn); };
const identity: Unary = (_, x) => x();

/** f64toi(x): i32(<i64>x), saturating for NaN (→ 0) and |x| ≥ 2^63, wrapping mod 2^32 below. */
function f64ToI32(f: FunctionBuilder): void {
  f.op('i64.trunc_sat_f64_s').op('i32.wrap_i64');
}

/** i32 → f64, a library f64 function, back to i32 (the interpreter's exact-then-truncate). */
const viaF64 = (fn: LibraryFn): Unary => (e, x) => { x(); e.f.op('f64.convert_i32_s'); e.call(fn); f64ToI32(e.f); };

/** sign: t > 0 ? 1 : t < 0 ? -1 : 0 (NaN → 0) */
function sign(t: 'f32' | 'i32'): Unary {
  return ({ f }, x) => {
    const v = f.local(t);
    x(); f.set(v);
    const c = (n: number) => (t === 'f32' ? f.f32(n) : f.i32(n));
    c(1); c(-1); c(0);
    f.get(v); c(0); f.op(t === 'f32' ? 'f32.lt' : 'i32.lt_s').op('select');
    f.get(v); c(0); f.op(t === 'f32' ? 'f32.gt' : 'i32.gt_s').op('select');
  };
}

/** Scalar unary ops; the operand and result have the table's type. */
export const scalarUnary: { [T in DType]: { [F in UnaryAlu]: Unary } } = {
  f32: {
    neg: plain('f32.neg'),
    exp: lib1('expf'),
    log: lib1('logf'),
    sqrt: plain('f32.sqrt'),
    recip: ({ f }, x) => { f.f32(1); x(); f.op('f32.div'); },
    abs: plain('f32.abs'),
    sign: sign('f32'),
    floor: plain('f32.floor'),
    ceil: plain('f32.ceil'),
    // f32.nearest rounds half to even
    round: plain('f32.nearest'),
    erf: lib1('erff'),
    sin: lib1('sinf'),
    cos: lib1('cosf'),
    tanh: lib1('tanhf'),
    sigmoid: (e, x) => { e.f.f32(1).f32(1); x(); e.f.op('f32.neg'); e.call('expf'); e.f.op('f32.add').op('f32.div'); },
    // x > 0 ? x : 0 (NaN → 0)
    relu: ({ f }, x) => { const v = f.local('f32'); x(); f.tee(v).f32(0).get(v).f32(0).op('f32.gt').op('select'); },
    step: ({ f }, x) => { x(); f.f32(0).op('f32.gt').op('f32.convert_i32_s'); },
    to_f32: identity,
    to_i32: identity,
  },
  i32: {
    neg: ({ f }, x) => { f.i32(0); x(); f.op('i32.sub'); },
    exp: viaF64('exp64'),
    log: viaF64('log64'),
    sqrt: ({ f }, x) => { x(); f.op('f64.convert_i32_s').op('f64.sqrt'); f64ToI32(f); },
    recip: ({ f }, x) => { f.f64(1); x(); f.op('f64.convert_i32_s').op('f64.div'); f64ToI32(f); },
    // abs<i32>: t > 0 ? t : -t (MIN wraps)
    abs: ({ f }, x) => { const v = f.local('i32'); x(); f.set(v); f.get(v).i32(0).get(v).op('i32.sub').get(v).i32(0).op('i32.gt_s').op('select'); },
    sign: sign('i32'),
    floor: identity,
    ceil: identity,
    round: identity,
    // f64toi(<f64>erff(<f32>x))
    erf: (e, x) => { x(); e.f.op('f32.convert_i32_s'); e.call('erff'); e.f.op('f64.promote_f32'); f64ToI32(e.f); },
    sin: viaF64('sin64'),
    cos: viaF64('cos64'),
    tanh: viaF64('tanh64'),
    sigmoid: (e, x) => { e.f.f64(1).f64(1); x(); e.f.op('f64.convert_i32_s').op('f64.neg'); e.call('exp64'); e.f.op('f64.add').op('f64.div'); f64ToI32(e.f); },
    relu: ({ f }, x) => { const v = f.local('i32'); x(); f.tee(v).i32(0).get(v).i32(0).op('i32.gt_s').op('select'); },
    step: ({ f }, x) => { x(); f.i32(0).op('i32.gt_s'); },
    to_f32: identity,
    to_i32: identity,
  },
};

const cmpF = (op: 'f32.lt' | 'f32.le' | 'f32.gt' | 'f32.ge' | 'f32.eq' | 'f32.ne'): Binary => ({ f }, a, b) => { a(); b(); f.op(op).op('f32.convert_i32_s'); };

/** max<i32>/min<i32>: select(a, b, a > b) / select(a, b, a < b) */
const pickI = (cmp: 'i32.gt_s' | 'i32.lt_s'): Binary => ({ f }, a, b) => {
  const x = f.local('i32'), y = f.local('i32');
  a(); f.set(x); b(); f.set(y);
  f.get(x).get(y).get(x).get(y).op(cmp).op('select');
};

export const scalarBinary: { [T in DType]: { [F in BinaryAlu]: Binary } } = {
  f32: {
    add: plain2('f32.add'), sub: plain2('f32.sub'), mul: plain2('f32.mul'), div: plain2('f32.div'),
    max: plain2('f32.max'), min: plain2('f32.min'),
    pow: lib2('powf'),
    mod: lib2('floormodf'),
    lt: cmpF('f32.lt'), le: cmpF('f32.le'), gt: cmpF('f32.gt'), ge: cmpF('f32.ge'), eq: cmpF('f32.eq'), ne: cmpF('f32.ne'),
  },
  i32: {
    add: plain2('i32.add'), sub: plain2('i32.sub'), mul: plain2('i32.mul'),
    div: lib2('idiv'),
    max: pickI('i32.gt_s'), min: pickI('i32.lt_s'),
    pow: (e, a, b) => { a(); e.f.op('f64.convert_i32_s'); b(); e.f.op('f64.convert_i32_s'); e.call('pow64'); f64ToI32(e.f); },
    mod: lib2('floormodi'),
    lt: plain2('i32.lt_s'), le: plain2('i32.le_s'), gt: plain2('i32.gt_s'), ge: plain2('i32.ge_s'), eq: plain2('i32.eq'), ne: plain2('i32.ne'),
  },
};

const ONE_F = (f: FunctionBuilder) => f.v128([1, 1, 1, 1], 'f32');
const ONE_I = (f: FunctionBuilder) => f.v128([1, 1, 1, 1], 'i32');
const ZERO = (f: FunctionBuilder) => f.v128([0, 0, 0, 0], 'i32');

/** Vector unary ops on f32x4 / i32x4 lanes of the table's type. */
export const vectorUnary: { [T in DType]: { [F in UnaryAlu]: Unary | null } } = {
  f32: {
    neg: plain('f32x4.neg'),
    exp: lib1('vexp'),
    log: lib1('vlog'),
    sqrt: plain('f32x4.sqrt'),
    recip: ({ f }, x) => { ONE_F(f); x(); f.op('f32x4.div'); },
    abs: plain('f32x4.abs'),
    sign: lib1('vsignf'),
    floor: plain('f32x4.floor'),
    ceil: plain('f32x4.ceil'),
    round: plain('f32x4.nearest'),
    erf: null, sin: null, cos: null,
    tanh: lib1('vtanh'),
    sigmoid: lib1('vsigmoid'),
    // pmax(0, x) = 0 < x ? x : 0, which maps NaN to 0 like the interpreter's relu
    relu: ({ f }, x) => { ZERO(f); x(); f.op('f32x4.pmax'); },
    step: ({ f }, x) => { x(); ZERO(f); f.op('f32x4.gt'); ONE_F(f); f.op('v128.and'); },
    to_f32: identity,
    to_i32: identity,
  },
  i32: {
    neg: plain('i32x4.neg'),
    exp: null, log: null, sqrt: null, recip: null, tanh: null, sigmoid: null, erf: null, sin: null, cos: null,
    ceil: identity,
    round: identity,
    abs: plain('i32x4.abs'),
    sign: lib1('vsigni'),
    floor: identity,
    relu: ({ f }, x) => { x(); ZERO(f); f.op('i32x4.max_s'); },
    step: ({ f }, x) => { x(); ZERO(f); f.op('i32x4.gt_s'); ONE_I(f); f.op('v128.and'); },
    to_f32: identity,
    to_i32: identity,
  },
};

// comparison masks are all-ones lanes; AND with the bits of 1 (1.0f or 1) gives the IR's 1/0
type VCmp = 'f32x4.lt' | 'f32x4.le' | 'f32x4.gt' | 'f32x4.ge' | 'f32x4.eq' | 'f32x4.ne' | 'i32x4.lt_s' | 'i32x4.le_s' | 'i32x4.gt_s' | 'i32x4.ge_s' | 'i32x4.eq' | 'i32x4.ne';
const vcmp = (op: VCmp, one: (f: FunctionBuilder) => void): Binary => ({ f }, a, b) => { a(); b(); f.op(op); one(f); f.op('v128.and'); };

export const vectorBinary: { [T in DType]: { [F in BinaryAlu]: Binary | null } } = {
  f32: {
    add: plain2('f32x4.add'), sub: plain2('f32x4.sub'), mul: plain2('f32x4.mul'), div: plain2('f32x4.div'),
    max: plain2('f32x4.max'), min: plain2('f32x4.min'),
    pow: lib2('vpow'),
    mod: null,
    lt: vcmp('f32x4.lt', ONE_F), le: vcmp('f32x4.le', ONE_F), gt: vcmp('f32x4.gt', ONE_F), ge: vcmp('f32x4.ge', ONE_F), eq: vcmp('f32x4.eq', ONE_F), ne: vcmp('f32x4.ne', ONE_F),
  },
  i32: {
    add: plain2('i32x4.add'), sub: plain2('i32x4.sub'), mul: plain2('i32x4.mul'),
    div: lib2('vidiv'),
    max: plain2('i32x4.max_s'), min: plain2('i32x4.min_s'),
    pow: null,
    mod: null,
    lt: vcmp('i32x4.lt_s', ONE_I), le: vcmp('i32x4.le_s', ONE_I), gt: vcmp('i32x4.gt_s', ONE_I), ge: vcmp('i32x4.ge_s', ONE_I), eq: vcmp('i32x4.eq', ONE_I), ne: vcmp('i32x4.ne', ONE_I),
  },
};

/** Converts the scalar on the stack between the IR dtypes (f32 → i32 truncates like `Math.trunc(x) | 0`, NaN → 0). */
export function convertScalar(f: FunctionBuilder, from: DType, to: DType): void {
  if (from === to) return;
  if (to === 'f32') f.op('f32.convert_i32_s');
  else f.op('i64.trunc_sat_f32_s').op('i32.wrap_i64');
}

export function convertVector(e: Emitter, from: DType, to: DType): void {
  if (from === to) return;
  // per lane: out-of-range values wrap like `| 0` where trunc_sat would saturate
  if (to === 'f32') e.f.op('f32x4.convert_i32x4_s');
  else e.call('vf2i');
}

export function scalarLiteral(f: FunctionBuilder, value: number, dtype: DType): void {
  if (dtype === 'i32') f.i32(value | 0);
  else f.f32(value);
}
