/**
 * Kernel IR v2 at the IR level, on the interpreter (hand-checked values), WASM and WebGPU:
 * masked views (pad: out-of-bounds reads yield the fill and touch no memory), negative strides
 * (flip, negative-step slices), the indexed load (gather with clamping) and the scatter_add
 * kernel kind (deterministic, repeated indices summed in index order), and the new ALU ops.
 */
import { describe, expect, it } from 'vitest';
import type { Expr, Program, UnaryAlu, View } from '../../compiler/kernel/ir.ts';
import { bin, lit, load, ProgramBuilder, randomF32, runReference, store, un, view } from '../backends/programs.ts';
import { checkAgainstInterpreter } from '../backends/wasm/harness.ts';
import { checkProgram } from '../backends/webgpu/harness.ts';
import { testDevice } from '../backends/webgpu/device.ts';
import { kernelAccess } from '../../compiler/kernel/plan.ts';

const device = await testDevice();

const masked = (buffer: number, strides: number[], offset: number, mask: [number, number][], fill = 0): View => ({ buffer, offset, strides, mask, ...(fill ? { fill } : {}) });
const gather = (v: View, index: Expr, stride: number, extent: number): Expr => ({ op: 'gather', view: v, index, stride, extent, dtype: 'f32' });

/** A program exercising every v2 form; x = [0, 1, …, 16] so results are easy to state. */
function v2Program(): { program: Program; feeds: Record<string, Float32Array | Int32Array> } {
  const p = new ProgramBuilder();
  const x = p.input('x', [17]);
  const m = p.input('m', [3, 5]);
  const ids = p.input('ids', [6], 'i32');
  const table = p.input('table', [4, 3]);
  // pad x by 2 before and 3 after with fill −1: out[i] = x[i − 2] for 2 ≤ i < 19, else −1
  const padded = p.output('padded', [22]);
  p.kernel({ kind: 'elementwise', name: 'pad', shape: [22], stores: [store(view(padded, [1]), load(masked(x, [1], -2, [[2, 19]], -1)))] });
  // flip x and take every 3rd element from the end: x[16 − 3i], i < 6
  const flipped = p.output('flipped', [6]);
  p.kernel({ kind: 'elementwise', name: 'flip', shape: [6], stores: [store(view(flipped, [1]), bin('mul', load(view(x, [-3], 16)), lit(2)))] });
  // 2-D pad of m (one row above, two columns right), fused with an add of the fill-0 pad of itself transposed
  const pm = p.output('pm', [4, 7]);
  p.kernel({ kind: 'elementwise', name: 'pad2d', shape: [4, 7], stores: [store(view(pm, [7, 1]), bin('add', load(masked(m, [5, 1], -5, [[1, 4], [0, 5]])), lit(0.5)))] });
  // concat [x[0:4], x[10:13]] as a sum of two zero-padded views: 0 1 2 3 10 11 12
  const cat = p.output('cat', [7]);
  p.kernel({ kind: 'elementwise', name: 'concat', shape: [7], stores: [store(view(cat, [1]), bin('add', load(masked(x, [1], 0, [[0, 4]])), load(masked(x, [1], 6, [[4, 7]]))))] });
  // embedding lookup: rows of `table` at ids (clamped to [0, 3]), times 10
  const emb = p.output('emb', [6, 3]);
  p.kernel({ kind: 'elementwise', name: 'gather', shape: [6, 3], stores: [store(view(emb, [3, 1]), bin('mul', gather(view(table, [0, 1]), load(view(ids, [1, 0]), 'i32'), 3, 4), lit(10)))] });
  // scatter-add of 6 update rows into 4 rows by ids (repeated indices sum), then read back
  const upd = p.input('upd', [6, 3]);
  const grad = p.output('grad', [4, 3]);
  p.kernel({ kind: 'scatter_add', name: 'scatter', shape: [4, 3], axis: 0, count: 6, indices: view(ids, [1]), updates: view(upd, [3, 1]), out: view(grad, [3, 1]) });
  // the new ALU ops
  for (const fn of ['erf', 'sin', 'cos', 'ceil', 'round'] as UnaryAlu[]) {
    const o = p.output(`u_${fn}`, [17]);
    p.kernel({ kind: 'elementwise', name: fn, shape: [17], stores: [store(view(o, [1]), un(fn, bin('sub', bin('mul', load(view(x, [1])), lit(0.25)), lit(2))))] });
  }
  const md = p.output('mod', [17]);
  p.kernel({ kind: 'elementwise', name: 'mod', shape: [17], stores: [store(view(md, [1]), bin('mod', bin('sub', load(view(x, [1])), lit(8)), lit(-3)))] });
  const feeds = {
    x: Float32Array.from({ length: 17 }, (_, i) => i),
    m: randomF32(15, 3),
    ids: Int32Array.from([2, 0, 2, 7, -1, 3]),
    table: randomF32(12, 4),
    upd: randomF32(18, 5),
  };
  return { program: p.build(), feeds };
}

