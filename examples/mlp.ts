/** A 784-128-10 ReLU MLP on Fashion-MNIST (softmax cross-entropy, Adam). Run: npx axon train mlp */
import { nn } from '../compiler/index.ts';
import type { TrainableModel } from '../cli/model.ts';

const model: TrainableModel = {
  id: 'mlp-784-128-10',
  description: 'Multi-layer perceptron 784-128-10 with ReLU on Fashion-MNIST',
  inputShape: [1, 28, 28],
  classes: 10,
  defaults: { epochs: 10, batchSize: 64, lr: 1e-3, patience: 3 },
  // the hidden width is the `hidden` option (axon train mlp --hidden 64); 128 is the lecture's
  buildForward: (x, ctx) => nn.sequential(nn.flatten(), nn.dense(ctx.option('hidden', 128)), nn.relu(), nn.dense(10))(x, ctx),
};
export default model;
