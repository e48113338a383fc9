/**
 * The rest of the lectures' toolbox: initializers, learning-rate schedules, batch norm's running
 * statistics inside a compiled step, metrics, the XOR worked example, and a small CNN that
 * overfits a few Fashion-MNIST images on both backends.
 */
import { describe, expect, it } from 'vitest';
import { Graph, evaluate, init, nn, losses, metrics, optim, trainStep, sum, mul } from '../../compiler/index.ts';
import * as F from '../../compiler/frontend/math.ts';
import { xorWorked } from '../../examples/xor-worked.ts';
import { loadFashionMnist } from '../../runtime/node/fashion-mnist.ts';
import { BACKENDS, sessionFor } from '../ops/backends.ts';
import { requireWebGPU } from '../backends/webgpu/device.ts';

describe('initializers', () => {
  const stats = (a: Float32Array) => {
    const m = a.reduce((s, v) => s + v, 0) / a.length;
    return { mean: m, std: Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length), min: Math.min(...a), max: Math.max(...a) };
  };
  it('have the ranges and spreads of their definitions, and a seed reproduces them bit for bit', () => {
    const shape = [200, 100];
    const u = stats(init.uniform(new init.Rng(1))(shape));
    expect(u.min).toBeGreaterThanOrEqual(-0.01); expect(u.max).toBeLessThanOrEqual(0.01);
    const lecun = stats(init.lecunUniform(new init.Rng(2))(shape));
    expect(lecun.max).toBeLessThanOrEqual(1 / Math.sqrt(200)); expect(lecun.max).toBeGreaterThan(0.9 / Math.sqrt(200));
    const gu = stats(init.glorotUniform(new init.Rng(3))(shape));
    expect(gu.max).toBeLessThanOrEqual(Math.sqrt(6 / 300)); expect(gu.std).toBeCloseTo(Math.sqrt(2 / 300), 2);
    expect(stats(init.glorotNormal(new init.Rng(4))(shape)).std).toBeCloseTo(Math.sqrt(2 / 300), 2);
    expect(stats(init.heNormal(new init.Rng(5))(shape)).std).toBeCloseTo(Math.sqrt(2 / 200), 2);
    expect(stats(init.heNormal(new init.Rng(5))([32, 1, 3, 3])).std).toBeCloseTo(Math.sqrt(2 / 9), 1);
    expect(Array.from(init.glorotUniform(new init.Rng(9))([4, 4]))).toEqual(Array.from(init.glorotUniform(new init.Rng(9))([4, 4])));
    expect(Array.from(init.glorotUniform(new init.Rng(9))([4, 4]))).not.toEqual(Array.from(init.glorotUniform(new init.Rng(10))([4, 4])));
  });
});

describe('learning-rate schedules', () => {
  it('step and exponential decay follow lr·γ^⌊t/k⌋ and lr·γ^t', () => {
    for (const [sched, want] of [
      [optim.stepDecay(0.1, 0.5, 2), (t: number) => 0.1 * 0.5 ** Math.floor(t / 2)],
      [optim.exponentialDecay(0.1, 0.9), (t: number) => 0.1 * 0.9 ** t],
    ] as const) {
      const g = new Graph('sched');
      const w = g.param('w', [1], new Float32Array([0]));
      g.output('loss', sum(mul(w, -1)));   // dL/dw = −1: each SGD step adds the current rate
      const step = trainStep(g, { optimizer: optim.sgd({ lr: sched }) });
      let values: Record<string, Float64Array> = {};
      let expected = 0;
      for (let t = 0; t < 6; t++) {
        values = evaluate(step, {}, { values }).updates;
        expected += want(t);
        expect(values.w![0]).toBeCloseTo(expected, 6);
      }
    }
  });
});

describe('metrics', () => {
  it('accuracy and the confusion matrix (rows true class, columns prediction)', () => {
    const g = new Graph('metrics');
    const logits = g.input('logits', [4, 3]);
    const labels = g.input('labels', [4], 'i32');
    g.output('acc', metrics.accuracy(logits, labels));
    g.output('cm', metrics.confusionMatrix(logits, labels));
    const r = evaluate(g, { logits: [5, 0, 0, 0, 5, 0, 0, 0, 5, 0, 5, 0], labels: [0, 1, 2, 2] }).outputs;
    expect(r.acc![0]).toBeCloseTo(0.75, 10);
    expect(Array.from(r.cm!)).toEqual([1, 0, 0, 0, 1, 0, 0, 1, 1]);
  });
});

