/**
 * Schedule decisions shared by the WASM backend's two renderers (the bytecode emitter in
 * bytecode/, and the AssemblyScript source kept as the `codegen: 'asc'` debugging path), so both
 * vectorize the same loops: which expressions can run four lanes at a time along an axis, and
 * whether a reduction vectorizes along its innermost reduced axis or its innermost output axis.
 * Each renderer passes its own ALU tables; an op is vectorizable where its table has an entry.
 */
import type { BinaryAlu, DType, Expr, UnaryAlu } from '../../kernel/ir.ts';
import type { ReduceNest } from '../../kernel/expr.ts';
import { assertNever } from '../../util/never.ts';

/** A renderer's vector ALU tables: null where an op has no four-lane form. */
export interface VectorTables {
  unary: { [T in DType]: { [F in UnaryAlu]: unknown } };
  binary: { [T in DType]: { [F in BinaryAlu]: unknown } };
}

/** The wider of two dtypes for computing: any f32 operand makes the math f32, like the interpreter's f64. */
export function computeType(...ts: DType[]): DType {
  return ts.includes('f32') ? 'f32' : 'i32';
}

/**
 * Vector lanes of the innermost axis (`axis`): what each view's stride there allows. `random`
 * needs the lanes' linear indices to be consecutive, i.e. `axis` the last of the space
 * (`lastAxis`).
 */
export function canVectorizeWith(tables: VectorTables, e: Expr, axis: number, hasVectorAcc: boolean, lastAxis = true): boolean {
  const again = (x: Expr) => canVectorizeWith(tables, x, axis, hasVectorAcc, lastAxis);
  switch (e.op) {
    case 'load': {
      // masked loads and gathers run in the scalar loop
      const st = e.view.strides[axis];
      return !e.view.mask && (st === 0 || st === 1);
    }
    case 'gather': return false;
    case 'const': case 'index': return true;
    case 'unary': return tables.unary[computeType(e.a.dtype, e.dtype)][e.fn] !== null && again(e.a);
    case 'binary': return tables.binary[computeType(e.a.dtype, e.b.dtype, e.dtype)][e.fn] !== null && again(e.a) && again(e.b);
    case 'select': return again(e.cond) && again(e.a) && again(e.b);
    case 'random': return lastAxis && again(e.seed);
    case 'acc': return hasVectorAcc;
    default: return assertNever(e, 'Expr node');
  }
}

/**
 * How a reduce nest (one phase, axes already collapsed) vectorizes: along the innermost reduced axis when
 * it is long enough and contiguous, else along the innermost output axis when the body and every
 * store allow it; argmax stays scalar.
 */
export function reduceVectorPlan(k: ReduceNest, canVectorize: (e: Expr, axis: number, hasVectorAcc: boolean, lastAxis?: boolean) => boolean): { rInner: number; oInner: number; vectorInner: boolean; vectorOuter: boolean } {
  const rInner = k.shape.length + k.reduceShape.length - 1;
  const rExtent = k.reduceShape[k.reduceShape.length - 1] ?? 0;
  const vectorInner = k.reduce !== 'argmax' && k.reduceShape.length > 0 && rExtent >= 4 && canVectorize(k.body, rInner, false);
  const oInner = k.shape.length - 1;
  const vectorOuter = !vectorInner && k.reduce !== 'argmax' && oInner >= 0 && k.shape[oInner]! >= 4
    && canVectorize(k.body, oInner, false, false)
    && k.stores.every((s) => s.view.strides[oInner] === 1 && canVectorize(s.expr, oInner, true));
  return { rInner, oInner, vectorInner, vectorOuter };
}
