/**
 * Softmax cross-entropy and its gradient fuse into three kernels (row max and row Σexp as one
 * two-phase reduce, the loss, the logits' gradient) through general rules — iota lifted into
 * reduction bodies, one-hot masked sums folded to gathers, unit reshapes keeping a reduction's
 * epilogue, cheap values recomputed, reductions over the same rows joined into one kernel —
 * and still compute what the unfused reference computes.
 */
import { describe, expect, it } from 'vitest';
import { Graph, evaluate, gradients, losses, nn, optim, trainStep, type Tensor } from '../../compiler/index.ts';
import { compile, compileProgram } from '../../compiler/compile.ts';
import { reduceTasks } from '../../compiler/backends/wasm/bytecode/reduce.ts';
import { MemoryLayout } from '../../compiler/backends/wasm/layout.ts';
import { createSession } from '../../runtime/node/index.ts';
import { allocateMemory, runProgram } from '../../compiler/kernel/interpret.ts';
import type { Program } from '../../compiler/kernel/ir.ts';
import { fashionSimpleNet } from '../../examples/fashion-simple-net.ts';
import { BACKENDS, sessionFor, TOL } from '../ops/backends.ts';
import { closeTo } from '../ops/cases.ts';

const B = 6, K = 5;
const logitsData = Float32Array.from({ length: B * K }, (_, i) => 3 * Math.sin(1.7 * i) + (i % 3));
const labels = Int32Array.from([0, 4, 2, 2, 1, 3]);

function run(program: Program, feeds: Record<string, ArrayLike<number>>): Record<string, Float64Array> {
  const mem = allocateMemory(program);
  for (const i of program.inputs) if (feeds[i.name]) mem.get(i.buffer)!.set(feeds[i.name]!);
  runProgram(program, mem);
  return Object.fromEntries(program.outputs.map((o) => [o.name, Float64Array.from(mem.get(o.buffer)!)]));
}

/** log-softmax NLL and its gradient in float64 */
function float64Loss(): { loss: number; grad: number[] } {
  let loss = 0;
  const grad: number[] = [];
  for (let b = 0; b < B; b++) {
    const row = Array.from(logitsData.subarray(b * K, (b + 1) * K));
    const m = Math.max(...row);
    const s = row.reduce((a, x) => a + Math.exp(x - m), 0);
    loss += (Math.log(s) + m - row[labels[b]!]!) / B;
    row.forEach((x, k) => grad.push((Math.exp(x - m) / s - (k === labels[b] ? 1 : 0)) / B));
  }
  return { loss, grad };
}

describe('softmax cross-entropy fusion', () => {
  const g = new Graph('sce');
  const logits = g.input('logits', [B, K]);
  const loss = losses.softmaxCrossEntropy(logits, g.input('y', [B], 'i32'));
  g.output('loss', loss);
  g.output('dlogits', gradients(loss, [logits])[0]!);
  const { program } = compileProgram(g);

  it('forward loss and gradient are 3 kernels: row max + row Σexp (one kernel), the loss (a sum over the batch), the gradient', () => {
    expect(program.kernels.length).toBeLessThanOrEqual(3);
    expect(program.kernels.map((k) => k.kind)).toEqual(['reduce', 'reduce', 'elementwise']);
    const [rows, lossK] = program.kernels as Extract<Program['kernels'][number], { kind: 'reduce' }>[];
    // the row max is the first phase of the Σexp kernel, which reads it back at its own row
    expect([rows!.reduceShape, rows!.phases.map((p) => p.reduce)]).toEqual([[K], ['max', 'sum']]);
    // the one-hot mask folded into a gather: the loss sums over the batch only, not batch × classes
    expect([lossK!.shape, lossK!.reduceShape, lossK!.phases.length]).toEqual([[], [B], 1]);
  });

  it('matches float64 and the unfused reference interpreter', () => {
    const feeds = { logits: logitsData, y: labels };
    const fused = run(program, feeds);
    const ref = evaluate(g, feeds).outputs;
    const want = float64Loss();
    expect(fused.loss![0]).toBeCloseTo(want.loss, 5);
    expect(fused.loss![0]).toBeCloseTo(ref.loss![0]!, 6);
    fused.dlogits!.forEach((v, i) => {
      expect(v).toBeCloseTo(want.grad[i]!, 6);
      expect(v).toBeCloseTo(ref.dlogits![i]!, 7);
    });
  });

  for (const backend of BACKENDS) {
    it(`${backend}: the fused loss and gradient match the reference`, async () => {
      const s = await sessionFor(g, backend);
      const got = await s.run({ logits: logitsData, y: labels });
      s.dispose();
      const ref = evaluate(g, { logits: logitsData, y: labels }).outputs;
      for (const name of ['loss', 'dlogits']) expect(closeTo(got[name]!, ref[name]!, TOL[backend].atol, TOL[backend].rtol), name).toBeNull();
    });
  }

  it('gives an all-zero one-hot row (loss term log Σexp, gradient softmax/B) for a label outside 0…K−1, as the loop does', () => {
    const bad = Int32Array.from([0, 4, 2, 7, 1, -1]);
    const feeds = { logits: logitsData, y: bad };
    const fused = run(program, feeds);
    const ref = evaluate(g, feeds).outputs;
    expect(fused.loss![0]).toBeCloseTo(ref.loss![0]!, 6);
    fused.dlogits!.forEach((v, i) => expect(v).toBeCloseTo(ref.dlogits![i]!, 7));
  });
});

