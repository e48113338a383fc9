/**
 * Fusion stays real with the v2 kernel IR: pad, slice, concat and gather are views or indexed
 * loads read by their consumers, so they add no copy kernels (kernel counts pinned), the memory
 * plan stays at its lower bound, and the fused programs compute what the reference does on both
 * backends. Also: the embedding gradient is one O(tokens × width) scatter_add, and bad slices and
 * constant gather indices fail at build time with clear messages.
 */
import { describe, expect, it } from 'vitest';
import { Graph, evaluate, type Tensor } from '../../compiler/index.ts';
import * as F from '../../compiler/frontend/math.ts';
import { compileProgram } from '../../compiler/compile.ts';
import { gradients } from '../../compiler/autodiff/grad.ts';
import type { ConvKernel, Kernel, Program } from '../../compiler/kernel/ir.ts';
import { BACKENDS, sessionFor, TOL } from '../ops/backends.ts';
import { closeTo } from '../ops/cases.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';

const kinds = (p: Program) => p.kernels.map((k) => k.kind);
const rand = (n: number, seed: number) => { const r = mulberry32(seed); return Float32Array.from({ length: n }, () => r() * 2 - 1); };

/** Compiles, checks the plan is at its lower bound, and returns the program. */
function fused(g: Graph): Program {
  const { program, plan } = compileProgram(g);
  expect(plan.arenaBytes).toBe(plan.lowerBoundBytes);
  return program;
}

async function matchesReference(g: Graph, feeds: Record<string, Float32Array | Int32Array>): Promise<void> {
  const ref = evaluate(g, feeds).outputs;
  for (const backend of BACKENDS) {
    const session = await sessionFor(g, backend);
    if (!session) continue;
    try {
      const got = await session.run(feeds);
      for (const name of Object.keys(ref)) expect(closeTo(got[name]!, ref[name]!, TOL[backend].atol, TOL[backend].rtol), `${backend} ${name}`).toBeNull();
    } finally {
      session.dispose();
    }
  }
}

describe('fusion of pad, slice, concat and gather (kernel counts)', () => {
  it('pad → conv: the zero pad becomes the convolution\'s own padding (1 kernel)', async () => {
    const g = new Graph('pad_conv');
    const x = g.input('x', [2, 3, 9, 9]);
    const w = g.param('w', [4, 3, 3, 3], rand(108, 1));
    g.output('y', F.conv2d(F.pad(x, [[0, 0], [0, 0], [1, 2], [2, 1]]), w, { stride: [1, 1], pad: [1, 0, 0, 0], dilation: [1, 1], groups: 1 }));
    const p = fused(g);
    expect(kinds(p)).toEqual(['conv2d']);
    const conv = p.kernels[0] as ConvKernel;
    expect([conv.geometry.inHeight, conv.geometry.inWidth, conv.geometry.padTop, conv.geometry.padLeft]).toEqual([9, 9, 2, 2]);
    await matchesReference(g, { x: rand(486, 2) });
  });

  it('relu → pad → conv: the padded activation is stored once by the relu kernel, no copy (2 kernels)', async () => {
    const g = new Graph('relu_pad_conv');
    const x = g.input('x', [1, 2, 7, 5]);
    const w = g.param('w', [3, 2, 3, 3], rand(54, 14));
    g.output('y', F.conv2d(F.pad(F.relu(x), [[0, 0], [0, 0], [1, 1], [1, 1]]), w, { stride: [1, 1], pad: [0, 0, 0, 0], dilation: [1, 1], groups: 1 }));
    expect(kinds(fused(g))).toEqual(['elementwise', 'conv2d']);
    await matchesReference(g, { x: rand(70, 15) });
  });

  it('slice → matmul: the slice is an offset view of the operand (1 kernel)', async () => {
    const g = new Graph('slice_matmul');
    const a = g.input('a', [17, 33]);
    const b = g.param('b', [12, 5], rand(60, 3));
    g.output('y', F.matmul(F.slice(a, [[1, 16, 3], [2, 14]]), b));
    expect(kinds(fused(g))).toEqual(['matmul']);
    await matchesReference(g, { a: rand(561, 4) });
  });

  it('concat of views → elementwise: one kernel, the operands read through masked views', async () => {
    const g = new Graph('concat_ew');
    const x = g.input('x', [3, 17]);
    const y = g.input('y', [5, 3]);
    const z = g.input('z', [3, 130]);
    // a slice, a transpose and a relu of an input (zero-safe) joined, then a fused epilogue
    const joined = F.concat([F.slice(x, [null, [null, null, -2]]), F.transpose(y), F.relu(z)], 1);
    g.output('out', F.add(F.mul(joined, 2), 1));
    expect(kinds(fused(g))).toEqual(['elementwise']);
    await matchesReference(g, { x: rand(51, 5), y: rand(15, 6), z: rand(390, 7) });
  });

  it('gather → elementwise: the embedding lookup is an indexed load in the consumer (1 kernel)', async () => {
    const g = new Graph('gather_ew');
    const table = g.param('table', [256, 16], rand(4096, 8));
    const tokens = g.input('tokens', [3, 5], 'i32');
    g.output('out', F.relu(F.add(F.mul(F.gather(table, tokens, 0), 2), 1)));
    const p = fused(g);
    expect(kinds(p)).toEqual(['elementwise']);
    // repeated and out-of-range indices (clamped at run time to 0 and 255)
    await matchesReference(g, { tokens: Int32Array.from([3, 3, 255, 0, 7, 3, -4, 300, 9, 9, 9, 1, 2, 3, 4]) });
  });

  it('pad of a computed value that is not zero-safe (exp) stores it once, then pads the view', () => {
    const g = new Graph('pad_exp');
    const x = g.input('x', [3, 4]);
    g.output('y', F.add(F.pad(F.exp(x), [[1, 1], [0, 0]], 0), 1));
    const r = evaluate(g, { x: new Float32Array(12) }).outputs.y!;
    expect(Array.from(r.slice(0, 4))).toEqual([1, 1, 1, 1]); // pad rows: 0 + 1, not exp(0) + 1
    expect(Array.from(r.slice(4, 8))).toEqual([2, 2, 2, 2]);
    expect(kinds(fused(g))).toEqual(['elementwise', 'elementwise']);
  });
});