describe.each(BACKENDS)('%s', (backend) => {
  it('batch norm updates its running statistics in the training step and uses them in eval', async () => {
    const build = (training: boolean) => {
      const g = new Graph('bn');
      const x = g.input('x', [8, 3]);
      const y = nn.batchNorm()(x, new nn.ModelContext(g, { training }));
      g.output('y', y);
      g.output('loss', sum(F.square(y)));
      return training ? trainStep(g, { optimizer: optim.sgd({ lr: 0 }) }) : g;
    };
    const xs = Float32Array.from({ length: 24 }, (_, i) => (i % 3) * 2 + Math.sin(i));
    const s = await sessionFor(build(true), backend);
    const out = await s.run({ x: xs });
    const state = await s.getParams(true);
    s.dispose();
    const ref = evaluate(build(true), { x: xs });
    for (const name of ['bn1/running_mean', 'bn1/running_var']) {
      Array.from(ref.updates[name]!).forEach((v, i) => expect(state[name]![i]).toBeCloseTo(v, 4));
    }
    // batch statistics normalize each channel to mean 0
    for (let c = 0; c < 3; c++) expect(Math.abs([0, 1, 2, 3, 4, 5, 6, 7].reduce((a, r) => a + out.y![r * 3 + c]!, 0))).toBeLessThan(1e-4);
    const e = await sessionFor(build(false), backend);
    await e.setParams({ 'bn1/running_mean': state['bn1/running_mean']!, 'bn1/running_var': state['bn1/running_var']! });
    const ye = (await e.run({ x: xs })).y!;
    const rm = state['bn1/running_mean']!, rv = state['bn1/running_var']!;
    expect(ye[4]).toBeCloseTo((xs[4]! - rm[1]!) / Math.sqrt(rv[1]! + 1e-5), 4);
    e.dispose();
  });

  it('the XOR worked example reproduces lecture 002 (exact values)', async () => {
    if (backend === 'webgpu') await requireWebGPU();
    const r = await xorWorked(backend);
    expect(r.forward[2]!.hidden[0]).toBeCloseTo(0.9002495, 5);     // σ(2.2)
    expect(r.forward[2]!.hidden[1]).toBeCloseTo(0.1679816, 5);     // σ(−1.6)
    expect(r.forward[2]!.output).toBeCloseTo(0.7645194, 5);
    expect(r.step.deltas.G).toBeCloseTo(0.0423935, 5);             // the slide's rounded 0.0434
    expect(r.step.deltas.D).toBeCloseTo(4.5 * 0.0423935 * 0.9002495 * (1 - 0.9002495), 5);
    expect(r.step.deltas.E).toBeCloseTo(-5.2 * 0.0423935 * 0.1679816 * (1 - 0.1679816), 5);
    expect(r.step.weights.GD).toBeCloseTo(4.5 + 10 * 0.0423935 * 0.9002495, 4);
    expect(r.step.weights.DB).toBeCloseTo(3.7, 6);                 // x2 = 0: no change
    expect(r.step.weights.GF).toBeCloseTo(-2 + 10 * 0.0423935, 4);
  });

  it('a small CNN overfits 32 Fashion-MNIST images', async () => {
    const data = loadFashionMnist('train', { limit: 32 });
    const g = new Graph('tiny_cnn');
    const x = g.input('x', [32, 1, 28, 28]);
    const y = g.input('y', [32], 'i32');
    const ctx = new nn.ModelContext(g, { seed: 4 });
    const logits = nn.sequential(nn.conv2d(8, 3, { padding: 1 }), nn.relu(), nn.maxPool2d(2), nn.conv2d(8, 3, { stride: 2 }), nn.relu(), nn.flatten(), nn.dense(10))(x, ctx);
    g.output('loss', losses.softmaxCrossEntropy(logits, y));
    g.output('accuracy', metrics.accuracy(logits, y));
    const s = await sessionFor(trainStep(g, { optimizer: optim.adam({ lr: 3e-3 }) }), backend);
    const feeds = { x: data.images, y: data.labels };
    const first = (await s.run(feeds)).loss![0]!;
    let out = await s.run(feeds);
    for (let i = 0; i < 60; i++) out = await s.run(feeds);
    s.dispose();
    expect(first).toBeGreaterThan(1.5);
    expect(out.loss![0]!).toBeLessThan(0.1);
    expect(out.accuracy![0]!).toBe(1);
  });
});
