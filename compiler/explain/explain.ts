/**
 * Explain: what the optimizer did to a graph — passes and node counts, the kernels and the graph
 * ops each one fuses, and the memory plan against its lower bound.
 */
import type { Graph } from '../ir/graph.ts';
import { compileProgram } from '../compile.ts';
import type { PassReport } from '../passes/optimize.ts';

export interface KernelSummary {
  name: string;
  kind: string;
  /** graph ops computed by this kernel, in order */
  fuses: string[];
}

export interface Explanation {
  graph: string;
  passes: PassReport[];
  nodes_before: number;
  nodes_after: number;
  kernels: number;
  kernel_list: KernelSummary[];
  arena_bytes: number;
  lower_bound_bytes: number;
  persistent_bytes: number;
  graphBefore: Graph;
  graphAfter: Graph;
}

export function explain(graph: Graph): Explanation {
  const { program, plan, report } = compileProgram(graph);
  return {
    graph: graph.name,
    passes: report.passes,
    nodes_before: report.nodesBefore,
    nodes_after: report.nodesAfter,
    kernels: program.kernels.length,
    kernel_list: program.kernels.map((k, i) => ({ name: k.name, kind: k.kind, fuses: program.sources?.[i] ?? [] })),
    arena_bytes: plan.arenaBytes,
    lower_bound_bytes: plan.lowerBoundBytes,
    persistent_bytes: plan.persistentBytes,
    graphBefore: report.graphBefore,
    graphAfter: report.graphAfter,
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** The explanation as text for a terminal. */
export function formatExplanation(e: Explanation): string {
  const lines = [`graph ${e.graph}: ${e.nodes_before} nodes → ${e.nodes_after} after canonicalization → ${e.kernels} kernels`, '', 'passes:'];
  for (const p of e.passes) if (p.nodesBefore !== p.nodesAfter) lines.push(`  ${p.name.padEnd(58)} ${p.nodesBefore} → ${p.nodesAfter}`);
  lines.push('', 'kernels:');
  e.kernel_list.forEach((k, i) => lines.push(`  ${String(i).padStart(3)} ${k.kind.padEnd(11)} ${k.fuses.join(' → ')}`));
  lines.push('', `memory: arena ${kb(e.arena_bytes)} (persistent ${kb(e.persistent_bytes)}), lower bound ${kb(e.lower_bound_bytes)}`);
  return lines.join('\n');
}
