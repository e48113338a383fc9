/**
 * The lectures' XOR network (2 sigmoid hidden units, 1 sigmoid output, E = ½Σ(t − y)², plain
 * gradient descent) as a CLI model. Run: npx axon train xor-mlp
 */
import { Graph, cast, init, losses, nn, optim, trainStep, type Tensor } from '../compiler/index.ts';
import * as F from '../compiler/frontend/math.ts';
import type { TrainableModel } from '../cli/model.ts';
import { truthTable } from './lib/toy-data.ts';
import { twoClass } from './lib/two-class.ts';

const small = (rng: init.Rng) => init.uniform(rng, -1, 1);
const net = (x: Tensor, ctx: nn.ModelContext) => nn.sequential(nn.dense(2, { init: small }), nn.sigmoid(), nn.dense(1, { init: small }), nn.sigmoid())(x, ctx);

const model: TrainableModel = {
  id: 'xor-mlp',
  description: "Lecture 002's 2-2-1 sigmoid network on XOR",
  inputShape: [2],
  classes: 2,
  defaults: { epochs: 80, batchSize: 4, lr: 2, patience: 0 },
  dataset: () => truthTable([0, 1, 1, 0]),
  buildForward: (x, ctx) => twoClass(net(x, ctx)),
  trainGraph: (batch, { lr, seed, skipNonFinite }) => {
    const g = new Graph('xor-mlp');
    const x = g.input('x', [batch, 2]);
    const t = F.reshape(cast(g.input('y', [batch], 'i32'), 'f32'), [batch, 1]);
    const y = net(x, new nn.ModelContext(g, { seed }));
    g.output('loss', losses.squaredError(y, t));
    g.output('logits', twoClass(y));
    return trainStep(g, { optimizer: optim.sgd({ lr }), skipNonFinite });
  },
};
export default model;
