/**
 * Lecture 002's XOR worked example, computed by Axon: inputs A = x1, B = x2 and bias C feed the
 * sigmoid hidden units D and E; D, E and bias F feed the sigmoid output G. The weights are the
 * slide's. One backpropagation step at μ = 10 on E = ½(t − y)² for input (1, 0), target 1.
 *
 * The deltas use the lecture's sign convention δ = −∂E/∂s (δ_G = (t − y)·y′), and the update is
 * w ← w + μ·δ·h — the same as one gradient-descent step at learning rate μ, which is what the
 * compiled training step runs.
 *
 * Where the exact values differ from the slide: the slide rounds intermediates (its y = 0.76 and
 * y′ = 0.181 give δ_G = 0.0434; unrounded, y = 0.76452, y′ = y(1 − y) = 0.18004 and δ_G = 0.04239),
 * and for node E it uses y′_E = 0.2055, which is not E·(1 − E) = 0.16798·0.83202 = 0.13976 — so its
 * δ_E (−0.0464) and the EA/EB/EC updates are off; the exact δ_E is −5.2·0.04239·0.13976 = −0.03081.
 */
import { Graph, compile, gradients, neg, sigmoid, add, mul, sum, reshape, type Tensor } from '../compiler/node.ts';
import * as F from '../compiler/frontend/math.ts';
import { createSession } from '../runtime/node/index.ts';

const W = { DA: 3.7, DB: 3.7, DC: -1.5, EA: 2.9, EB: 2.9, EC: -4.5, GD: 4.5, GE: -5.2, GF: -2.0 };
type WeightName = keyof typeof W;

function network(g: Graph, x: Tensor) {
  const p = Object.fromEntries(Object.entries(W).map(([k, v]) => [k, g.param(k, [], new Float32Array([v]))])) as Record<WeightName, Tensor>;
  const x1 = reshape(F.matmul(x, g.constant([1, 0], [2, 1])), [x.shape[0]!]);
  const x2 = reshape(F.matmul(x, g.constant([0, 1], [2, 1])), [x.shape[0]!]);
  const sD = add(add(mul(x1, p.DA), mul(x2, p.DB)), p.DC);
  const sE = add(add(mul(x1, p.EA), mul(x2, p.EB)), p.EC);
  const D = sigmoid(sD), E = sigmoid(sE);
  const sG = add(add(mul(D, p.GD), mul(E, p.GE)), p.GF);
  return { p, sD, sE, sG, D, E, G: sigmoid(sG) };
}

export interface XorWorkedResult {
  forward: { input: [number, number]; hidden: [number, number]; output: number }[];
  step: { input: [number, number]; target: number; lr: number; deltas: { G: number; D: number; E: number }; weights: Record<WeightName, number> };
}

export async function xorWorked(backend: 'wasm' | 'webgpu' = 'wasm'): Promise<XorWorkedResult> {
  const inputs: [number, number][] = [[0, 0], [0, 1], [1, 0], [1, 1]];
  // forward pass over the four inputs
  const fg = new Graph('xor_worked_forward');
  const fx = fg.input('x', [4, 2]);
  const f = network(fg, fx);
  fg.output('hidden_D', f.D);
  fg.output('hidden_E', f.E);
  fg.output('output', f.G);
  const fwd = await createSession(await compile(fg, { backend }));
  const fo = await fwd.run({ x: inputs.flat() });
  fwd.dispose();

  // one training step: E = ½(t − y)², w ← w − μ ∂E/∂w = w + μ δ h
  const lr = 10;
  const tg = new Graph('xor_worked_step');
  const tx = tg.input('x', [1, 2]);
  const t = tg.input('t', [1]);
  const n = network(tg, tx);
  const loss = mul(sum(F.square(F.sub(t, n.G))), 0.5);
  tg.output('loss', loss);
  const names = Object.keys(W) as WeightName[];
  const grads = gradients(loss, [n.sG, n.sD, n.sE, ...names.map((k) => n.p[k])]);
  tg.output('delta_G', neg(grads[0]!));
  tg.output('delta_D', neg(grads[1]!));
  tg.output('delta_E', neg(grads[2]!));
  names.forEach((k, i) => tg.update(n.p[k], F.sub(n.p[k], mul(grads[3 + i]!, lr))));
  const step = await createSession(await compile(tg, { backend }));
  const so = await step.run({ x: [1, 0], t: [1] });
  const params = await step.getParams();
  step.dispose();

  return {
    forward: inputs.map((input, i) => ({ input, hidden: [fo.hidden_D![i]!, fo.hidden_E![i]!], output: fo.output![i]! })),
    step: {
      input: [1, 0], target: 1, lr,
      deltas: { G: so.delta_G![0]!, D: so.delta_D![0]!, E: so.delta_E![0]! },
      weights: Object.fromEntries(names.map((k) => [k, params[k]![0]!])) as Record<WeightName, number>,
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await xorWorked((process.argv[2] as 'wasm' | 'webgpu') ?? 'wasm')));
}
