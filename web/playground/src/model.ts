/**
 * The playground's network, built twice from one config: a training step (forward, loss, L2
 * penalty, dropout, the optimizer's update: one compiled call) and an evaluation graph that
 * outputs the logits and every hidden layer's activations, for the heat maps.
 * Both name their params alike (dense1/w, …), so values move between the two sessions by name.
 */
import { Graph, add, leakyRelu, losses, nn, optim, relu, sigmoid, tanh, type Tensor } from '../../../compiler/index.ts';
import type { FeatureName } from './features.ts';

export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'leakyRelu';
export const ACTIVATIONS: Record<ActivationName, { label: string; f: (x: Tensor) => Tensor }> = {
  relu: { label: 'ReLU', f: relu },
  tanh: { label: 'tanh', f: tanh },
  sigmoid: { label: 'sigmoid', f: sigmoid },
  leakyRelu: { label: 'leaky ReLU', f: (x) => leakyRelu(x, 0.1) },
};

export type OptimizerName = 'sgd' | 'adam';

export interface ModelConfig {
  features: FeatureName[];
  /** units per hidden layer */
  hidden: number[];
  activation: ActivationName;
  optimizer: OptimizerName;
  lr: number;
  batchSize: number;
  /** L2 weight-decay λ on the weight matrices (not the biases) */
  l2: number;
  /** dropout probability after each hidden layer (training only) */
  dropout: number;
  seed: number;
}

const CLASSES = 2;

/** The forward pass; returns the logits and each hidden layer's activations. */
function forward(x: Tensor, ctx: nn.ModelContext, c: ModelConfig): { logits: Tensor; hidden: Tensor[] } {
  const act = ACTIVATIONS[c.activation].f;
  const hidden: Tensor[] = [];
  let h = x;
  for (const units of c.hidden) {
    h = act(nn.dense(units)(h, ctx));
    hidden.push(h);
    h = nn.dropout(c.dropout)(h, ctx);
  }
  return { logits: nn.dense(CLASSES)(h, ctx), hidden };
}

/** Inputs x [batch, features], y [batch] (i32), and "seed" when dropout is on; outputs loss and dataLoss. */
export function trainGraph(c: ModelConfig): Graph {
  if (!c.features.length) throw new Error('playground: pick at least one input feature');
  const g = new Graph('playground');
  const x = g.input('x', [c.batchSize, c.features.length]);
  const y = g.input('y', [c.batchSize], 'i32');
  const ctx = new nn.ModelContext(g, { seed: c.seed, training: true });
  const { logits } = forward(x, ctx, c);
  const dataLoss = losses.softmaxCrossEntropy(logits, y);
  const weights = [...g.params].filter(([name]) => name.endsWith('/w')).map(([, w]) => w);
  g.output('dataLoss', dataLoss);
  g.output('loss', c.l2 > 0 ? add(dataLoss, losses.l2Penalty(weights, c.l2)) : dataLoss);
  return g;
}

export function optimizerFor(c: ModelConfig): optim.Optimizer {
  return c.optimizer === 'adam' ? optim.adam({ lr: c.lr }) : optim.sgd({ lr: c.lr });
}

/** Input x [points, features]; outputs logits [points, 2] and h1…hN [points, units]. */
export function evalGraph(c: ModelConfig, points: number): Graph {
  const g = new Graph('playground.eval');
  const x = g.input('x', [points, c.features.length]);
  const ctx = new nn.ModelContext(g, { seed: c.seed, training: false });
  const { logits, hidden } = forward(x, ctx, c);
  g.output('logits', logits);
  hidden.forEach((h, i) => g.output(`h${i + 1}`, h));
  return g;
}
