/**
 * The optimizer: canonicalization and fusion preserve semantics (random graphs through the
 * reference interpreter, the fused kernel program and both backends), the simplifications
 * fire, and the lectures' CNN training step keeps its kernel count and memory plan.
 */
import { describe, expect, it } from 'vitest';
import { Graph, evaluate, explain, trainStep, optim, nn, losses, softmax, log, transpose, mul, add, type Tensor } from '../../compiler/index.ts';
import { canonicalize } from '../../compiler/passes/optimize.ts';
import { compileProgram } from '../../compiler/compile.ts';
import { allocateMemory, runProgram } from '../../compiler/kernel/interpret.ts';
import { kernelWriteViews } from '../../compiler/kernel/expr.ts';
import type { ConvKernel } from '../../compiler/kernel/ir.ts';
import { fashionSimpleNet } from '../../examples/fashion-simple-net.ts';
import { BACKENDS, sessionFor, TOL } from '../ops/backends.ts';
import { closeTo } from '../ops/cases.ts';
import { randomGraph } from './random-graphs.ts';

function runFused(graph: Graph, feeds: Record<string, Float32Array>): Record<string, Float64Array> {
  const { program } = compileProgram(graph);
  const mem = allocateMemory(program);
  for (const i of program.inputs) mem.get(i.buffer)!.set(feeds[i.name]!);
  runProgram(program, mem);
  return Object.fromEntries(program.outputs.map((o) => [o.name, mem.get(o.buffer)!]));
}

describe('optimizer preserves semantics on random graphs', () => {
  for (let seed = 1; seed <= 25; seed++) {
    it(`random graph ${seed}: canonical graph and fused program match the reference`, () => {
      const { graph, feeds } = randomGraph(seed);
      const ref = evaluate(graph, feeds).outputs;
      const canon = evaluate(canonicalize(graph).graph, feeds).outputs;
      const fused = runFused(graph, feeds);
      for (const name of Object.keys(ref)) {
        expect(closeTo(canon[name]!, ref[name]!, 1e-12, 1e-9), `${name} canonical`).toBeNull();
        expect(closeTo(fused[name]!, ref[name]!, 1e-12, 1e-9), `${name} fused`).toBeNull();
      }
    });
  }

  for (const backend of BACKENDS) {
    it(`${backend}: twelve random graphs (one artifact) match the reference`, async () => {
      const g = new Graph('random_batch');
      const feeds: Record<string, Float32Array> = {};
      for (let seed = 100; seed < 112; seed++) Object.assign(feeds, randomGraph(seed, 12, `g${seed}/`, g).feeds);
      const s = await sessionFor(g, backend);
      const got = await s.run(feeds);
      s.dispose();
      const ref = evaluate(g, feeds).outputs;
      for (const name of Object.keys(ref)) expect(closeTo(got[name]!, ref[name]!, TOL[backend].atol, TOL[backend].rtol), name).toBeNull();
    });
  }
});

describe('canonicalization rules', () => {
  const count = (g: Graph, op: string) => canonicalize(g).graph.nodes.filter((n) => n.op === op).length;

  it('removes x·1, x+0 and double transposes, and merges common subexpressions', () => {
    const g = new Graph('simp');
    const x = g.input('x', [3, 4]);
    const y = add(mul(transpose(transpose(x)), 1), 0);
    g.output('a', mul(y, y));
    g.output('b', mul(x, x));
    const c = canonicalize(g).graph;
    expect(c.nodes.filter((n) => !n.isLeaf()).map((n) => n.op)).toEqual(['mul']);
    expect(c.outputs.get('a')).toBe(c.outputs.get('b'));
  });

  it('turns log(softmax(x)) into the stable log-softmax (no division left)', () => {
    const g = new Graph('logsm');
    const x = g.input('x', [2, 5]);
    g.output('y', log(softmax(x)));
    expect(count(g, 'div')).toBe(0);
    const big = Float32Array.from({ length: 10 }, (_, i) => (i % 5) * 40);
    const r = evaluate(canonicalize(g).graph, { x: big }).outputs.y!;
    expect(r.every(Number.isFinite)).toBe(true);
    expect(r[0]).toBeCloseTo(-160, 5);
  });

  it('folds constant subgraphs', () => {
    const g = new Graph('fold');
    const x = g.input('x', [2]);
    const k: Tensor = mul(g.constant([1, 2], [2]), g.constant([3, 4], [2]));
    g.output('y', add(x, k));
    const c = canonicalize(g).graph;
    expect(c.nodes.filter((n) => n.op === 'mul')).toHaveLength(0);
    expect(Array.from(evaluate(c, { x: [1, 1] }).outputs.y!)).toEqual([4, 9]);
  });
});

