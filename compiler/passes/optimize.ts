/**
 * The optimizer pipeline: graph-level canonicalization, then lowering with fusion.
 */
import type { Graph } from '../ir/graph.ts';
import type { Program } from '../kernel/ir.ts';
import { liveNodes, lowerGraph } from '../kernel/lower.ts';

export interface OptimizeReport {
  passes: string[];
  nodesBefore: number;
  nodesAfter: number;
}

export function optimize(graph: Graph): { program: Program; report: OptimizeReport } {
  const nodesBefore = graph.nodes.length;
  const live = liveNodes(graph);
  const program = lowerGraph(graph, { fuse: true });
  return { program, report: { passes: ['dce', 'lower+fuse'], nodesBefore, nodesAfter: live.length } };
}
