/**
 * Bytecode of kernel-IR expressions, per element (scalar) or four consecutive elements of the
 * innermost loop at a time (v128), with the semantics of ../expr.ts (the AssemblyScript
 * rendering) and compiler/kernel/interpret.ts. Each walker is an exhaustive switch over Expr, so
 * a new node kind is a type error until it is emitted here.
 */
import type { DType, Expr, View } from '../../../kernel/ir.ts';
import { convertScalar, convertVector, scalarBinary, scalarLiteral, scalarUnary, vectorBinary, vectorUnary, type Emitter } from './alu.ts';
import { canVectorizeWith, computeType, type VectorTables } from '../vectorize.ts';
import type { FunctionBuilder } from './encoder.ts';

/** A byte address: `base` + Σ local·coefficient (i32 arithmetic, wrapping like the interpreter's views). */
export interface Address {
  base: number;
  terms: [local: number, bytes: number][];
}

/** Where an expression is evaluated: the loop variables and buffer addresses of one kernel. */
export interface Scope extends Emitter {
  /** i32 local of each axis of the iteration space */
  indexVars: readonly number[];
  /** extents of the space (for the row-major linear index) */
  shape: readonly number[];
  /** byte address of the view's element at the current point */
  address(view: View): Address;
  /** the folded value inside an epilogue: locals holding it (scalar, and four lanes) */
  acc?: { scalar?: number; vector?: number; dtype: DType };
}

function assertNever(x: never): never {
  throw new Error(`wasm backend: unhandled expression ${JSON.stringify(x)}`);
}

const tables: VectorTables = { unary: vectorUnary, binary: vectorBinary };

/**
 * Pushes an address and returns the memarg offset to use with it: a non-negative constant part
 * goes into the offset when every term is non-negative (so no wrap-around can be meant).
 */
export function pushAddress(f: FunctionBuilder, a: Address): number {
  const useOffset = a.base >= 0 && a.terms.length > 0 && a.terms.every(([, c]) => c > 0);
  if (a.terms.length === 0) { f.i32(a.base); return 0; }
  a.terms.forEach(([l, c], i) => {
    f.get(l);
    if (c === 4) f.i32(2).op('i32.shl');
    else if (c !== 1) f.i32(c).op('i32.mul');
    if (i > 0) f.op('i32.add');
  });
  if (useOffset) return a.base;
  if (a.base !== 0) f.i32(a.base).op('i32.add');
  return 0;
}

/** Pushes the whole address (no part left for a memarg offset). */
export function pushAddressValue(f: FunctionBuilder, a: Address): void {
  const offset = pushAddress(f, a);
  if (offset !== 0) f.i32(offset).op('i32.add');
}

/** Pushes the row-major linear index of the current point. */
export function pushLinearIndex(f: FunctionBuilder, vars: readonly number[], shape: readonly number[]): void {
  if (shape.length === 0) { f.i32(0); return; }
  f.get(vars[0]!);
  for (let d = 1; d < shape.length; d++) f.i32(shape[d]!).op('i32.mul').get(vars[d]!).op('i32.add');
}

/**
 * Pushes the i32 bounds test of a masked view at the current point (1 in bounds), or returns
 * false when the view has no mask or constrains no axis. Only the axes whose range is not
 * [0, ∞) are tested.
 */
function pushBoundsTest(view: View, s: Scope): boolean {
  if (!view.mask) return false;
  const f = s.f;
  let terms = 0;
  const and = () => { if (terms++ > 0) f.op('i32.and'); };
  view.mask.forEach(([lo, hi], d) => {
    const v = s.indexVars[d]!;
    if (lo >= hi) { f.i32(0); and(); return; }
    if (lo > 0) { f.get(v).i32(lo).op('i32.ge_s'); and(); }
    f.get(v).i32(hi).op('i32.lt_s'); and();
  });
  return terms > 0;
}

/** `read` guarded by the view's mask: the load runs only in bounds (its address may be wild outside). */
function masked(view: View, dtype: DType, s: Scope, read: () => void): void {
  if (!pushBoundsTest(view, s)) { read(); return; }
  s.f.if(dtype);
  read();
  s.f.else();
  scalarLiteral(s.f, view.fill ?? 0, dtype);
  s.f.end();
}

