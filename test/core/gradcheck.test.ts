/**
 * Symbolic gradients against central finite differences in float64 (the public gradCheck API):
 * every op of the golden catalogue, and composed graphs (MLP + softmax cross-entropy, a CNN with
 * pooling, batch norm, the lectures' logistic regression).
 */
import { describe, expect, it } from 'vitest';
import { Graph, gradCheck, nn, losses, init, mul, sum, type Tensor } from '../../compiler/index.ts';
import { listGoldenFamilies, loadGoldens } from '../goldens/load.ts';
import { builders } from '../ops/cases.ts';

describe('gradCheck: every op vs finite differences (float64)', () => {
  for (const family of listGoldenFamilies().filter((f) => f !== 'optim')) {
    it(family, () => {
      const worst: string[] = [];
      for (const c of loadGoldens(family)) {
        const gradNames = Object.keys(c.grads ?? {});
        if (!gradNames.length) continue;
        const g = new Graph(c.id);
        const feeds: Record<string, number[]> = {};
        const ins = Object.entries(c.inputs).map(([name, t]) => { feeds[name] = t.data; return g.input(name, t.shape, t.dtype); });
        const out = builders[c.op]!(ins, c.attrs as Record<string, unknown>).out!;
        let loss: Tensor = out;
        if (c.cotangent) { feeds.__ct = c.cotangent.data; loss = sum(mul(out, g.input('__ct', c.cotangent.shape))); }
        g.output('loss', loss);
        const r = gradCheck(g, 'loss', feeds, { wrt: gradNames, eps: 1e-6, maxElements: 6 });
        for (const [name, err] of Object.entries(r.worst)) if (!(err < 1e-6)) worst.push(`${c.id}/${name}: ${err}`);
      }
      expect(worst).toEqual([]);
    });
  }
});

describe('gradCheck: composed graphs', () => {
  it('MLP with softmax cross-entropy', () => {
    const g = new Graph('mlp');
    const x = g.input('x', [5, 6]);
    const y = g.input('y', [5], 'i32');
    const ctx = new nn.ModelContext(g, { seed: 7 });
    const logits = nn.sequential(nn.dense(8), nn.relu(), nn.dense(4))(x, ctx);
    g.output('loss', losses.softmaxCrossEntropy(logits, y));
    const rng = new init.Rng(1);
    const r = gradCheck(g, 'loss', { x: Array.from({ length: 30 }, () => rng.normal()), y: [0, 1, 2, 3, 1] }, { maxElements: 10 });
    expect(Object.keys(r.worst).sort()).toEqual(['dense1/b', 'dense1/w', 'dense2/b', 'dense2/w']);
    for (const err of Object.values(r.worst)) expect(err).toBeLessThan(1e-6);
  });

  it('CNN: conv (stride, padding) → relu → max-pool → conv (groups, dilation) → avg-pool → dense', () => {
    const g = new Graph('cnn');
    const x = g.input('x', [2, 2, 9, 9]);
    const y = g.input('y', [2], 'i32');
    const ctx = new nn.ModelContext(g, { seed: 3 });
    const logits = nn.sequential(
      nn.conv2d(4, 3, { padding: 1 }), nn.relu(), nn.maxPool2d(2, { stride: 2 }),
      nn.conv2d(4, 3, { padding: 'same', dilation: 2, groups: 2 }), nn.tanh(), nn.avgPool2d(2),
      nn.flatten(), nn.dense(3),
    )(x, ctx);
    g.output('loss', losses.softmaxCrossEntropy(logits, y));
    const rng = new init.Rng(2);
    const r = gradCheck(g, 'loss', { x: Array.from({ length: 324 }, () => rng.normal()), y: [2, 0] }, { maxElements: 8 });
    expect(Object.keys(r.worst).length).toBe(6);
    for (const [name, err] of Object.entries(r.worst)) expect(err, name).toBeLessThan(1e-5);
  });

  it('batch norm in training mode, and transposed convolution', () => {
    const g = new Graph('bn');
    const x = g.input('x', [3, 2, 4, 4]);
    const ctx = new nn.ModelContext(g, { seed: 5, training: true });
    const h = nn.sequential(nn.batchNorm(), nn.convTranspose2d(3, 3, { stride: 2, padding: 1, outputPadding: 1 }), nn.sigmoid())(x, ctx);
    g.output('loss', losses.mse(h, g.input('target', [3, 3, 8, 8])));
    const rng = new init.Rng(4);
    const r = gradCheck(g, 'loss', { x: Array.from({ length: 96 }, () => rng.normal()), target: Array.from({ length: 192 }, () => rng.next()) }, { maxElements: 8 });
    expect(Object.keys(r.worst).sort()).toEqual(['bn1/beta', 'bn1/gamma', 'convt1/b', 'convt1/w']);
    for (const [name, err] of Object.entries(r.worst)) expect(err, name).toBeLessThan(1e-6);
  });
});

describe('smooth functions built from kinked pieces', () => {
  it('softplus, BCE-with-logits and logistic regression have the right gradient at exactly 0', async () => {
    const { softplus, gradients, evaluate } = await import('../../compiler/index.ts');
    const g = new Graph('kink');
    const z = g.input('z', [3]);
    const t = g.input('t', [3]);
    g.output('dsoftplus', gradients(sum(softplus(z)), [z])[0]!);
    g.output('dbce', gradients(losses.binaryCrossEntropyWithLogits(z, t), [z])[0]!);
    const r = evaluate(g, { z: [0, 0, 0], t: [1, 0, 1] }).outputs;
    expect(Array.from(r.dsoftplus!)).toEqual([0.5, 0.5, 0.5]);
    // d/dz mean(softplus(z) − z·t) = (σ(z) − t)/3
    r.dbce!.forEach((v, i) => expect(v).toBeCloseTo((0.5 - [1, 0, 1][i]!) / 3, 12));
  });
});
