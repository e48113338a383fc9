/** Graph-level dead-code elimination. */
import type { Graph, Tensor } from '../ir/graph.ts';

/** Graph nodes needed for the outputs and updates, in graph (topological) order. */
export function liveNodes(graph: Graph): Tensor[] {
  const live = new Set<Tensor>();
  const stack = [...graph.outputs.values(), ...graph.updates.values(), ...graph.updates.keys()];
  while (stack.length) {
    const t = stack.pop()!;
    if (live.has(t)) continue;
    live.add(t);
    stack.push(...t.inputs);
  }
  return graph.nodes.filter((n) => live.has(n));
}
