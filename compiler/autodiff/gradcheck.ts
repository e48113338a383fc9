/**
 * Gradient check: compares a graph's symbolic gradients with central finite differences computed
 * in float64 by the reference interpreter, and reports the worst relative error per tensor.
 */
import type { Graph, Tensor } from '../ir/graph.ts';
import { allocateMemory, runProgram } from '../kernel/interpret.ts';
import { lowerGraph } from '../kernel/lower.ts';
import type { Program } from '../kernel/ir.ts';
import { gradients } from './grad.ts';

export interface GradCheckOptions {
  /** params or inputs (by name) to check; default: all params */
  wrt?: string[];
  /** finite-difference step (default 1e-6) */
  eps?: number;
  /** check at most this many elements per tensor, spread evenly (default: all) */
  maxElements?: number;
  /** values for params/state instead of their initial values */
  values?: Record<string, ArrayLike<number>>;
}

export interface GradCheckReport {
  /** name → worst |symbolic − numeric| / max(1, |numeric|) over the checked elements */
  worst: Record<string, number>;
  checkedElements: Record<string, number>;
}

/** `loss` names a scalar output of `graph`; feeds fill its inputs. */
export function gradCheck(graph: Graph, loss: string, feeds: Record<string, ArrayLike<number> | number>, o: GradCheckOptions = {}): GradCheckReport {
  const { graph: g } = graph.clone(`${graph.name}.gradcheck`);
  const l = g.outputs.get(loss);
  if (!l) throw new Error(`gradCheck: graph "${graph.name}" has no output "${loss}"`);
  const names = o.wrt ?? [...g.params.keys()];
  const targets: Tensor[] = names.map((n) => {
    const t = g.params.get(n) ?? g.inputs.get(n) ?? g.state.get(n);
    if (!t) throw new Error(`gradCheck: no param or input "${n}"`);
    return t;
  });
  gradients(l, targets).forEach((d, i) => g.output(`__grad/${names[i]}`, d));
  const program = lowerGraph(g, { fuse: false });
  const base = allocateMemory(program);
  const leafBuffer = (name: string) => program.buffers.find((b) => b.name === name && b.role !== 'temp' && b.role !== 'output');
  const fill = (mem: ReturnType<typeof allocateMemory>) => {
    for (const [name, v] of Object.entries(feeds)) { const b = leafBuffer(name); if (b) mem.get(b.id)!.set(typeof v === 'number' ? [v] : Array.from(v)); }
    for (const [name, v] of Object.entries(o.values ?? {})) { const b = leafBuffer(name); if (b) mem.get(b.id)!.set(Array.from(v)); }
  };
  fill(base);
  const run = (p: Program, mem: ReturnType<typeof allocateMemory>) => { runProgram(p, mem); };
  run(program, base);
  const out = (name: string, mem: ReturnType<typeof allocateMemory>) => mem.get(program.outputs.find((x) => x.name === name)!.buffer)!;
  const eps = o.eps ?? 1e-6;
  const worst: Record<string, number> = {};
  const checked: Record<string, number> = {};
  for (const name of names) {
    const symbolic = Float64Array.from(out(`__grad/${name}`, base));
    const b = leafBuffer(name);
    worst[name] = 0;
    checked[name] = 0;
    if (!b) continue; // the loss does not read it: the gradient must be zero
    const n = b.size;
    const count = Math.min(n, o.maxElements ?? n);
    for (let j = 0; j < count; j++) {
      const i = Math.floor((j * n) / count);
      const probe = (delta: number) => {
        const mem = allocateMemory(program);
        fill(mem);
        mem.get(b.id)![i] = base.get(b.id)![i]! + delta;
        run(program, mem);
        return out(loss, mem)[0]!;
      };
      const numeric = (probe(eps) - probe(-eps)) / (2 * eps);
      const err = Math.abs(symbolic[i]! - numeric) / Math.max(1, Math.abs(numeric));
      worst[name] = Math.max(worst[name]!, err);
      checked[name]!++;
    }
  }
  return { worst, checkedElements: checked };
}
