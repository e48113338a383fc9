/** Graph pictures: the graph as Graphviz DOT, laid out and rendered to SVG by @viz-js/viz. */
import type { Graph } from '../ir/graph.ts';
import { liveNodes } from '../passes/dce.ts';
import { fmtShape } from '../ir/types.ts';

const COLORS: Record<string, string> = { input: '#cfe8ff', param: '#ffe9b3', state: '#f3d9ff', const: '#eeeeee' };

export function toDot(graph: Graph): string {
  const nodes = liveNodes(graph);
  const outputs = new Map([...graph.outputs].map(([name, t]) => [t, name]));
  const esc = (s: string) => s.replace(/"/g, '\\"');
  const lines = [`digraph "${esc(graph.name)}" {`, '  rankdir=TB; node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=10]; edge [color="#888888"];'];
  for (const n of nodes) {
    const label = `${n.name ?? n.op}\\n${n.dtype}${fmtShape(n.shape)}${outputs.has(n) ? `\\n→ ${outputs.get(n)}` : ''}`;
    const fill = COLORS[n.op] ?? (outputs.has(n) ? '#c8f7c5' : '#ffffff');
    lines.push(`  n${n.id} [label="${esc(label)}", fillcolor="${fill}"];`);
    for (const i of n.inputs) lines.push(`  n${i.id} -> n${n.id};`);
  }
  for (const [target, v] of graph.updates) lines.push(`  n${v.id} -> n${target.id} [style=dashed, color="#cc6600", label="update"];`);
  lines.push('}');
  return lines.join('\n');
}

export async function graphSvg(graph: Graph): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  return viz.renderString(toDot(graph), { format: 'svg', engine: 'dot' });
}
