/**
 * In-place hazards within one kernel. A kernel may overwrite a buffer it also reads only when
 * every read of that buffer is the very element the same point writes, read by a store's own
 * expression (or epilogue): every backend evaluates all of a point's stores before writing any,
 * but nothing orders one point against another (WASM runs them in some loop order, WebGPU in
 * parallel). A read through another view (a transpose, a broadcast, a reduction's body, a
 * matmul/conv/pool operand) could see another point's new value.
 */
import { assertNever } from '../util/never.ts';
import { forEachNode, kernelOperandViews, kernelStores, kernelWriteViews, viewsOf } from './expr.ts';
import type { Expr, Kernel, View } from './ir.ts';
import { samePoint } from './reduce-fusion.ts';

/** the iteration space of a kernel's stores */
function storeSpace(k: Kernel): number[] {
  switch (k.kind) {
    case 'elementwise': case 'reduce': return k.shape;
    case 'matmul': return [k.batch, k.m, k.n];
    case 'conv2d': {
      const g = k.geometry;
      return k.mode === 'forward' ? [g.batch, g.outChannels, g.outHeight, g.outWidth]
        : k.mode === 'input_grad' ? [g.batch, g.inChannels, g.inHeight, g.inWidth]
        : [g.outChannels, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth];
    }
    case 'pool2d': {
      const g = k.geometry;
      return k.mode === 'max' || k.mode === 'avg' ? [g.batch, g.channels, g.outHeight, g.outWidth] : [g.batch, g.channels, g.inHeight, g.inWidth];
    }
    case 'scatter_add': return k.shape;
    default: return assertNever(k, 'kernel kind');
  }
}

/** the plain loads of an expression (gathers are reported separately: they read any element) */
function loads(e: Expr, out: View[]): View[] {
  forEachNode(e, (n) => { if (n.op === 'load') out.push(n.view); });
  return out;
}

function gathers(e: Expr, out: View[]): View[] {
  forEachNode(e, (n) => { if (n.op === 'gather') out.push(n.view); });
  return out;
}

/**
 * views the kernel reads outside its stores' expressions (a whole window or row per point); a
 * reduce phase's body reading an earlier phase's result at the same point is left out: that
 * point's earlier phases have run (ReduceKernel.phases)
 */
function operandViews(k: Kernel): View[] {
  if (k.kind !== 'reduce') return kernelOperandViews(k);
  return k.phases.flatMap((p, i) => {
    const earlier = k.phases.slice(0, i).flatMap((q) => q.stores.map((s) => s.view));
    return viewsOf(p.body).filter((v) => !earlier.some((w) => samePoint(v, w, k)));
  });
}

/** same elements at every point of `space` (strides along extent-1 axes never matter) */
function sameElements(a: View, b: View, space: readonly number[]): boolean {
  return a.buffer === b.buffer && a.offset === b.offset && space.every((n, d) => n === 1 || a.strides[d] === b.strides[d]);
}

/**
 * Why `kernel` is unsafe to run as one kernel (a sentence naming the buffer), or null when every
 * buffer it writes is read, if at all, only at the element the same point writes.
 */
export function checkUpdateHazards(kernel: Kernel): string | null {
  const space = storeSpace(kernel);
  const written = new Map<number, View>();
  for (const v of kernelWriteViews(kernel)) {
    if (written.has(v.buffer)) return `two stores of ${kernel.name} write buffer ${v.buffer}`;
    written.set(v.buffer, v);
  }
  for (const v of operandViews(kernel)) {
    if (written.has(v.buffer)) return `${kernel.name} reads buffer ${v.buffer} as an operand while it writes it`;
  }
  for (const s of kernelStores(kernel)) {
    for (const v of gathers(s.expr, [])) {
      if (written.has(v.buffer)) return `${kernel.name} gathers from buffer ${v.buffer} while it writes it`;
    }
    for (const v of loads(s.expr, [])) {
      const w = written.get(v.buffer);
      if (w && !sameElements(v, w, space)) return `${kernel.name} reads buffer ${v.buffer} through another view than it writes it`;
    }
  }
  return null;
}
