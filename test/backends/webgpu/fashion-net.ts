/**
 * FashionSimpleNet (the lectures' CNN on 28×28×1 Fashion-MNIST): conv32 → relu → pool →
 * conv64 → relu → pool → dense128 → relu → dropout → dense10, one Adam training step per run.
 * Shared by the WebGPU benchmarks and the lifecycle tests.
 */
import { Graph, losses, nn, optim, trainStep } from '../../../compiler/index.ts';

export function fashionNetTrainGraph(batch = 64, dropout = 0.25): Graph {
  const g = new Graph('fashion_simple_net');
  const x = g.input('x', [batch, 1, 28, 28]);
  const labels = g.input('labels', [batch], 'i32');
  const ctx = new nn.ModelContext(g, { seed: 1, training: true });
  const logits = nn.sequential(
    nn.conv2d(32, 3, { padding: 1 }), nn.relu(), nn.maxPool2d(2),
    nn.conv2d(64, 3, { padding: 1 }), nn.relu(), nn.maxPool2d(2),
    nn.flatten(), nn.dense(128), nn.relu(), nn.dropout(dropout), nn.dense(10),
  )(x, ctx);
  g.output('loss', losses.softmaxCrossEntropy(logits, labels));
  return trainStep(g, { optimizer: optim.adam({ lr: 1e-3, eps: 1e-7 }) });
}

export function fashionNetFeeds(batch = 64, step = 0): Record<string, Float32Array | Int32Array> {
  const x = Float32Array.from({ length: batch * 784 }, (_, i) => Math.sin(i * 0.37 + step) * 0.5 + 0.5);
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7 + 3 + step) % 10);
  const feeds: Record<string, Float32Array | Int32Array> = { x, labels };
  return feeds;
}
