/** Optimizers as graph ops against torch.optim goldens, on the reference interpreter and both backends. */
import { describe, expect, it } from 'vitest';
import { Graph, evaluate, trainStep, optim, mul, sub, sum, square, type Tensor } from '../../compiler/index.ts';
import type { Optimizer } from '../../compiler/frontend/optim.ts';
import { loadGoldens, type GoldenCase } from '../goldens/load.ts';
import { BACKENDS, sessionFor, TOL } from '../ops/backends.ts';
import { closeTo } from '../ops/cases.ts';

function optimizerFor(c: GoldenCase): Optimizer {
  const a = c.attrs as Record<string, number>;
  switch (c.op) {
    case 'sgd': return optim.sgd({ lr: a.lr!, ...(a.weightDecay ? { weightDecay: a.weightDecay } : {}) });
    case 'momentum': return optim.momentum({ lr: a.lr!, momentum: a.momentum! });
    case 'nesterov': return optim.nesterov({ lr: a.lr!, momentum: a.momentum! });
    case 'adagrad': return optim.adagrad({ lr: a.lr!, eps: a.eps! });
    case 'adam': return optim.adam({ lr: a.lr!, beta1: a.beta1!, beta2: a.beta2!, eps: a.eps! });
    case 'adamw': return optim.adamw({ lr: a.lr!, beta1: a.beta1!, beta2: a.beta2!, eps: a.eps!, weightDecay: a.weightDecay! });
    default: throw new Error(`no optimizer for ${c.op}`);
  }
}

/** L(w) = ½Σ(a⊙w − b)² with a, b fed as inputs */
function stepGraph(c: GoldenCase): Graph {
  const g = new Graph(c.id);
  const w = g.param('w', [5], Float32Array.from(c.inputs.w!.data));
  const a: Tensor = g.input('a', [5]);
  const b: Tensor = g.input('b', [5]);
  g.output('loss', mul(sum(square(sub(mul(a, w), b))), 0.5));
  return trainStep(g, { optimizer: optimizerFor(c) });
}

const cases = loadGoldens('optim');

describe('optimizers vs torch.optim (3 steps)', () => {
  it('covers every optimizer of the lectures', () => {
    expect(new Set(cases.map((c) => c.op))).toEqual(new Set(['sgd', 'momentum', 'nesterov', 'adagrad', 'adam', 'adamw']));
  });

  for (const c of cases) {
    const feeds = { a: c.inputs.a!.data, b: c.inputs.b!.data };
    const wantParams = c.outputs.params!.data;
    const wantLoss = c.outputs.losses!.data;

    it(`${c.id}: reference interpreter`, () => {
      const g = stepGraph(c);
      let values: Record<string, Float64Array> = {};
      for (let k = 0; k < 3; k++) {
        const r = evaluate(g, feeds, { values });
        expect(closeTo(r.outputs.loss!, [wantLoss[k]!], 1e-9, 1e-7)).toBeNull();
        values = r.updates;
        // hyperparameters are f32 constants in the graph, hence the small absolute slack
        expect(closeTo(r.updates.w!, wantParams.slice(5 * k, 5 * k + 5), 1e-7, 1e-7)).toBeNull();
      }
    });

    for (const backend of BACKENDS) {
      it(`${c.id}: ${backend}`, async () => {
        const s = await sessionFor(stepGraph(c), backend);
        for (let k = 0; k < 3; k++) {
          const out = await s.run(feeds);
          expect(closeTo(out.loss!, [wantLoss[k]!], TOL[backend].atol, TOL[backend].rtol)).toBeNull();
          const w = (await s.getParams()).w!;
          expect(closeTo(w, wantParams.slice(5 * k, 5 * k + 5), TOL[backend].atol, TOL[backend].rtol)).toBeNull();
        }
        s.dispose();
      });
    }
  }
});
