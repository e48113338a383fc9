/**
 * Logistic regression in the lectures' form, ½‖w‖² + C Σ log(1 + exp(−yᵢ(wᵀxᵢ + b))), on two
 * separable Gaussian blobs (labels 0/1 become y = ∓1). Run: npx axon train logistic-regression
 */
import { Graph, losses, optim, trainStep, cast, type Tensor, type nn } from '../compiler/index.ts';
import * as F from '../compiler/frontend/math.ts';
import type { TrainableModel } from '../cli/model.ts';
import { blobs } from './lib/toy-data.ts';

const C = 1;
/** logits [B, 2] = [−s/2, s/2] with s = wᵀx + b, so argmax is sign(s) and softmax is σ(s) */
const logitsOf = (s: Tensor) => F.mul(F.reshape(s, [s.shape[0]!, 1]), F.reshape(s.graph.constant([-0.5, 0.5], [2]), [1, 2]));
const params = (g: Graph) => ({ w: g.param('w', [2], new Float32Array(2)), b: g.param('b', [], new Float32Array(1)) });

const model: TrainableModel = {
  id: 'logistic-regression',
  description: "Lecture 001's L2-regularized logistic regression on two Gaussian blobs",
  inputShape: [2],
  classes: 2,
  defaults: { epochs: 20, batchSize: 16, lr: 0.01, patience: 0 },
  dataset: (split) => blobs(split === 'train' ? 400 : 200, split === 'train' ? 1 : 2),
  buildForward: (x: Tensor, ctx: nn.ModelContext) => {
    const { w, b } = params(ctx.graph);
    return logitsOf(F.add(F.matmul(x, w), b));
  },
  trainGraph: (batch, { lr, skipNonFinite }) => {
    const g = new Graph('logistic-regression');
    const x = g.input('x', [batch, 2]);
    const y = g.input('y', [batch], 'i32');
    const { w, b } = params(g);
    const ypm = F.sub(F.mul(cast(y, 'f32'), 2), 1);
    g.output('loss', losses.logisticRegressionObjective(x, ypm, w, b, C));
    g.output('logits', logitsOf(F.add(F.matmul(x, w), b)));
    return trainStep(g, { optimizer: optim.sgd({ lr }), skipNonFinite });
  },
};
export default model;
