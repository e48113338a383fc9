/**
 * The one place the CLI needs the compiler: turn a TrainableModel into its train and eval
 * sessions. A model with `createSessions` brings its own; otherwise compile it.
 */
import type { SessionOptions, TrainableModel, TrainingSessions } from './model.ts';
import { Graph, compile, losses, nn, optim, trainStep } from '../compiler/node.ts';
import { createSession, type Session } from '../runtime/node/index.ts';

export async function openTrainingSessions(model: TrainableModel, options: SessionOptions): Promise<TrainingSessions> {
  if (model.createSessions) return model.createSessions(options);
  return compileTrainingSessions(model, options);
}

/*
 * A model is built twice from its definition — a training graph (dropout on, batch statistics,
 * softmax cross-entropy, the optimizer's update: one compiled step) and an evaluation graph
 * (dropout off, running statistics) — with the same param names, so values move between them.
 */
/** The model's graph at a batch size: training (inputs x, y, maybe seed; outputs logits, loss) or evaluation (x → logits). */
export function modelGraph(model: TrainableModel, batchSize: number, seed: number, training: boolean, options?: Record<string, number>): Graph {
  const build = model.buildForward;
  if (!build && !model.objective) throw new Error(`model "${model.id}" has neither buildForward nor createSessions`);
  const g = new Graph(training ? model.id : `${model.id}.eval`);
  const x = g.input('x', [batchSize, ...model.inputShape]);
  const ctx = new nn.ModelContext(g, { seed, training, options });
  if (model.objective) {
    // self-supervised (e.g. next-character prediction): the loss comes from x alone
    const { loss, sampleLoss } = model.objective(x, ctx);
    g.output(training ? 'loss' : 'sampleLoss', training ? loss : sampleLoss);
    return g;
  }
  const logits = build!(x, ctx);
  g.output('logits', logits);
  if (training) g.output('loss', losses.softmaxCrossEntropy(logits, g.input('y', [batchSize], 'i32')));
  return g;
}

/** The one compiled training step: forward, backward and the optimizer's update. */
export function trainingStepGraph(model: TrainableModel, batchSize: number, seed: number, lr: number, options?: Record<string, number>, skipNonFinite = false, totalSteps = 1000): Graph {
  if (model.trainGraph) return model.trainGraph(batchSize, { lr, seed, skipNonFinite });
  const optimizer = model.optimizer ? model.optimizer(lr, { options: options ?? {}, totalSteps }) : optim.adam({ lr });
  return trainStep(modelGraph(model, batchSize, seed, true, options), { optimizer, skipNonFinite });
}

export async function compileTrainingSessions(model: TrainableModel, options: SessionOptions): Promise<TrainingSessions> {
  // WASM: relaxed SIMD where the host has it, and a threaded build when asked for threads
  const threads = options.backend === 'wasm' ? Math.max(1, options.threads || 1) : 1;
  const wasm = options.backend === 'wasm' ? { relaxedSimd: true, ...(threads > 1 ? { threads } : {}) } : {};
  const [trainArtifact, evalArtifact] = await Promise.all([
    compile(trainingStepGraph(model, options.batchSize, options.seed, options.lr, options.options, options.skipNonFinite, options.totalSteps), { backend: options.backend, ...wasm }),
    compile(modelGraph(model, options.batchSize, options.seed, false, options.options), { backend: options.backend, ...wasm }),
  ]);
  const sessionOptions = threads > 1 ? { threads } : {};
  const [train, evalSession] = await Promise.all([createSession(trainArtifact, sessionOptions), createSession(evalArtifact, sessionOptions)]);
  return { train, eval: evalSession };
}

/** The evaluation session alone (what `axon eval` needs): skips compiling the training step. */
export async function openEvalSession(model: TrainableModel, options: SessionOptions): Promise<Session> {
  if (model.createSessions) {
    const { train, eval: evalSession } = await model.createSessions(options);
    train.dispose();
    return evalSession;
  }
  const threads = options.backend === 'wasm' ? Math.max(1, options.threads || 1) : 1;
  const wasm = options.backend === 'wasm' ? { relaxedSimd: true, ...(threads > 1 ? { threads } : {}) } : {};
  const artifact = await compile(modelGraph(model, options.batchSize, options.seed, false, options.options), { backend: options.backend, ...wasm });
  return createSession(artifact, threads > 1 ? { threads } : {});
}
