/**
 * The memory planner itself (kernel/plan.ts). The interpreter gives every buffer its own array
 * and ignores offsets, so the plan is checked directly (test/fuzz/plan-check.ts): aligned offsets
 * inside the arena, no two buffers live at the same time overlapping, persistent buffers aliasing
 * nothing — for random kernel programs, the fuzz graphs' fused programs and a CNN training step.
 */
import { describe, expect, it } from 'vitest';
import { Graph, losses, nn, optim, trainStep } from '../../compiler/index.ts';
import { compileProgram } from '../../compiler/compile.ts';
import { planMemory } from '../../compiler/kernel/plan.ts';
import type { BufferDecl, BufferRole, ElementwiseKernel, Kernel, Program } from '../../compiler/kernel/ir.ts';
import { Rng } from '../../compiler/frontend/init.ts';
import { fashionSimpleNet } from '../../examples/fashion-simple-net.ts';
import { checkPlan } from '../fuzz/plan-check.ts';
import { fuzzGraph } from '../fuzz/generate.ts';

/** A random chain of elementwise kernels over flat buffers of random sizes: each reads one or two earlier buffers and writes a new one. */
function randomProgram(seed: number): Program {
  const rng = new Rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  const buffers: BufferDecl[] = [];
  const add = (role: BufferRole, size: number) => {
    buffers.push({ id: buffers.length, name: `${role}${buffers.length}`, role, dtype: 'f32', size, shape: [size], offset: 0 });
    return buffers.length - 1;
  };
  const sizes = [1, 3, 4, 5, 16, 17, 64, 100];
  const sources = [add('input', sizes[int(0, 7)]!), add('param', sizes[int(0, 7)]!)];
  const kernels: Kernel[] = [];
  for (let k = 0; k < int(3, 25); k++) {
    const size = sizes[int(0, 7)]!;
    const out = add(rng.next() < 0.15 ? 'output' : 'temp', size);
    const read = () => sources[int(Math.max(0, sources.length - 6), sources.length - 1)]!;
    const load = (b: number) => ({ op: 'load' as const, view: { buffer: b, offset: 0, strides: [buffers[b]!.size >= size ? 1 : 0] }, dtype: 'f32' as const });
    const expr = rng.next() < 0.5 ? load(read()) : { op: 'binary' as const, fn: 'add' as const, a: load(read()), b: load(read()), dtype: 'f32' as const };
    kernels.push({ kind: 'elementwise', name: `k${k}`, shape: [size], stores: [{ view: { buffer: out, offset: 0, strides: [1] }, expr }] });
    sources.push(out);
  }
  const byRole = (r: BufferRole) => buffers.filter((b) => b.role === r).map((b) => ({ name: b.name, buffer: b.id }));
  return { buffers, kernels, arenaBytes: 0, inputs: byRole('input'), outputs: byRole('output'), params: byRole('param'), state: [] };
}

describe('memory planner', () => {
  it('random kernel programs: aligned, inside the arena, no live buffers overlap', () => {
    let reused = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const program = randomProgram(seed);
      const plan = planMemory(program);
      expect(checkPlan(program), `seed ${seed}`).toBeNull();
      expect(plan.arenaBytes).toBeGreaterThanOrEqual(plan.lowerBoundBytes);
      const temps = program.buffers.filter((b) => b.role === 'temp');
      if (new Set(temps.map((b) => b.offset)).size < temps.length) reused++;
    }
    expect(reused).toBeGreaterThan(100); // the plans really do share memory between temporaries
  });

  it('the fused programs of random graphs', () => {
    for (let seed = 1; seed <= 40; seed++) expect(checkPlan(compileProgram(fuzzGraph(seed).graph).program), `seed ${seed}`).toBeNull();
  });

  it('the FashionSimpleNet training step (batch 8, Adam)', () => {
    const g = new Graph('fsn');
    const x = g.input('x', [8, 1, 28, 28]);
    const y = g.input('y', [8], 'i32');
    g.output('loss', losses.softmaxCrossEntropy(fashionSimpleNet(x, new nn.ModelContext(g, { training: true })), y));
    const { program } = compileProgram(trainStep(g, { optimizer: optim.adam({ lr: 1e-3 }) }));
    expect(checkPlan(program)).toBeNull();
  });

  it('the check itself finds overlapping live buffers and misalignment', () => {
    const program = randomProgram(7);
    planMemory(program);
    const temps = program.buffers.filter((b) => b.role === 'temp');
    const bad = structuredClone(program);
    // two temporaries that are live together (written by consecutive kernels, the second reading the first)
    const ks = bad.kernels as ElementwiseKernel[]; // randomProgram makes elementwise kernels only
    const [a, b] = [ks[0]!.stores[0]!.view.buffer, ks[1]!.stores[0]!.view.buffer];
    bad.buffers[b]!.offset = bad.buffers[a]!.offset;
    bad.kernels[1] = { ...ks[1]!, stores: [{ ...ks[1]!.stores[0]!, expr: { op: 'load', view: { buffer: a, offset: 0, strides: [0] }, dtype: 'f32' } }] } as Kernel;
    expect(checkPlan(bad)).toMatch(/overlap while both are live/);
    const misaligned = structuredClone(program);
    misaligned.buffers[temps[0]!.id]!.offset += 4;
    expect(checkPlan(misaligned)).toMatch(/aligned|overlap/);
    const aliasInput = structuredClone(program);
    aliasInput.buffers[temps[0]!.id]!.offset = aliasInput.buffers[0]!.offset;
    expect(checkPlan(aliasInput)).toMatch(/input0 \(input.*overlap while both are live/);
  });
});
