/**
 * The whole-training-step workloads of issue 6, shared by the step benchmark and the profiler:
 * FashionSimpleNet (examples/fashion-simple-net.ts) and the MLP 784-128-10, batch 64, Adam,
 * softmax cross-entropy. Not a test file.
 */
import { Graph, add, losses, matmul, nn, optim, relu, trainStep } from '../../../compiler/index.ts';
import { fashionSimpleNet } from '../../../examples/fashion-simple-net.ts';
import type { Feeds } from '../../../runtime/session.ts';
import charGpt from '../../../examples/char-gpt.ts';
import { trainingStepGraph } from '../../../cli/compile-model.ts';
import { GPT_OPT, gptBatch, gptConfig } from '../../../bench/cases-gpt.ts';
import { gptOptions, setGptWeights } from '../../../bench/peers/gpt-axon.ts';

export interface StepModel {
  graph: Graph;
  feeds: Feeds;
  batch: number;
}

function labels(batch: number): Int32Array {
  return Int32Array.from({ length: batch }, (_, i) => (i * 7 + 3) % 10);
}

function pixels(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.5 + 0.5);
}

export function fashionTrainStep(batch = 64): StepModel {
  const g = new Graph('fashion_simple_net');
  const x = g.input('x', [batch, 1, 28, 28]);
  const y = g.input('y', [batch], 'i32');
  const logits = fashionSimpleNet(x, new nn.ModelContext(g, { training: true, seed: 1 }));
  g.output('loss', losses.softmaxCrossEntropy(logits, y));
  const graph = trainStep(g, { optimizer: optim.adam({ lr: 1e-3 }) });
  return { graph, feeds: { x: pixels(batch * 784), y: labels(batch), ...(graph.inputs.has('seed') ? { seed: new Int32Array([1]) } : {}) }, batch };
}

function mlpForward(g: Graph, x: ReturnType<Graph['input']>) {
  const param = (name: string, shape: number[]) => g.param(name, shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 1.7) * 0.05));
  const h = relu(add(matmul(x, param('w1', [784, 128])), param('b1', [128])));
  return add(matmul(h, param('w2', [128, 10])), param('b2', [10]));
}

export function mlpTrainStep(batch = 64): StepModel {
  const g = new Graph('mlp_784_128_10');
  const x = g.input('x', [batch, 784]);
  const y = g.input('y', [batch], 'i32');
  g.output('loss', losses.softmaxCrossEntropy(mlpForward(g, x), y));
  return { graph: trainStep(g, { optimizer: optim.adam({ lr: 1e-3 }) }), feeds: { x: pixels(batch * 784), y: labels(batch) }, batch };
}

export function mlpInference(batch = 64): StepModel {
  const g = new Graph('mlp_784_128_10_infer');
  const x = g.input('x', [batch, 784]);
  g.output('logits', mlpForward(g, x));
  return { graph: g, feeds: { x: pixels(batch * 784) }, batch };
}

/** FashionSimpleNet inference (the bench's cnn-infer-b64 graph shape) */
export function fashionInference(batch = 64): StepModel {
  const g = new Graph('fashion_simple_net_infer');
  const x = g.input('x', [batch, 1, 28, 28]);
  g.output('logits', fashionSimpleNet(x, new nn.ModelContext(g, { training: false, seed: 1 })));
  return { graph: g, feeds: { x: pixels(batch * 784) }, batch };
}

/** The bench's gpt-train case (bench/cases-gpt.ts, bench/peers/gpt-axon.ts): char-gpt's training step, batch 8. */
export function gptTrainStep(batch = 8): StepModel {
  const cfg = gptConfig({ kind: 'gpt-train', batch, context: 128 });
  const sized = { ...charGpt, inputShape: [cfg.context + 1], classes: cfg.vocab };
  const graph = trainingStepGraph(sized, batch, 1, GPT_OPT.lr, gptOptions(cfg));
  setGptWeights(graph, cfg);
  return { graph, feeds: { x: gptBatch(cfg, batch).data }, batch };
}

export const STEP_MODELS: Record<string, (batch?: number) => StepModel> = {
  gpt: gptTrainStep,
  cnn: fashionTrainStep,
  mlp: mlpTrainStep,
  'mlp-infer': mlpInference,
  'cnn-infer': fashionInference,
};
