/**
 * Small end-to-end trainings that must converge (or, for the perceptron on XOR, visibly fail),
 * on both backends, plus dropout and reproducibility.
 */
import { describe, expect, it } from 'vitest';
import { Graph, trainStep, optim, init, nn, losses, metrics, perceptronRule, evaluate, add, matmul } from '../../compiler/index.ts';
import { BACKENDS, sessionFor } from '../ops/backends.ts';
import { requireWebGPU } from '../backends/webgpu/device.ts';
import { trainXor } from '../../examples/xor.ts';

const AND = [0, 0, 0, 1], OR = [0, 1, 1, 1], XOR = [0, 1, 1, 0];
const X4 = [[0, 0], [0, 1], [1, 0], [1, 1]];

function perceptronGraph(): Graph {
  const g = new Graph('perceptron');
  const x = g.input('x', [1, 2]);
  const t = g.input('t', [1, 1]);
  const w = g.param('w', [2, 1], new Float32Array([0.1, -0.2]));
  const b = g.param('b', [1], new Float32Array([0]));
  g.output('o', perceptronRule(x, t, w, b, 0.5));
  return g;
}

/** spirals: two interleaved arms, 2 classes */
function spirals(n: number, rng: init.Rng): { x: number[]; y: number[] } {
  const x: number[] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 2, r = (i / n) * 5 + 0.3, a = 1.75 * (i / n) * 2 * Math.PI + cls * Math.PI;
    x.push(r * Math.sin(a) + rng.normal() * 0.05, r * Math.cos(a) + rng.normal() * 0.05);
    y.push(cls);
  }
  return { x, y };
}

describe.each(BACKENDS)('%s: end-to-end training', (backend) => {
  it('XOR MLP (lecture 002) learns the truth table', async () => {
    if (backend === 'webgpu') await requireWebGPU();
    const { y, loss } = await trainXor(backend, 2000);
    expect(y.map(Math.round)).toEqual(XOR);
    expect(loss).toBeLessThan(0.01);
  });

  it('perceptron rule converges on AND and OR and keeps failing on XOR', async () => {
    const errorsPerEpoch = async (targets: number[]) => {
      const s = await sessionFor(perceptronGraph(), backend);
      const errors: number[] = [];
      for (let epoch = 0; epoch < 20; epoch++) {
        let e = 0;
        for (let i = 0; i < 4; i++) e += Math.abs(targets[i]! - (await s.run({ x: X4[i]!, t: [targets[i]!] })).o![0]!);
        errors.push(e);
      }
      s.dispose();
      return errors;
    };
    const and = await errorsPerEpoch(AND), or = await errorsPerEpoch(OR), xor = await errorsPerEpoch(XOR);
    expect(and.slice(-3)).toEqual([0, 0, 0]);
    expect(or.slice(-3)).toEqual([0, 0, 0]);
    expect(Math.min(...xor.slice(-10))).toBeGreaterThan(0);
  });

  it('logistic regression (½‖w‖² + C Σ log(1 + e^(−y(wᵀx+b)))) separates a separable set', async () => {
    const rng = new init.Rng(11);
    const n = 40, xs: number[] = [], ys: number[] = [];
    for (let i = 0; i < n; i++) {
      const cls = i % 2 ? 1 : -1;
      xs.push(rng.normal() * 0.5 + cls * 1.5, rng.normal() * 0.5 - cls);
      ys.push(cls);
    }
    const g = new Graph('logreg');
    const x = g.input('x', [n, 2]), y = g.input('y', [n]);
    const w = g.param('w', [2], init.uniform(rng));
    const b = g.param('b', [], new Float32Array(1));
    g.output('loss', losses.logisticRegressionObjective(x, y, w, b, 1));
    g.output('scores', add(matmul(x, w), b));
    const s = await sessionFor(trainStep(g, { optimizer: optim.sgd({ lr: 0.01 }) }), backend);
    let out = await s.run({ x: xs, y: ys });
    const first = out.loss![0]!;
    for (let i = 0; i < 300; i++) out = await s.run({ x: xs, y: ys });
    s.dispose();
    expect(out.loss![0]!).toBeLessThan(first / 2);
    const correct = ys.filter((c, i) => Math.sign(out.scores![i]!) === c).length;
    expect(correct).toBe(n);
  });

  it('MLP learns two spirals (Adam)', async () => {
    const rng = new init.Rng(5);
    const { x: xs, y: ys } = spirals(200, rng);
    const g = new Graph('spirals');
    const x = g.input('x', [200, 2]), y = g.input('y', [200], 'i32');
    const ctx = new nn.ModelContext(g, { seed: 2 });
    const logits = nn.sequential(nn.dense(32), nn.tanh(), nn.dense(32), nn.tanh(), nn.dense(2))(x, ctx);
    g.output('loss', losses.softmaxCrossEntropy(logits, y));
    g.output('accuracy', metrics.accuracy(logits, y));
    const s = await sessionFor(trainStep(g, { optimizer: optim.adam({ lr: 0.02 }) }), backend);
    let out = await s.run({ x: xs, y: ys });
    for (let i = 0; i < 600; i++) out = await s.run({ x: xs, y: ys }, { outputs: ['loss'] });
    out = await s.run({ x: xs, y: ys });
    s.dispose();
    expect(out.accuracy![0]!).toBeGreaterThan(0.95);
  });
});

