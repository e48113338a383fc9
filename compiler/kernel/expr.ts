/**
 * The one child traversal over kernel-IR expressions and kernels. Every walker (views, buffers,
 * costs, index use, rewrites, renderers' helpers) is built on `children`/`mapChildren`, whose
 * switches are exhaustive (`assertNever`): a new Expr node that is not listed here is a type
 * error, never a node some walker silently skips.
 */
import { assertNever } from '../util/never.ts';
import type { Expr, Kernel, ReduceKernel, ReducePhase, Store, View } from './ir.ts';

/** The sub-expressions of `e` (operands, a gather's index, a random's seed). */
export function children(e: Expr): Expr[] {
  switch (e.op) {
    case 'load': case 'const': case 'index': case 'acc': return [];
    case 'unary': return [e.a];
    case 'binary': return [e.a, e.b];
    case 'select': return [e.cond, e.a, e.b];
    case 'random': return [e.seed];
    case 'gather': return [e.index];
    default: return assertNever(e, 'Expr node');
  }
}

/** `e` with each child replaced by `f(child)` (the node itself is copied only if a child changed). */
export function mapChildren(e: Expr, f: (c: Expr) => Expr): Expr {
  switch (e.op) {
    case 'load': case 'const': case 'index': case 'acc': return e;
    case 'unary': { const a = f(e.a); return a === e.a ? e : { ...e, a }; }
    case 'binary': { const a = f(e.a), b = f(e.b); return a === e.a && b === e.b ? e : { ...e, a, b }; }
    case 'select': {
      const cond = f(e.cond), a = f(e.a), b = f(e.b);
      return cond === e.cond && a === e.a && b === e.b ? e : { ...e, cond, a, b };
    }
    case 'random': { const seed = f(e.seed); return seed === e.seed ? e : { ...e, seed }; }
    case 'gather': { const index = f(e.index); return index === e.index ? e : { ...e, index }; }
    default: return assertNever(e, 'Expr node');
  }
}

/** The view a node reads memory through directly (load and gather), if any. */
export function ownView(e: Expr): View | undefined {
  return e.op === 'load' || e.op === 'gather' ? e.view : undefined;
}

/** Rebuilds `e` bottom-up; where `fn` returns an Expr, that replaces the node (its children unvisited). */
export function mapExpr(e: Expr, fn: (e: Expr) => Expr | undefined): Expr {
  const hit = fn(e);
  if (hit) return hit;
  return mapChildren(e, (c) => mapExpr(c, fn));
}

/** Pre-order visit of every node. */
export function forEachNode(e: Expr, fn: (e: Expr) => void): void {
  fn(e);
  for (const c of children(e)) forEachNode(c, fn);
}

export function someExpr(e: Expr, pred: (e: Expr) => boolean): boolean {
  return pred(e) || children(e).some((c) => someExpr(c, pred));
}

/** Every view an expression reads (loads and gathers, including inside gather indices). */
export function viewsOf(e: Expr, out: View[] = []): View[] {
  forEachNode(e, (x) => { const v = ownView(x); if (v) out.push(v); });
  return out;
}

/** `e` with every load's and gather's view replaced by `f(view)`. */
export function mapViews(e: Expr, f: (v: View) => View): Expr {
  return mapExpr(e, (x) => {
    if (x.op === 'load') return { ...x, view: f(x.view) };
    if (x.op === 'gather') return { ...x, view: f(x.view), index: mapViews(x.index, f) };
    return undefined;
  });
}

/** Whether `e` reads the loop index (the `index` op) of any axis in `axes`. */
export function usesIndex(e: Expr, axes: ReadonlySet<number>): boolean {
  return someExpr(e, (x) => x.op === 'index' && axes.has(x.axis));
}

/** One phase of a reduce kernel over the kernel's space: what a renderer emits as one loop nest. */
export interface ReduceNest extends ReducePhase {
  name: string;
  shape: number[];
  reduceShape: number[];
}

/** A reduce kernel's phases in the order they run at each point, each with the kernel's space. */
export function reduceNests(k: ReduceKernel): ReduceNest[] {
  return k.phases.map((p) => ({ name: k.name, shape: k.shape, reduceShape: k.reduceShape, ...p }));
}

/** The stores (epilogues) of a kernel, every reduce phase's; scatter_add has none (it writes `out` directly). */
export function kernelStores(k: Kernel): Store[] {
  switch (k.kind) {
    case 'elementwise': case 'matmul': case 'conv2d': case 'pool2d': return k.stores;
    case 'reduce': return k.phases.flatMap((p) => p.stores);
    case 'scatter_add': return [];
    default: return assertNever(k, 'kernel kind');
  }
}

/** Every expression of a kernel (its stores' and every reduce phase's body). */
export function kernelExprs(k: Kernel): Expr[] {
  const stores = kernelStores(k).map((s) => s.expr);
  return k.kind === 'reduce' ? [...k.phases.map((p) => p.body), ...stores] : stores;
}

/** Every view a kernel writes. */
export function kernelWriteViews(k: Kernel): View[] {
  return k.kind === 'scatter_add' ? [k.out] : kernelStores(k).map((s) => s.view);
}

/** The operand views a kernel reads outside its expressions (matmul/conv/pool/scatter operands). */
export function kernelOperandViews(k: Kernel): View[] {
  switch (k.kind) {
    case 'elementwise': case 'reduce': return [];
    case 'matmul': return [k.a, k.b];
    case 'conv2d': return [k.input, k.other];
    case 'pool2d': return k.grad ? [k.input, k.grad] : [k.input];
    case 'scatter_add': return [k.indices, k.updates];
    default: return assertNever(k, 'kernel kind');
  }
}

/** Every view a kernel reads: operands and every load/gather in its expressions. */
export function kernelReadViews(k: Kernel): View[] {
  const out = [...kernelOperandViews(k)];
  for (const e of kernelExprs(k)) viewsOf(e, out);
  return out;
}
