/**
 * The optimizer pipeline: graph canonicalization to a fixed point, then lowering with fusion
 * into the kernel IR (kernel/lower.ts) — the one optimized program both backends render.
 */
import type { Graph } from '../ir/graph.ts';
import type { Program } from '../kernel/ir.ts';
import { lowerGraph, liveNodes } from '../kernel/lower.ts';
import { eliminateCommonSubexpressions, eliminateDeadCode, foldConstants, simplify } from './canonicalize.ts';
import { rebuild } from './rebuild.ts';
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

const PASSES: [string, (g: Graph) => Graph][] = [
  ['dead-code elimination', eliminateDeadCode],
  ['common-subexpression elimination', eliminateCommonSubexpressions],
  ['constant folding', (g) => rebuild(g, foldConstants)],
  ['algebraic simplification', (g) => rebuild(g, simplify)],
];

/** Runs the canonicalization passes until the graph stops shrinking (at most 4 rounds). */
export function canonicalize(graph: Graph): { graph: Graph; passes: PassReport[] } {
  let g = graph;
  const passes: PassReport[] = [];
  for (let round = 0; round < 4; round++) {
    const start = liveNodes(g).length;
    for (const [name, pass] of PASSES) {
      const before = liveNodes(g).length;
      g = pass(g);
      passes.push({ name, nodesBefore: before, nodesAfter: liveNodes(g).length });
    }
    g = eliminateDeadCode(g);
    if (liveNodes(g).length >= start) break;
  }
  return { graph: g, passes };
}

export function optimize(graph: Graph, options: { layout?: ActivationLayout } = {}): { program: Program; report: OptimizeReport } {
  const nodesBefore = liveNodes(graph).length;
  const { graph: canonical, passes } = canonicalize(graph);
  const program = lowerGraph(canonical, { fuse: true, ...options });
  return { program, report: { passes, nodesBefore, nodesAfter: liveNodes(canonical).length, graphBefore: graph, graphAfter: canonical } };
}
