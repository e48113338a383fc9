/**
 * The reference interpreter: the oracle every backend and pass is tested against. It lowers the
 * graph with one kernel per op (no fusion) and runs the kernel-IR semantics in float64.
 */
import type { Graph } from '../ir/graph.ts';
import { sizeOf } from '../ir/types.ts';
import { allocateMemory, runProgram } from '../kernel/interpret.ts';
import { lowerGraph } from '../kernel/lower.ts';

export interface EvalResult {
  outputs: Record<string, Float64Array>;
  /** new values of updated params and state, by name */
  updates: Record<string, Float64Array>;
}

export interface EvalOptions {
  /** override param/state values (by name) instead of their initial values */
  values?: Record<string, ArrayLike<number>>;
}

export function evaluate(graph: Graph, feeds: Record<string, ArrayLike<number> | number>, options: EvalOptions = {}): EvalResult {
  const program = lowerGraph(graph, { fuse: false });
  const mem = allocateMemory(program);
  const bufferByName = new Map(program.buffers.filter((b) => b.role !== 'temp' && b.role !== 'output').map((b) => [b.name, b]));
  for (const name of Object.keys(feeds)) if (!graph.inputs.has(name)) throw new Error(`evaluate: unknown input "${name}"; inputs are ${[...graph.inputs.keys()].join(', ')}`);
  for (const [name, t] of graph.inputs) {
    const raw = feeds[name];
    if (raw === undefined) throw new Error(`evaluate: missing input "${name}" (${t.dtype}[${t.shape.join(', ')}])`);
    const data = typeof raw === 'number' ? [raw] : raw;
    if (data.length !== sizeOf(t.shape)) throw new Error(`evaluate: input "${name}" expects ${sizeOf(t.shape)} elements, got ${data.length}`);
    const b = bufferByName.get(name);
    if (b) mem.get(b.id)!.set(Array.from(data));
  }
  for (const [name, data] of Object.entries(options.values ?? {})) {
    const b = bufferByName.get(name);
    if (!b || (b.role !== 'param' && b.role !== 'state')) throw new Error(`evaluate: unknown param/state "${name}"`);
    if (data.length !== b.size) throw new Error(`evaluate: "${name}" expects ${b.size} elements, got ${data.length}`);
    mem.get(b.id)!.set(Array.from(data));
  }
  runProgram(program, mem);
  const outputs: Record<string, Float64Array> = {};
  for (const o of program.outputs) outputs[o.name] = Float64Array.from(mem.get(o.buffer)!);
  const updates: Record<string, Float64Array> = {};
  for (const target of graph.updates.keys()) {
    const b = bufferByName.get(target.name!);
    if (b) updates[target.name!] = Float64Array.from(mem.get(b.id)!);
  }
  return { outputs, updates };
}