export function emitScalar(e: Expr, s: Scope): void {
  const f = s.f;
  switch (e.op) {
    case 'load':
      masked(e.view, e.dtype, s, () => {
        const offset = pushAddress(f, s.address(e.view));
        f.mem(e.dtype === 'f32' ? 'f32.load' : 'i32.load', offset);
      });
      return;
    case 'gather':
      masked(e.view, e.dtype, s, () => {
        // j = clamp(index, 0, extent − 1), then the element j·stride past the view's
        const j = f.local('i32');
        emitScalar(e.index, s); convertScalar(f, e.index.dtype, 'i32');
        f.set(j);
        f.get(j).i32(0).get(j).i32(0).op('i32.gt_s').op('select').set(j);
        f.get(j).i32(e.extent - 1).get(j).i32(e.extent - 1).op('i32.lt_s').op('select').set(j);
        const a = s.address(e.view);
        const offset = pushAddress(f, e.stride === 0 ? a : { base: a.base, terms: [...a.terms, [j, e.stride * 4]] });
        f.mem(e.dtype === 'f32' ? 'f32.load' : 'i32.load', offset);
      });
      return;
    case 'const': scalarLiteral(f, e.value, e.dtype); return;
    case 'unary': {
      const t = computeType(e.a.dtype, e.dtype);
      scalarUnary[t][e.fn](s, () => { emitScalar(e.a, s); convertScalar(f, e.a.dtype, t); });
      convertScalar(f, t, e.dtype);
      return;
    }
    case 'binary': {
      const t = computeType(e.a.dtype, e.b.dtype, e.dtype);
      scalarBinary[t][e.fn](s, () => { emitScalar(e.a, s); convertScalar(f, e.a.dtype, t); }, () => { emitScalar(e.b, s); convertScalar(f, e.b.dtype, t); });
      convertScalar(f, t, e.dtype);
      return;
    }
    case 'select': {
      emitScalar(e.a, s); convertScalar(f, e.a.dtype, e.dtype);
      emitScalar(e.b, s); convertScalar(f, e.b.dtype, e.dtype);
      emitScalar(e.cond, s);
      if (e.cond.dtype === 'f32') f.f32(0).op('f32.ne');
      f.op('select');
      return;
    }
    case 'index': f.get(s.indexVars[e.axis]!); return;
    case 'random':
      emitScalar(e.seed, s); convertScalar(f, e.seed.dtype, 'i32');
      pushLinearIndex(f, s.indexVars, s.shape);
      s.call('hashUniform');
      return;
    case 'acc': {
      if (s.acc?.scalar === undefined) throw new Error(`wasm backend: 'acc' used outside a reduce/matmul/conv/pool epilogue`);
      f.get(s.acc.scalar);
      convertScalar(f, s.acc.dtype, e.dtype);
      return;
    }
    default: assertNever(e);
  }
}

/** Whether `e` runs four lanes at a time along `axis` with this renderer's ALU tables (vectorize.ts). */
export function canVectorize(e: Expr, axis: number, hasVectorAcc: boolean, lastAxis = true): boolean {
  return canVectorizeWith(tables, e, axis, hasVectorAcc, lastAxis);
}

const LANES = [0, 1, 2, 3];

/** Pushes a v128 holding lanes i..i+3 of `axis` (the caller checked canVectorize). */
export function emitVector(e: Expr, s: Scope, axis: number): void {
  const f = s.f;
  switch (e.op) {
    case 'load': {
      const offset = pushAddress(f, s.address(e.view));
      f.mem(e.view.strides[axis] === 0 ? 'v128.load32_splat' : 'v128.load', offset);
      return;
    }
    case 'const':
      if (e.dtype === 'i32') f.v128(LANES.map(() => e.value | 0), 'i32');
      else f.v128(LANES.map(() => e.value), 'f32');
      return;
    case 'unary': {
      const t = computeType(e.a.dtype, e.dtype);
      vectorUnary[t][e.fn]!(s, () => { emitVector(e.a, s, axis); convertVector(s, e.a.dtype, t); });
      convertVector(s, t, e.dtype);
      return;
    }
    case 'binary': {
      const t = computeType(e.a.dtype, e.b.dtype, e.dtype);
      vectorBinary[t][e.fn]!(s, () => { emitVector(e.a, s, axis); convertVector(s, e.a.dtype, t); }, () => { emitVector(e.b, s, axis); convertVector(s, e.b.dtype, t); });
      convertVector(s, t, e.dtype);
      return;
    }
    case 'select': {
      emitVector(e.a, s, axis); convertVector(s, e.a.dtype, e.dtype);
      emitVector(e.b, s, axis); convertVector(s, e.b.dtype, e.dtype);
      emitVector(e.cond, s, axis);
      f.v128([0, 0, 0, 0], 'i32');
      f.op(e.cond.dtype === 'f32' ? 'f32x4.ne' : 'i32x4.ne');
      f.op('v128.bitselect');
      return;
    }
    case 'index': {
      f.get(s.indexVars[e.axis]!).op('i32x4.splat');
      if (e.axis === axis) f.v128(LANES, 'i32').op('i32x4.add');
      return;
    }
    case 'random': {
      emitVector(e.seed, s, axis); convertVector(s, e.seed.dtype, 'i32');
      pushLinearIndex(f, s.indexVars, s.shape);
      f.op('i32x4.splat').v128(LANES, 'i32').op('i32x4.add');
      s.call('vhashUniform');
      return;
    }
    case 'gather': throw new Error(`wasm backend: a gather has no vector form (canVectorize is false)`);
    case 'acc': {
      if (s.acc?.vector === undefined) throw new Error(`wasm backend: 'acc' has no vector form here`);
      f.get(s.acc.vector);
      convertVector(s, s.acc.dtype, e.dtype);
      return;
    }
    default: assertNever(e);
  }
}