describe('dropout and reproducibility', () => {
  function dropoutGraph(training: boolean): Graph {
    const g = new Graph('dropout');
    const x = g.input('x', [4, 256]);
    const ctx = new nn.ModelContext(g, { training });
    g.output('y', nn.dropout(0.25)(x, ctx));
    return g;
  }
  const ones = new Float32Array(1024).fill(1);

  it('training mode drops ≈p of the units and scales the rest by 1/(1−p); eval is the identity', async () => {
    const ref = evaluate(dropoutGraph(true), { x: ones, seed: 42 }).outputs.y!;
    const kept = ref.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(Math.abs(1 - kept.length / 1024 - 0.25)).toBeLessThan(0.05);
    expect(Array.from(evaluate(dropoutGraph(false), { x: ones }).outputs.y!)).toEqual(Array.from(ones));
    const other = evaluate(dropoutGraph(true), { x: ones, seed: 43 }).outputs.y!;
    expect(Array.from(other)).not.toEqual(Array.from(ref));
  });

  for (const backend of BACKENDS) {
    it(`${backend}: masks are bit-identical to the reference interpreter`, async () => {
      const s = await sessionFor(dropoutGraph(true), backend);
      const got = (await s.run({ x: ones, seed: 42 })).y!;
      s.dispose();
      expect(Array.from(got)).toEqual(Array.from(Float32Array.from(evaluate(dropoutGraph(true), { x: ones, seed: 42 }).outputs.y!)));
    });
  }

  it('wasm: the same seed trains bit for bit the same', async () => {
    const run = async () => {
      const g = new Graph('repro');
      const x = g.input('x', [8, 4]), y = g.input('y', [8], 'i32');
      const ctx = new nn.ModelContext(g, { seed: 9, training: true });
      const logits = nn.sequential(nn.dense(16), nn.relu(), nn.dropout(0.5), nn.dense(3))(x, ctx);
      g.output('loss', losses.softmaxCrossEntropy(logits, y));
      const s = await sessionFor(trainStep(g, { optimizer: optim.adam({ lr: 0.01 }) }), 'wasm');
      const xs = Array.from({ length: 32 }, (_, i) => Math.sin(i));
      for (let i = 0; i < 20; i++) await s.run({ x: xs, y: [0, 1, 2, 0, 1, 2, 0, 1], seed: i });
      const p = await s.getParams(true);
      s.dispose();
      return Object.values(p).map((a) => Array.from(a));
    };
    expect(await run()).toEqual(await run());
  });
});
