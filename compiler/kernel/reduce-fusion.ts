/**
 * Multi-output reduce (used by lower.ts after fusion): a reduction over the same rows as the
 * kernel just before it — same output space, same reduced space — joins that kernel as its next
 * phases (ReduceKernel.phases), so softmax's row max and its row Σexp(x − max), or a norm's mean
 * and variance, are one kernel: one pass over the rows' points per phase, one dispatch, and the
 * rows still in cache for the second fold.
 *
 * Exact, because a kernel runs all of a point's phases in order and the later phase may read
 * what an earlier one stored only at the same output point (the rule the IR states, checked
 * here): every backend can split the output points among threads or invocations as it does for
 * one reduction. What is not fused: a later phase that reads an earlier phase's result through
 * another view (a broadcast over rows, a gather, a mask), or that writes a buffer the earlier
 * phases read or write.
 */
import type { Kernel, ReduceKernel, View } from './ir.ts';
import { forEachNode, kernelExprs, kernelReadViews, kernelWriteViews } from './expr.ts';

/**
 * Whether `v` (over the body space [shape, reduceShape] or the output space of `k`) reads, at
 * each output point, the element that the store view `w` writes there.
 */
export function samePoint(v: View, w: View, k: Pick<ReduceKernel, 'shape' | 'reduceShape'>): boolean {
  const space = [...k.shape, ...k.reduceShape];
  return v.buffer === w.buffer && v.offset === w.offset && !v.mask
    && v.strides.every((s, d) => space[d] === 1 || s === (d < k.shape.length ? w.strides[d] : 0));
}

/** Whether `next`'s phases may run after `first`'s in one kernel (see the file comment). */
function joinable(first: ReduceKernel, next: ReduceKernel): boolean {
  if (first.shape.join() !== next.shape.join() || first.reduceShape.join() !== next.reduceShape.join()) return false;
  const stored = new Map<number, View>();
  for (const v of kernelWriteViews(first)) {
    if (stored.has(v.buffer)) return false;
    stored.set(v.buffer, v);
  }
  const firstReads = new Set(kernelReadViews(first).map((v) => v.buffer));
  if (kernelWriteViews(next).some((v) => stored.has(v.buffer) || firstReads.has(v.buffer))) return false;
  // every read of an earlier phase's result is a plain load at the same point (never a gather's operand)
  let ok = true;
  for (const e of kernelExprs(next)) {
    forEachNode(e, (x) => {
      if (x.op === 'gather' && stored.has(x.view.buffer)) ok = false;
      if (x.op === 'load' && stored.has(x.view.buffer) && !samePoint(x.view, stored.get(x.view.buffer)!, next)) ok = false;
    });
  }
  return ok;
}

/**
 * Joins each reduce kernel into the reduce kernel right before it where it reads that kernel's
 * results only at the same point; `sources` (explain's op lists) follows the joined kernels.
 */
export function fuseRowReductions(kernels: readonly Kernel[], sources: Map<Kernel, string[]>): Kernel[] {
  const out: Kernel[] = [];
  for (const k of kernels) {
    const prev = out[out.length - 1];
    if (prev?.kind === 'reduce' && k.kind === 'reduce' && joinable(prev, k)) {
      const joined: ReduceKernel = { ...prev, name: `${prev.name}_${k.name}`, phases: [...prev.phases, ...k.phases] };
      sources.set(joined, [...(sources.get(prev) ?? []), ...(sources.get(k) ?? [])]);
      out[out.length - 1] = joined;
      continue;
    }
    out.push(k);
  }
  return out;
}
