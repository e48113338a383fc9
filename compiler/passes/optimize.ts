/**
 * The optimizer pipeline: graph canonicalization to a fixed point, then lowering with fusion
 * into the kernel IR (kernel/lower.ts) — the one optimized program both backends render.
 */
import type { Graph } from '../ir/graph.ts';
import type { Program } from '../kernel/ir.ts';
import { lowerGraph } from '../kernel/lower.ts';
import { liveNodes } from './dce.ts';
import { canonicalSweep, type RewriteCounts } from './canonicalize.ts';
import type { ActivationLayout } from '../kernel/layout.ts';

export interface PassReport {
  name: string;
  nodesBefore: number;
  nodesAfter: number;
}

export interface OptimizeReport {
  passes: PassReport[];
  /** live nodes of the input graph */
  nodesBefore: number;
  /** nodes of the canonical graph */
  nodesAfter: number;
  graphBefore: Graph;
  graphAfter: Graph;
}

/**
 * Canonical sweeps — each one drops dead code and folds, simplifies and merges nodes in a single
 * rebuild — until a sweep rewrites nothing (at most 4 sweeps).
 */
export function canonicalize(graph: Graph): { graph: Graph; passes: PassReport[] } {
  const passes: PassReport[] = [];
  let g = graph;
  let nodes = graph.nodes.length;
  for (let sweep = 1; sweep <= 4; sweep++) {
    const live = liveNodes(g);
    const counts: RewriteCounts = { folded: 0, simplified: 0, merged: 0 };
    g = canonicalSweep(g, counts, new Set(live));
    const after = liveNodes(g).length;
    const detail = `dead ${nodes - live.length}, folded ${counts.folded}, simplified ${counts.simplified}, merged ${counts.merged}`;
    passes.push({ name: `canonical sweep ${sweep} (${detail})`, nodesBefore: nodes, nodesAfter: after });
    nodes = g.nodes.length;
    if (counts.folded + counts.simplified + counts.merged === 0) break;
  }
  return { graph: g, passes };
}

export function optimize(graph: Graph, options: { layout?: ActivationLayout } = {}): { program: Program; report: OptimizeReport } {
  const nodesBefore = liveNodes(graph).length;
  const { graph: canonical, passes } = canonicalize(graph);
  const program = lowerGraph(canonical, { fuse: true, ...options });
  return { program, report: { passes, nodesBefore, nodesAfter: liveNodes(canonical).length, graphBefore: graph, graphAfter: canonical } };
}
