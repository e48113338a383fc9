/** The perceptron as a CLI model: its own update rule, no gradient (lecture 003's training rule). */
import { Graph, perceptronRule, reshape, sub, cast, type nn, type Tensor } from '../../compiler/index.ts';
import * as F from '../../compiler/frontend/math.ts';
import type { TrainableModel } from '../../cli/model.ts';
import { truthTable } from './toy-data.ts';
import { twoClass } from './two-class.ts';

export function perceptronModel(name: string, targets: [number, number, number, number]): TrainableModel {
  const init = () => ({ w: new Float32Array([0.1, -0.2]), b: new Float32Array([0]) });
  return {
    id: `perceptron-${name}`,
    description: `Rosenblatt perceptron on the ${name.toUpperCase()} truth table (w ← w + η(t − o)x)`,
    inputShape: [2],
    classes: 2,
    defaults: { epochs: 10, batchSize: 1, lr: 0.5, patience: 0 },
    dataset: () => truthTable(targets),
    buildForward: (x: Tensor, ctx: nn.ModelContext) => {
      const p = init();
      const w = ctx.param('w', [2, 1], () => p.w), b = ctx.param('b', [1], () => p.b);
      return twoClass(F.step(F.add(F.matmul(x, w), b)));
    },
    trainGraph: (batch, { lr }) => {
      const g = new Graph(`perceptron-${name}`);
      const x = g.input('x', [batch, 2]);
      const y = g.input('y', [batch], 'i32');
      const p = init();
      const w = g.param('w', [2, 1], p.w), b = g.param('b', [1], p.b);
      const t = reshape(cast(y, 'f32'), [batch, 1]);
      const o = perceptronRule(x, t, w, b, lr);
      g.output('logits', twoClass(reshape(o, [batch])));
      g.output('loss', F.mean(F.abs(sub(t, o))));   // fraction misclassified
      return g;
    },
  };
}
