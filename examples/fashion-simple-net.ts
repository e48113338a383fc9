/**
 * FashionSimpleNet, exactly as lecture 003 defines it, for 28×28 Fashion-MNIST images:
 *   conv 1→32 3×3 pad 1, ReLU, max-pool 2 (→ 14×14)
 *   conv 32→64 3×3 pad 1, ReLU, max-pool 2 (→ 7×7)
 *   dropout (p = 0.5, PyTorch's nn.Dropout() default), dense 3136→128, ReLU, dense 128→10
 * trained with cross-entropy and Adam (lr 1e-3, PyTorch's default). Train it: npx axon train fashion-simple-net
 */
import { nn, type Tensor } from '../compiler/index.ts';
import type { TrainableModel } from '../cli/model.ts';

export function fashionSimpleNet(x: Tensor, ctx: nn.ModelContext): Tensor {
  return nn.sequential(
    nn.conv2d(32, 3, { padding: 1 }), nn.relu(), nn.maxPool2d(2, { stride: 2 }),
    nn.conv2d(64, 3, { padding: 1 }), nn.relu(), nn.maxPool2d(2, { stride: 2 }),
    nn.flatten(),
    nn.dropout(0.5),
    nn.dense(ctx.option('hidden', 128)), nn.relu(), // `hidden` option (--hidden); the lecture's 128 by default
    nn.dense(10),
  )(x, ctx);
}

const model: TrainableModel = {
  id: 'fashion-simple-net-v1',
  description: "Lecture 003's FashionSimpleNet (2 conv blocks, dropout, 2 dense layers) on Fashion-MNIST",
  inputShape: [1, 28, 28],
  classes: 10,
  defaults: { epochs: 10, batchSize: 64, lr: 1e-3, patience: 3 },
  buildForward: fashionSimpleNet,
  filterParam: 'conv1/w',
};
export default model;
