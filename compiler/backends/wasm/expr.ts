/**
 * Renders kernel-IR expressions as AssemblyScript, either per element (scalar) or four
 * consecutive elements of the innermost loop at a time (f32x4 / i32x4 lanes).
 */
import type { DType, Expr, View } from '../../kernel/ir.ts';
import { assertNever } from '../../util/never.ts';
import { convertScalar, convertVector, scalarBinary, scalarLiteral, scalarUnary, vectorBinary, vectorUnary } from './alu.ts';
import { canVectorizeWith, computeType, type VectorTables } from './vectorize.ts';

export { usesIndex, viewsOf } from '../../kernel/expr.ts';

/** Where an expression is evaluated: the loop variables and buffer addresses of one kernel. */
export interface Scope {
  /** i32 loop variable of each axis of the iteration space */
  indexVars: readonly string[];
  /** i32 expression: row-major linear index of the point in the iteration space */
  linearIndex: string;
  /** byte address (i32 arithmetic) of the view's element at the current point */
  address(view: View): string;
  /** the folded value inside an epilogue */
  acc?: { scalar: string; vector?: string; dtype: DType };
}

const tables: VectorTables = { unary: vectorUnary, binary: vectorBinary };

/**
 * A masked view's bounds test at the current point (AssemblyScript bool), or undefined when the
 * view has no mask. Only the axes whose range is not [0, ∞) are tested.
 */
function boundsTest(view: View, s: Scope): string | undefined {
  if (!view.mask) return undefined;
  const terms: string[] = [];
  view.mask.forEach(([lo, hi], d) => {
    const v = s.indexVars[d]!;
    if (lo >= hi) terms.push('false');
    else {
      if (lo > 0) terms.push(`${v} >= ${lo}`);
      terms.push(`${v} < ${hi}`);
    }
  });
  return terms.length ? terms.join(' && ') : undefined;
}

/** `read` guarded by the view's mask: the ternary evaluates the load only in bounds. */
function masked(view: View, dtype: DType, s: Scope, read: string): string {
  const test = boundsTest(view, s);
  return test ? `((${test}) ? ${read} : ${scalarLiteral(view.fill ?? 0, dtype)})` : read;
}

export function renderScalar(e: Expr, s: Scope): string {
  switch (e.op) {
    case 'load': return masked(e.view, e.dtype, s, `load<${e.dtype}>(<usize>(${s.address(e.view)}))`);
    case 'gather': {
      const j = `min<i32>(max<i32>(${convertScalar(renderScalar(e.index, s), e.index.dtype, 'i32')}, 0), ${e.extent - 1})`;
      return masked(e.view, e.dtype, s, `load<${e.dtype}>(<usize>(${s.address(e.view)} + ${j} * ${e.stride * 4}))`);
    }
    case 'const': return scalarLiteral(e.value, e.dtype);
    case 'unary': {
      const t = computeType(e.a.dtype, e.dtype);
      return convertScalar(scalarUnary[t][e.fn](convertScalar(renderScalar(e.a, s), e.a.dtype, t)), t, e.dtype);
    }
    case 'binary': {
      const t = computeType(e.a.dtype, e.b.dtype, e.dtype);
      const a = convertScalar(renderScalar(e.a, s), e.a.dtype, t);
      const b = convertScalar(renderScalar(e.b, s), e.b.dtype, t);
      return convertScalar(scalarBinary[t][e.fn](a, b), t, e.dtype);
    }
    case 'select': {
      const zero = e.cond.dtype === 'f32' ? '<f32>0' : '0';
      const a = convertScalar(renderScalar(e.a, s), e.a.dtype, e.dtype);
      const b = convertScalar(renderScalar(e.b, s), e.b.dtype, e.dtype);
      return `(${renderScalar(e.cond, s)} != ${zero} ? ${a} : ${b})`;
    }
    case 'index': return s.indexVars[e.axis]!;
    case 'random': return `hashUniform(${convertScalar(renderScalar(e.seed, s), e.seed.dtype, 'i32')}, ${s.linearIndex})`;
    case 'acc': {
      if (!s.acc) throw new Error(`wasm backend: 'acc' used outside a reduce/matmul/conv/pool epilogue`);
      return convertScalar(s.acc.scalar, s.acc.dtype, e.dtype);
    }
    default: return assertNever(e, 'Expr node');
  }
}

/** Whether `e` runs four lanes at a time along `axis` with this renderer's ALU tables (vectorize.ts). */
export function canVectorize(e: Expr, axis: number, hasVectorAcc: boolean, lastAxis = true): boolean {
  return canVectorizeWith(tables, e, axis, hasVectorAcc, lastAxis);
}

/** Renders `e` as a v128 holding lanes i..i+3 of `axis` (the caller checked canVectorize). */
export function renderVector(e: Expr, s: Scope, axis: number): string {
  switch (e.op) {
    case 'load': {
      const addr = `<usize>(${s.address(e.view)})`;
      return e.view.strides[axis] === 0 ? `v128.load32_splat(${addr})` : `v128.load(${addr})`;
    }
    case 'const': return `${e.dtype}x4.splat(${scalarLiteral(e.value, e.dtype)})`;
    case 'unary': {
      const t = computeType(e.a.dtype, e.dtype);
      return convertVector(vectorUnary[t][e.fn]!(convertVector(renderVector(e.a, s, axis), e.a.dtype, t)), t, e.dtype);
    }
    case 'binary': {
      const t = computeType(e.a.dtype, e.b.dtype, e.dtype);
      const a = convertVector(renderVector(e.a, s, axis), e.a.dtype, t);
      const b = convertVector(renderVector(e.b, s, axis), e.b.dtype, t);
      return convertVector(vectorBinary[t][e.fn]!(a, b), t, e.dtype);
    }
    case 'select': {
      const c = renderVector(e.cond, s, axis);
      const mask = e.cond.dtype === 'f32' ? `f32x4.ne(${c}, f32x4.splat(0.0))` : `i32x4.ne(${c}, i32x4.splat(0))`;
      const a = convertVector(renderVector(e.a, s, axis), e.a.dtype, e.dtype);
      const b = convertVector(renderVector(e.b, s, axis), e.b.dtype, e.dtype);
      return `v128.bitselect(${a}, ${b}, ${mask})`;
    }
    case 'index': {
      const v = s.indexVars[e.axis]!;
      return e.axis === axis ? `i32x4.add(i32x4.splat(${v}), i32x4(0, 1, 2, 3))` : `i32x4.splat(${v})`;
    }
    case 'random': {
      const seed = convertVector(renderVector(e.seed, s, axis), e.seed.dtype, 'i32');
      return `vhashUniform(${seed}, i32x4.add(i32x4.splat(${s.linearIndex}), i32x4(0, 1, 2, 3)))`;
    }
    case 'acc': {
      if (!s.acc?.vector) throw new Error(`wasm backend: 'acc' has no vector form here`);
      return convertVector(s.acc.vector, s.acc.dtype, e.dtype);
    }
    case 'gather': throw new Error(`wasm backend: a gather has no vector form (canVectorize is false)`);
    default: return assertNever(e, 'Expr node');
  }
}