/**
 * A batch big enough that the WASM backend splits the two-phase row kernel across 2 threads
 * (each task runs both phases over its own rows): loss against float64, the logits' gradient
 * against float64 and, at sampled entries, against central finite differences of a float64 loss.
 */
describe('softmax cross-entropy at batch 256 × 260 classes on every backend', () => {
  const NB = 256, NK = 260;
  const x = Float32Array.from({ length: NB * NK }, (_, i) => 6 * Math.sin(0.37 * i + Math.cos(0.011 * i)));
  const y = Int32Array.from({ length: NB }, (_, b) => (b * 97 + 13) % NK);
  const g = new Graph('sce_big');
  const logits = g.input('logits', [NB, NK]);
  const loss = losses.softmaxCrossEntropy(logits, g.input('y', [NB], 'i32'));
  g.output('loss', loss);
  g.output('dlogits', gradients(loss, [logits])[0]!);
  /** row b's term of the float64 loss, with logit (b, k) moved by `dx` */
  const rowLoss = (b: number, k = -1, dx = 0): number => {
    const row = Array.from(x.subarray(b * NK, (b + 1) * NK), (v, j) => v + (j === k ? dx : 0));
    const m = Math.max(...row);
    return (Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) + m - row[y[b]!]!) / NB;
  };
  const wantLoss = Array.from({ length: NB }, (_, b) => rowLoss(b)).reduce((a, v) => a + v, 0);
  const wantGrad: number[] = [];
  for (let b = 0; b < NB; b++) {
    const row = Array.from(x.subarray(b * NK, (b + 1) * NK));
    const m = Math.max(...row), s = row.reduce((a, v) => a + Math.exp(v - m), 0);
    row.forEach((v, k) => wantGrad.push((Math.exp(v - m) / s - (k === y[b] ? 1 : 0)) / NB));
  }
  const samples = [0, 1, 259, 260 * 5 + y[5]!, 260 * 100 + 77, 260 * 255 + y[255]!, NB * NK - 1];

  it('the float64 gradient agrees with central finite differences (the check below is not circular)', () => {
    for (const i of samples) {
      const b = Math.floor(i / NK), k = i % NK, h = 1e-5;
      expect((rowLoss(b, k, h) - rowLoss(b, k, -h)) / (2 * h)).toBeCloseTo(wantGrad[i]!, 8);
    }
  });

  it('the WASM backend splits the two-phase row kernel across 2 threads', () => {
    const { program } = compileProgram(g);
    const rows = program.kernels[0]! as Extract<Program['kernels'][number], { kind: 'reduce' }>;
    expect(rows.phases.map((p) => p.reduce)).toEqual(['max', 'sum']);
    expect(reduceTasks(2, new MemoryLayout(program, 1024), rows)).toBeGreaterThan(1);
  });

  const runs: [string, () => Promise<Record<string, ArrayLike<number>>>, number][] = [
    ['reference interpreter', async () => run(compileProgram(g).program, { logits: x, y }), 1e-5],
    ['wasm, 1 thread', async () => { const s = await sessionFor(g, 'wasm'); try { return await s.run({ logits: x, y }); } finally { s.dispose(); } }, 1e-4],
    ['wasm, 2 threads', async () => {
      const s = await createSession(await compile(g, { backend: 'wasm', threads: 2 }), { threads: 2 });
      try { return await s.run({ logits: x, y }); } finally { s.dispose(); }
    }, 1e-4],
    ['webgpu', async () => { const s = await sessionFor(g, 'webgpu'); try { return await s.run({ logits: x, y }); } finally { s.dispose(); } }, 1e-3],
  ];
  for (const [name, go, rtol] of runs) {
    it(`${name}: loss and gradient against float64`, async () => {
      const got = await go();
      expect(Math.abs(got.loss![0]! - wantLoss)).toBeLessThan(rtol * Math.abs(wantLoss));
      expect(closeTo(got.dlogits!, wantGrad, 1e-7, rtol), 'dlogits').toBeNull();
      for (const i of samples) expect(got.dlogits![i]!, `dlogits[${i}]`).toBeCloseTo(wantGrad[i]!, 6);
    });
  }
});