describe('views compose', () => {
  it('slices (negative steps) of pads, transposes and unit reshapes of masked views stay one kernel', async () => {
    const g = new Graph('compose');
    const x = g.input('x', [17]);
    const m = g.input('m', [3, 5]);
    // pad 2 before and 3 after with 7, then every third element from the end
    g.output('sp', F.slice(F.pad(x, [[2, 3]], 7), [[null, null, -3]]));
    const pm = F.pad(m, [[1, 0], [0, 2]], -1);
    g.output('tp', F.reshape(F.transpose(F.slice(pm, [[null, null, -1], [1, null, 2]])), [1, 3, 1, 4]));
    const p = fused(g);
    expect(kinds(p)).toEqual(['elementwise', 'elementwise']);
    const xs = Float32Array.from({ length: 17 }, (_, i) => i);
    const ms = Float32Array.from({ length: 15 }, (_, i) => 100 + i);
    const ref = evaluate(g, { x: xs, m: ms }).outputs;
    const padded = [7, 7, ...xs, 7, 7, 7];
    expect(Array.from(ref.sp!)).toEqual(padded.filter((_, i) => (padded.length - 1 - i) % 3 === 0).reverse());
    // pm rows: [-1 × 7], m rows padded with two −1 columns; reversed rows, columns 1, 3, 5; transposed
    const pmRows = [new Array(7).fill(-1), ...[0, 1, 2].map((r) => [...Array.from(ms.slice(r * 5, r * 5 + 5)), -1, -1])];
    const picked = pmRows.reverse().map((row) => [1, 3, 5].map((c) => row[c]!));
    expect(Array.from(ref.tp!)).toEqual([0, 1, 2].flatMap((c) => picked.map((row) => row[c]!)));
    await matchesReference(g, { x: xs, m: ms });
  });
});

describe('reductions over masked and flipped views', () => {
  it('sum, max and min read pads (with their fill), concats and negative strides in the fold body', async () => {
    const g = new Graph('reduce_views');
    const x = g.input('x', [3, 17]);
    const y = g.input('y', [3, 4]);
    g.output('sum_pad', F.sum(F.pad(x, [[1, 0], [2, 3]], 0.5), 1));
    g.output('max_pad', F.max(F.pad(x, [[0, 0], [1, 1]], 5), 0));
    g.output('min_cat', F.min(F.concat([x, F.flip(y, 1)], 1), 1, true));
    g.output('sum_flip', F.sum(F.mul(F.flip(x, [0, 1]), F.slice(x, [null, [null, null, -1]])), 0));
    fused(g);
    await matchesReference(g, { x: rand(51, 12), y: rand(12, 13) });
  });
});

