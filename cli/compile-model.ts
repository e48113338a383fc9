/**
 * The one place the CLI needs the compiler: turn a TrainableModel into its train and eval
 * sessions. A model with `createSessions` brings its own; otherwise compile it.
 */
import type { SessionOptions, TrainableModel, TrainingSessions } from './model.ts';
import { Graph, compile, losses, nn, optim, trainStep } from '../compiler/index.ts';
import { createSession } from '../runtime/node/index.ts';

export async function openTrainingSessions(model: TrainableModel, options: SessionOptions): Promise<TrainingSessions> {
  if (model.createSessions) return model.createSessions(options);
  return compileTrainingSessions(model, options);
}

/**
 * Builds the model twice from its definition — a training graph (dropout on, batch statistics,
 * softmax cross-entropy, the optimizer's update: one compiled step) and an evaluation graph
 * (dropout off, running statistics) — with the same param names, compiles both for the backend
 * and opens a session on each.
 */
export async function compileTrainingSessions(model: TrainableModel, options: SessionOptions): Promise<TrainingSessions> {
  const build = model.buildForward;
  if (!build) throw new Error(`model "${model.id}" has neither buildForward nor createSessions`);
  const graphFor = (training: boolean) => {
    const g = new Graph(`${model.id}.${training ? 'train' : 'eval'}`);
    const x = g.input('x', [options.batchSize, ...model.inputShape]);
    const ctx = new nn.ModelContext(g, { seed: options.seed, training });
    const logits = build(x, ctx);
    g.output('logits', logits);
    if (training) g.output('loss', losses.softmaxCrossEntropy(logits, g.input('y', [options.batchSize], 'i32')));
    return g;
  };
  const optimizer = model.optimizer ? model.optimizer(options.lr) : optim.adam({ lr: options.lr });
  const trainGraph = trainStep(graphFor(true), { optimizer });
  const [trainArtifact, evalArtifact] = await Promise.all([
    compile(trainGraph, { backend: options.backend }),
    compile(graphFor(false), { backend: options.backend }),
  ]);
  const [train, evalSession] = await Promise.all([createSession(trainArtifact), createSession(evalArtifact)]);
  return { train, eval: evalSession };
}