/** The kernels from the row max of the loss up to the first backward matmul (exclusive). */
function lossPart(program: Program): string[] {
  const first = program.kernels.findIndex((k, i) => k.kind === 'reduce' && k.phases[0].reduce === 'max' && (program.sources?.[i] ?? []).includes('stop_gradient'));
  const end = program.kernels.findIndex((k, i) => i > first && k.kind === 'matmul');
  return program.kernels.slice(first, end).map((k, i) => `${k.kind}:${(program.sources?.[first + i] ?? []).join(' ')}`);
}

function trainingStep(name: string, xShape: number[], model: (g: Graph, x: Tensor) => Tensor): Graph {
  const g = new Graph(name);
  const x = g.input('x', xShape);
  g.output('loss', losses.softmaxCrossEntropy(model(g, x), g.input('y', [xShape[0]!], 'i32')));
  return trainStep(g, { optimizer: optim.adam({ lr: 1e-2 }) });
}

describe('training steps', () => {
  const mlp = (g: Graph, x: Tensor) => nn.sequential(nn.dense(16), nn.relu(), nn.dense(10))(x, new nn.ModelContext(g, { seed: 3 }));
  const fsn = (g: Graph, x: Tensor) => fashionSimpleNet(x, new nn.ModelContext(g, { training: true, seed: 4 }));

  it('MLP and FashionSimpleNet: the loss part is those 3 kernels plus the last layer\'s bias gradient', () => {
    for (const step of [trainingStep('mlp', [8, 12], mlp), trainingStep('fsn', [2, 1, 28, 28], fsn)]) {
      const part = lossPart(compileProgram(step).program);
      expect(part, step.name).toEqual([
        'reduce:max stop_gradient sub exp sum',
        'reduce:log add sub iota equal cast mul sum div neg',
        'elementwise:iota equal cast mul iota equal cast mul neg sum div sub exp mul add',
        'reduce:sum',
      ]);
    }
  });

  it('MLP: two fused steps equal two steps of the unfused reference (loss and every param)', () => {
    const step = trainingStep('mlp', [8, 12], mlp);
    const { program } = compileProgram(step);
    const feeds = { x: Float32Array.from({ length: 96 }, (_, i) => Math.cos(0.3 * i)), y: Int32Array.from([0, 9, 3, 3, 5, 1, 7, 2]) };
    const mem = allocateMemory(program);
    let values: Record<string, Float64Array> = {};
    for (let s = 0; s < 2; s++) {
      for (const i of program.inputs) mem.get(i.buffer)!.set(feeds[i.name as 'x' | 'y']);
      runProgram(program, mem);
      const ref = evaluate(step, feeds, { values });
      values = ref.updates;
      const lossBuffer = program.outputs.find((o) => o.name === 'loss')!.buffer;
      expect(mem.get(lossBuffer)![0]).toBeCloseTo(ref.outputs.loss![0]!, 5);
    }
    for (const p of program.params) Array.from(mem.get(p.buffer)!).forEach((v, i) => expect(v).toBeCloseTo(values[p.name]![i]!, 6));
  });
});