describe('layouts', () => {
  it('channels-last intermediates compute the same training step, converting only at the flatten', () => {
    const g = new Graph('cnn_layout');
    const x = g.input('x', [2, 1, 8, 8]);
    const y = g.input('y', [2], 'i32');
    const ctx = new nn.ModelContext(g, { seed: 3, training: true });
    const logits = nn.sequential(nn.conv2d(4, 3, { padding: 1 }), nn.relu(), nn.maxPool2d(2), nn.conv2d(4, 3, { padding: 1 }), nn.relu(), nn.flatten(), nn.dense(3))(x, ctx);
    g.output('loss', losses.softmaxCrossEntropy(logits, y));
    const step = trainStep(g, { optimizer: optim.adam({ lr: 0.01 }) });
    const feeds = { x: Float32Array.from({ length: 128 }, (_, i) => Math.sin(i)), y: Int32Array.from([1, 2]) };
    const run = (layout: 'nchw' | 'nhwc') => {
      const { program } = compileProgram(step, { layout });
      const mem = allocateMemory(program);
      for (const i of program.inputs) mem.get(i.buffer)!.set(feeds[i.name as 'x' | 'y']);
      runProgram(program, mem);
      const temps4d = program.buffers.filter((b) => b.role === 'temp' && b.shape.length === 4);
      return { program, loss: mem.get(program.outputs[0]!.buffer)![0]!, params: program.params.map((p) => Array.from(mem.get(p.buffer)!)), temps4d };
    };
    const nchw = run('nchw'), nhwc = run('nhwc');
    expect(nhwc.loss).toBeCloseTo(nchw.loss, 12);
    nhwc.params.forEach((p, i) => p.forEach((v, j) => expect(v).toBeCloseTo(nchw.params[i]![j]!, 12)));
    // NHWC temporaries really are channels-last (channel stride 1), and the flatten costs one copy
    const convOut = nhwc.program.kernels.find((k) => k.kind === 'conv2d' && k.mode === 'forward') as ConvKernel;
    expect(convOut.stores[0]!.view.strides[1]).toBe(1);
    expect(nhwc.program.kernels.length).toBe(nchw.program.kernels.length + 1);
  });
});

describe('FashionSimpleNet training step (batch 64, Adam)', () => {
  it('fuses into at most 39 kernels with the arena at its lower bound', () => {
    const g = new Graph('fsn');
    const x = g.input('x', [64, 1, 28, 28]);
    const y = g.input('y', [64], 'i32');
    g.output('loss', losses.softmaxCrossEntropy(fashionSimpleNet(x, new nn.ModelContext(g, { training: true })), y));
    const e = explain(trainStep(g, { optimizer: optim.adam({ lr: 1e-3 }) }));
    // measured: 428 nodes → 320 after canonicalization → 39 kernels (57 before update-kernel sibling fusion); arena 22,125,552 bytes = lower bound
    expect(e.nodes_before).toBe(428);
    expect(e.nodes_after).toBeLessThanOrEqual(320);
    expect(e.kernels).toBeLessThanOrEqual(39);
    expect(e.arena_bytes).toBeLessThanOrEqual(e.lower_bound_bytes * 1.05);
    expect(e.arena_bytes).toBeLessThanOrEqual(22_125_552);
    // bias and ReLU are epilogues of both convolutions and the first dense layer
    expect(e.kernel_list.filter((k) => k.kind === 'conv2d' && k.fuses.join() === 'conv2d,add,relu')).toHaveLength(2);
    expect(e.kernel_list.some((k) => k.kind === 'matmul' && k.fuses.join() === 'matmul,add,relu')).toBe(true);
  });
});

describe('update-phase sibling fusion', () => {
  it("writes Adam's m, v and the param of each weight in one kernel, with the same results", () => {
    const g = new Graph('adam_fuse');
    const x = g.input('x', [4, 3]);
    const y = g.input('y', [4], 'i32');
    const logits = nn.sequential(nn.dense(5), nn.relu(), nn.dense(3))(x, new nn.ModelContext(g, { seed: 2 }));
    g.output('loss', losses.softmaxCrossEntropy(logits, y));
    const step = trainStep(g, { optimizer: optim.adam({ lr: 0.05 }) });
    const { program } = compileProgram(step);
    const names = new Map(program.buffers.map((b) => [b.id, b.name]));
    const writes = program.kernels.map((k) => kernelWriteViews(k).map((v) => names.get(v.buffer)));
    for (const p of ['dense1/w', 'dense1/b', 'dense2/w', 'dense2/b']) {
      expect(writes.find((w) => w.includes(p))!.sort()).toEqual([`adam/${p}/m`, `adam/${p}/v`, p].sort());
    }
    // three steps through the fused program equal three steps of the unfused reference
    const feeds = { x: Float32Array.from({ length: 12 }, (_, i) => Math.cos(i)), y: Int32Array.from([0, 2, 1, 2]) };
    const mem = allocateMemory(program);
    let values: Record<string, Float64Array> = {};
    for (let k = 0; k < 3; k++) {
      for (const i of program.inputs) mem.get(i.buffer)!.set(feeds[i.name as 'x' | 'y']);
      runProgram(program, mem);
      values = evaluate(step, feeds, { values }).updates;
    }
    for (const p of program.params) Array.from(mem.get(p.buffer)!).forEach((v, i) => expect(v).toBeCloseTo(values[p.name]![i]!, 10));
  });
});