describe('kernel IR v2 on the interpreter', () => {
  const { program, feeds } = v2Program();
  const r = runReference(program, feeds);
  it('masked views read the fill out of bounds; negative strides flip', () => {
    expect(Array.from(r.padded!)).toEqual([-1, -1, ...Array.from({ length: 17 }, (_, i) => i), -1, -1, -1]);
    expect(Array.from(r.flipped!)).toEqual([16, 13, 10, 7, 4, 1].map((v) => 2 * v));
    expect(Array.from(r.cat!)).toEqual([0, 1, 2, 3, 10, 11, 12]);
    expect(r.pm![0]).toBe(0.5);
    expect(r.pm![7 + 1]).toBeCloseTo(feeds.m[1]! + 0.5, 6);
    expect(r.pm![7 + 6]).toBe(0.5);
  });
  it('gathers with clamped indices and scatter-adds repeated indices in order', () => {
    const rows = [2, 0, 2, 3, 0, 3];
    rows.forEach((row, i) => [0, 1, 2].forEach((c) => expect(r.emb![i * 3 + c]).toBeCloseTo(10 * feeds.table[row * 3 + c]!, 5)));
    const want = new Float64Array(12);
    rows.forEach((row, j) => [0, 1, 2].forEach((c) => { want[row * 3 + c]! += feeds.upd[j * 3 + c]!; }));
    expect(Array.from(r.grad!)).toEqual(Array.from(want));
  });
  it('new ALU ops: round half to even, floored mod with the divisor sign, erf', () => {
    const arg = Array.from({ length: 17 }, (_, i) => i * 0.25 - 2);
    expect(Array.from(r.u_round!)).toEqual(arg.map((a) => (Math.abs(a % 1) === 0.5 ? 2 * Math.round(a / 2) : Math.round(a))));
    expect(r.u_round![2]).toBe(-2); // −1.5 → −2
    expect(r.u_round![6]).toBe(-0); // −0.5 → −0
    expect(Array.from(r.mod!).slice(0, 3).map((v) => v + 0)).toEqual([-2, -1, 0]); // −8 mod −3 = −2, −7 mod −3 = −1
    expect(r.mod![9]).toBe(-2); // 1 mod −3 = −2
    expect(r.u_erf![8]).toBe(0);
    expect(r.u_erf![12]).toBeCloseTo(0.8427007929497149, 14);
  });
  it('the memory plan sees the buffers gathers and scatters read', () => {
    const id = (name: string) => program.buffers.find((b) => b.name === name)!.id;
    const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
    const k = program.kernels.find((x) => x.name === 'gather')!;
    expect(sorted(kernelAccess(k).reads)).toEqual([id('ids'), id('table')]);
    const s = program.kernels.find((x) => x.name === 'scatter')!;
    expect(sorted(kernelAccess(s).reads)).toEqual([id('ids'), id('upd')]);
    expect(sorted(kernelAccess(s).writes)).toEqual([id('grad')]);
  });
});

describe('kernel IR v2 on WASM', () => {
  it('matches the interpreter on every v2 form', async () => {
    const { program, feeds } = v2Program();
    const session = await checkAgainstInterpreter(program, { feeds, rtol: 1e-6 });
    session.dispose();
  });
});

describe.skipIf(!device)('kernel IR v2 on WebGPU', () => {
  it('matches the interpreter on every v2 form', async () => {
    const { program, feeds } = v2Program();
    await checkProgram(device!, program, feeds, 1e-5, 1e-6);
  });
});
