/**
 * Graph rewriting by reconstruction: walks a graph in order and rebuilds it node by node into a
 * fresh graph, letting a rewrite function replace any node with an equivalent tensor of the new
 * graph. Leaves, outputs and updates carry over by name.
 */
import { Graph, type Tensor } from '../ir/graph.ts';
import type { OpAttrs, OpName } from '../ops/attrs.ts';

export interface RewriteContext {
  graph: Graph;
  /** emits a primitive in the new graph (shape rules re-run) */
  emit<K extends OpName>(op: K, inputs: Tensor[], attrs: OpAttrs[K]): Tensor;
}

/** Returns a replacement for `node` (whose inputs are already rewritten), or undefined to keep it. */
export type Rewrite = (node: Tensor, inputs: Tensor[], ctx: RewriteContext) => Tensor | undefined;

export interface RebuildOptions {
  /** keep only these nodes (and every declared input) */
  only?: Set<Tensor>;
  /** one constant node per distinct value */
  dedupConsts?: boolean;
}

export function rebuild(graph: Graph, rewrite: Rewrite, options: RebuildOptions = {}): Graph {
  const { only, dedupConsts } = options;
  const consts = new Map<string, Tensor>();
  const g = new Graph(graph.name);
  const map = new Map<Tensor, Tensor>();
  const ctx: RewriteContext = { graph: g, emit: (op, inputs, attrs) => g.apply(op, inputs, attrs) };
  for (const n of graph.nodes) {
    if (only && !only.has(n) && !graph.inputs.has(n.name ?? '')) continue;
    let t: Tensor;
    switch (n.op) {
      case 'input': t = g.input(n.name!, n.shape, n.dtype); break;
      case 'param': t = g.param(n.name!, n.shape, n.value as Float32Array); break;
      case 'state': t = g.stateTensor(n.name!, n.shape, n.value!, n.dtype); break;
      case 'const': {
        const key = `${n.dtype}:${n.shape.join('x')}:${Array.from(n.value!).join(',')}`;
        const hit = dedupConsts ? consts.get(key) : undefined;
        t = hit ?? g.constant(n.value!, n.shape, n.dtype);
        consts.set(key, t);
        break;
      }
      default: {
        const ins = n.inputs.map((i) => map.get(i)!);
        t = rewrite(n, ins, ctx) ?? g.apply(n.op as OpName, ins, n.attrs as never, n.callSite);
      }
    }
    map.set(n, t);
  }
  for (const [name, t] of graph.outputs) g.output(name, map.get(t)!);
  for (const [target, v] of graph.updates) g.update(map.get(target)!, map.get(v)!);
  return g;
}