describe('min over i32', () => {
  it('is exact at the ends of the range (−2³¹ and 2³¹ − 1) on the reference and both backends', async () => {
    const g = new Graph('min_i32');
    const x = g.input('x', [2, 5], 'i32');
    g.output('m', F.min(x, 1));
    const feeds = { x: Int32Array.from([3, -2147483648, 7, 0, -1, 2147483647, 5, 2147483647, 9, 2147483646]) };
    expect(Array.from(evaluate(g, feeds).outputs.m!)).toEqual([-2147483648, 5]);
    for (const backend of BACKENDS) {
      const session = await sessionFor(g, backend);
      if (!session) continue;
      try {
        expect(Array.from((await session.run(feeds)).m!), backend).toEqual([-2147483648, 5]);
      } finally {
        session.dispose();
      }
    }
  });
});

describe('embedding gradient', () => {
  it('vocab 256 × 4096 tokens × width 128 is one scatter_add over the tokens (no vocab × tokens work)', async () => {
    const g = new Graph('embedding_grad');
    const table = g.param('table', [256, 128], rand(256 * 128, 9));
    const tokens = g.input('tokens', [4096], 'i32');
    const ct = g.input('ct', [4096, 128]);
    const [dt] = gradients(F.sum(F.mul(F.gather(table, tokens, 0), ct)), [table]);
    g.output('grad', dt!);
    const p = fused(g);
    const scatters = p.kernels.filter((k): k is Extract<Kernel, { kind: 'scatter_add' }> => k.kind === 'scatter_add');
    expect(scatters).toHaveLength(1);
    expect([scatters[0]!.count, ...scatters[0]!.shape]).toEqual([4096, 256, 128]);
    expect(kinds(p).filter((k) => k === 'matmul' || k === 'reduce')).toEqual([]);
    // numbers: against a direct sum, on both backends (bit-exact order: increasing token index)
    const r = mulberry32(10);
    const feeds = { tokens: Int32Array.from({ length: 4096 }, () => Math.floor(r() * 256)), ct: rand(4096 * 128, 11) };
    const want = new Float64Array(256 * 128);
    feeds.tokens.forEach((t, j) => { for (let c = 0; c < 128; c++) want[t * 128 + c]! += feeds.ct[j * 128 + c]!; });
    const wantF32 = new Float32Array(256 * 128);
    feeds.tokens.forEach((t, j) => { for (let c = 0; c < 128; c++) wantF32[t * 128 + c] = Math.fround(wantF32[t * 128 + c]! + feeds.ct[j * 128 + c]!); });
    for (const backend of BACKENDS) {
      const session = await sessionFor(g, backend);
      if (!session) continue;
      try {
        const got = (await session.run(feeds)).grad!;
        expect(closeTo(got, want, 1e-5, 1e-4)).toBeNull();
        // deterministic: the same f32 additions in the same order as a sequential f32 sum
        expect(Array.from(got)).toEqual(Array.from(wantF32));
      } finally {
        session.dispose();
      }
    }
  });
});

describe('build-time errors', () => {
  const g = new Graph('errors');
  const x: Tensor = g.input('x', [3, 17]);
  it('empty slices are rejected naming the axis', () => {
    expect(() => F.slice(x, [[2, 2]])).toThrow(/slice: axis 0 \(size 3\) with \[2:2:1\] selects no elements/);
    expect(() => F.slice(x, [null, [0, 5, -1]])).toThrow(/axis 1 .* selects no elements/);
    expect(() => F.slice(x, [[0, 3, 0]])).toThrow(/step 0 of axis 0 must be a non-zero integer/);
  });
  it('constant gather indices out of range are rejected; run-time ones are clamped', () => {
    expect(() => F.gather(x, g.constant([0, 3], [2], 'i32'), 0)).toThrow(/gather: index 3 \(element 1 of the constant indices\) is out of range \[0, 3\)/);
    expect(() => F.gather(x, g.constant([0, 1], [2]), 0)).toThrow(/indices must be i32/);
  });
  it('pad needs one pair per axis', () => {
    expect(() => F.pad(x, [[1, 1]])).toThrow(/pad: 1 \[before, after\] pairs for the rank-2 tensor/);
  });
});
