/**
 * Symbolic reverse-mode differentiation, graph to graph: walks the graph backwards from a scalar
 * loss, applies each op's VJP rule (which emits ordinary IR ops) and sums the cotangents that
 * reach each tensor. The result is part of the same graph, so it is optimized and lowered like
 * any forward computation.
 */
import { GraphError, userCallSite } from '../ir/errors.ts';
import type { Graph, Tensor } from '../ir/graph.ts';
import { fmtType } from '../ir/types.ts';
import { rules } from '../ops/index.ts';
import * as F from '../frontend/math.ts';

/** d loss / d t for each t in `wrt` (zeros where the loss does not depend on t). */
export function gradients(loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
  const g = loss.graph;
  if (loss.size !== 1) throw new GraphError(`gradients: the loss must be a scalar, got ${fmtType(loss)}`, userCallSite());
  if (loss.dtype !== 'f32') throw new GraphError(`gradients: the loss must be f32, got ${fmtType(loss)}`, userCallSite());
  wrt.forEach((t, i) => {
    if (t.graph !== g) throw new GraphError(`gradients: wrt[${i}] ${t} belongs to graph "${t.graph.name}", but the loss is in graph "${g.name}"`, userCallSite());
    if (t.dtype !== 'f32') throw new GraphError(`gradients: wrt[${i}] ${t} is ${t.dtype}; only f32 tensors have gradients`, userCallSite());
  });
  // only tensors on a path from some wrt to the loss need cotangents
  const dependsOnWrt = new Set<Tensor>(wrt);
  for (const n of g.nodes) if (n.inputs.some((i) => dependsOnWrt.has(i))) dependsOnWrt.add(n);
  const cts = new Map<Tensor, Tensor>();
  cts.set(loss, F.broadcastTo(g.constant(1), loss.shape));
  for (let i = loss.id; i >= 0; i--) {
    const n = g.nodes[i]!;
    const ct = cts.get(n);
    if (!ct || n.isLeaf()) continue;
    const rule = rules[n.op as keyof typeof rules];
    const inCts = (rule.vjp as (c: Tensor, ins: readonly Tensor[], out: Tensor, a: unknown) => (Tensor | null)[])(ct, n.inputs, n, n.attrs);
    n.inputs.forEach((input, k) => {
      const c = inCts[k];
      if (!c || !dependsOnWrt.has(input) || input.dtype !== 'f32') return;
      const prev = cts.get(input);
      cts.set(input, prev ? F.add(prev, c) : c);
    });
  }
  return wrt.map((t) => cts.get(t) ?? F.broadcastTo(g.constant(0), t.shape));
}

/**
 * A new graph that also outputs `grad/<name>` for each param in `params` (default: all).
 * The input graph is not changed.
 */
export function grad(graph: Graph, loss: string, params?: readonly string[]): Graph {
  const { graph: g } = graph.clone(`${graph.name}.grad`);
  const l = g.outputs.get(loss);
  if (!l) throw new GraphError(`grad: graph "${graph.name}" has no output "${loss}"; outputs are ${[...g.outputs.keys()].join(', ')}`, userCallSite());
  const names = params ?? [...g.params.keys()];
  const ps = names.map((n) => {
    const p = g.params.get(n);
    if (!p) throw new GraphError(`grad: no param "${n}"; params are ${[...g.params.keys()].join(', ')}`, userCallSite());
    return p;
  });
  gradients(l, ps).forEach((d, i) => g.output(`grad/${names[i]}`, d));
  return g;
}
