/**
 * Checks a planned Program's memory layout directly (the interpreter gives every buffer its own
 * array and ignores offsets, so a bad plan would pass every interpreter test): offsets are
 * aligned and inside the arena; buffers live at the same time never overlap; persistent buffers
 * (inputs, params, state, consts, outputs) overlap nothing; a temporary is written before it is
 * read. Buffer accesses are collected here, not with the planner's own helper.
 */
import type { Expr, Kernel, Program, View } from '../../compiler/kernel/ir.ts';
import { ARENA_ALIGN } from '../../compiler/kernel/plan.ts';

const unreachable = (x: never): never => { throw new Error(`plan-check: unknown node ${JSON.stringify(x)}`); };

function exprViews(e: Expr, out: View[]): View[] {
  switch (e.op) {
    case 'load': out.push(e.view); break;
    case 'gather': out.push(e.view); exprViews(e.index, out); break;
    case 'unary': exprViews(e.a, out); break;
    case 'binary': exprViews(e.a, out); exprViews(e.b, out); break;
    case 'select': exprViews(e.cond, out); exprViews(e.a, out); exprViews(e.b, out); break;
    case 'random': exprViews(e.seed, out); break;
    case 'const': case 'index': case 'acc': break;
    default: unreachable(e);
  }
  return out;
}

/**
 * A kernel's accesses in the order it makes them: the buffers it reads, then those it writes —
 * per phase for a multi-phase reduce (a later phase may read what an earlier one wrote).
 */
function steps(k: Kernel): { reads: number[]; writes: number[] }[] {
  const storeReads = (stores: readonly { expr: Expr }[]) => stores.flatMap((s) => exprViews(s.expr, []));
  const views = k.kind === 'scatter_add' || k.kind === 'reduce' ? [] : storeReads(k.stores);
  switch (k.kind) {
    case 'elementwise': break;
    case 'scatter_add': views.push(k.indices, k.updates); break;
    case 'reduce':
      return k.phases.map((p) => ({
        reads: [...exprViews(p.body, []), ...storeReads(p.stores)].map((v) => v.buffer),
        writes: p.stores.map((s) => s.view.buffer),
      }));
    case 'matmul': views.push(k.a, k.b); break;
    case 'conv2d': views.push(k.input, k.other); break;
    case 'pool2d': views.push(k.input, ...(k.grad ? [k.grad] : [])); break;
    default: unreachable(k);
  }
  return [{ reads: views.map((v) => v.buffer), writes: k.kind === 'scatter_add' ? [k.out.buffer] : k.stores.map((s) => s.view.buffer) }];
}

/** null when the plan is sound, else what is wrong (naming the buffers and kernels) */
export function checkPlan(program: Program): string | null {
  const { buffers, kernels, arenaBytes } = program;
  const name = (id: number) => `${buffers[id]!.name} (${buffers[id]!.role}, ${buffers[id]!.offset}+${buffers[id]!.size * 4})`;
  for (const b of buffers) {
    if (b.offset % ARENA_ALIGN !== 0) return `${name(b.id)} is not ${ARENA_ALIGN}-byte aligned`;
    if (b.offset + b.size * 4 > arenaBytes) return `${name(b.id)} ends past the arena (${arenaBytes} bytes)`;
  }
  const first = new Map<number, number>(), last = new Map<number, number>();
  const touch = (id: number, i: number) => { if (!first.has(id)) first.set(id, i); last.set(id, i); };
  for (const [i, k] of kernels.entries()) {
    for (const step of steps(k)) {
      for (const id of step.reads) {
        if (buffers[id]!.role === 'temp' && !first.has(id)) return `kernel ${i} (${k.name}) reads temporary ${name(id)} before any kernel writes it`;
        touch(id, i);
      }
      for (const id of step.writes) touch(id, i);
    }
  }
  const persistent = (id: number) => buffers[id]!.role !== 'temp';
  const live = buffers.filter((b) => persistent(b.id) || first.has(b.id));
  for (let x = 0; x < live.length; x++) {
    for (let y = x + 1; y < live.length; y++) {
      const a = live[x]!, b = live[y]!;
      const together = persistent(a.id) || persistent(b.id) || (first.get(a.id)! <= last.get(b.id)! && first.get(b.id)! <= last.get(a.id)!);
      const overlap = a.offset < b.offset + b.size * 4 && b.offset < a.offset + a.size * 4;
      if (together && overlap) return `${name(a.id)} and ${name(b.id)} overlap while both are live`;
    }
  }
  return null;
}
