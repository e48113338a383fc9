/**
 * The one place the CLI needs the compiler: turn a TrainableModel into its train and eval
 * sessions. A model with `createSessions` brings its own; otherwise compile it.
 */
import type { SessionOptions, TrainableModel, TrainingSessions } from './model.ts';

export async function openTrainingSessions(model: TrainableModel, options: SessionOptions): Promise<TrainingSessions> {
  if (model.createSessions) return model.createSessions(options);
  return compileTrainingSessions(model, options);
}

/**
 * To be wired by the compiler owner: compile(trainStep(forward, loss, { optimizer: adam(lr) }))
 * and the forward-only graph for `options.backend` at `options.batchSize`, then createSession on
 * both artifacts. The sessions must share param names (the loop copies train → eval by name).
 */
export async function compileTrainingSessions(model: TrainableModel, options: SessionOptions): Promise<TrainingSessions> {
  void options;
  throw new Error(`compiler API not wired yet: cannot compile model "${model.id}" (cli/compile-model.ts compileTrainingSessions)`);
}
