/**
 * Walkers over kernel-IR nodes are exhaustive: a node kind that a switch does not handle is a
 * compile error (tsc runs over test/ in `npm test`), and at run time an unknown node throws
 * instead of passing through. The @ts-expect-error lines below fail to compile if the checks
 * they pin stop being errors.
 */
import { describe, expect, it } from 'vitest';
import { assertNever } from '../../compiler/util/never.ts';
import { children, kernelStores, mapChildren } from '../../compiler/kernel/expr.ts';
import type { Expr, ExprOp, Kernel, KernelKind, ReduceKernel } from '../../compiler/kernel/ir.ts';

type FakeExpr = Expr | { op: 'fake'; dtype: 'f32' };

/** Handles every real node kind but not the fake one: the default branch must not compile. */
function walkMissingFake(e: FakeExpr): number {
  switch (e.op) {
    case 'load': case 'const': case 'unary': case 'binary': case 'select': case 'index': case 'random': case 'acc': case 'gather':
      return 1;
    default:
      // @ts-expect-error 'fake' is unhandled, so `e` is not `never` here
      return assertNever(e);
  }
}

/** Handles every real node kind: compiles (the walker set of Expr is closed). */
function walkAll(e: Expr): number {
  switch (e.op) {
    case 'load': case 'const': case 'unary': case 'binary': case 'select': case 'index': case 'random': case 'acc': case 'gather':
      return 1;
    default:
      return assertNever(e);
  }
}

// Tables keyed by node kind must list every kind.
// @ts-expect-error 'gather' is missing from a table over ExprOp
const partialTable: { [K in ExprOp]: number } = { load: 0, const: 0, unary: 0, binary: 0, select: 0, index: 0, random: 0, acc: 0 };
// @ts-expect-error 'scatter_add' is missing from a table over KernelKind
const partialKinds: { [K in KernelKind]: number } = { elementwise: 0, reduce: 0, matmul: 0, conv2d: 0, pool2d: 0 };

// A reduce kernel's folds are its phases (one or more): no field holds one fold alone, so a walker
// cannot read the first body and miss the others.
// @ts-expect-error 'body' is not a field of ReduceKernel (its phases hold the bodies)
const loneBody = (k: ReduceKernel) => k.body;

describe('exhaustive walkers', () => {
  it('the type-level checks above are in force (this file compiles only if they are errors)', () => {
    expect(walkAll({ op: 'const', value: 1, dtype: 'f32' })).toBe(1);
    expect(walkMissingFake({ op: 'const', value: 1, dtype: 'f32' })).toBe(1);
    expect(Object.keys(partialTable)).toHaveLength(8);
    expect(Object.keys(partialKinds)).toHaveLength(5);
    expect(typeof loneBody).toBe('function');
  });

  it('an unknown node or kernel kind throws at run time instead of passing through', () => {
    const fake = { op: 'fake', dtype: 'f32' } as unknown as Expr;
    expect(() => children(fake)).toThrow(/unexpected Expr node/);
    expect(() => mapChildren(fake, (c) => c)).toThrow(/unexpected Expr node/);
    expect(() => kernelStores({ kind: 'fake' } as unknown as Kernel)).toThrow(/unexpected kernel kind/);
  });

  it('children cover every operand, including a gather index', () => {
    const idx: Expr = { op: 'index', axis: 0, dtype: 'i32' };
    const g: Expr = { op: 'gather', view: { buffer: 0, offset: 0, strides: [1] }, index: idx, stride: 1, extent: 4, dtype: 'f32' };
    expect(children(g)).toEqual([idx]);
    const swapped = mapChildren(g, () => ({ op: 'const', value: 2, dtype: 'i32' }));
    expect(swapped.op === 'gather' && swapped.index).toEqual({ op: 'const', value: 2, dtype: 'i32' });
  });
});
