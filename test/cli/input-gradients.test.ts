/**
 * The saliency / FGSM graph against closed forms: for softmax regression z = x·W + b,
 * ∂max(z)/∂x is W's column of the top class and ∂CE/∂x = W·(softmax(z) − onehot(y)).
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { compile } from '../../compiler/index.ts';
import { createSession } from '../../runtime/node/index.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';
import { loadModel } from '../../cli/model.ts';
import { fgsm, inputGradientGraph } from '../../cli/analysis/input-gradients.ts';
import { saliencyUnsupported } from '../../cli/analysis/saliency-report.ts';

describe('input gradients (saliency and FGSM)', () => {
  it('match the closed forms of softmax regression on the WASM backend', async () => {
    const model = await loadModel(resolve(import.meta.dirname, 'fixtures/softmax-regression.ts'));
    const session = await createSession(await compile(inputGradientGraph(model), { backend: 'wasm' }));
    const r = mulberry32(3);
    const W = Float32Array.from({ length: 784 * 10 }, () => r() - 0.5);
    const b = Float32Array.from({ length: 10 }, () => r() - 0.5);
    await session.setParams({ 'dense1/w': W, 'dense1/b': b });
    const x = Float32Array.from({ length: 784 }, () => r());
    const y = 7;
    const out = await session.run({ x, y: [y] });
    session.dispose();

    const z = Array.from({ length: 10 }, (_, c) => { let s = b[c]!; for (let i = 0; i < 784; i++) s += x[i]! * W[i * 10 + c]!; return s; });
    const top = z.indexOf(Math.max(...z));
    const zmax = Math.max(...z);
    const e = z.map((v) => Math.exp(v - zmax));
    const p = e.map((v) => v / e.reduce((a, c) => a + c, 0));
    for (let c = 0; c < 10; c++) expect(out.logits![c]).toBeCloseTo(z[c]!, 4);
    for (let i = 0; i < 784; i += 37) {
      expect(out.saliency![i]).toBeCloseTo(W[i * 10 + top]!, 5);
      const dL = p.reduce((s, pc, c) => s + W[i * 10 + c]! * (pc - (c === y ? 1 : 0)), 0);
      expect(out.loss_gradient![i]).toBeCloseTo(dL, 5);
    }
  });

  it('fgsm steps by ε along the gradient sign and clips to the input range', () => {
    const adv = fgsm([0, 0.5, 0.95, 0.3], [1, -2, 3, 0], 0.1, [0, 1]);
    expect(Array.from(adv, (v) => +v.toFixed(6))).toEqual([0.1, 0.4, 1, 0.3]);
  });

  it('applies to image models with buildForward only', async () => {
    expect(saliencyUnsupported(await loadModel('xor-mlp'))).toMatch(/takes \[2\] inputs, not images/);
    expect(saliencyUnsupported(await loadModel(resolve(import.meta.dirname, '../train/fixtures/linear-model.ts')))).toMatch(/no buildForward/);
    expect(saliencyUnsupported(await loadModel('fashion-simple-net'))).toBeNull();
  });
});
