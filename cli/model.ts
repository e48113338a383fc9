/**
 * What a model module gives the CLI: the `TrainableModel` contract. A module (a .ts/.js file,
 * or an example name resolved under examples/) exports it as `default` or as `model`:
 *
 *   export default {
 *     id: 'fashion-simple-net-v1',          // checkpoints only load into the same id
 *     inputShape: [1, 28, 28], classes: 10,
 *     defaults: { epochs: 10, batchSize: 64, lr: 1e-3, patience: 3 },
 *     buildForward: (ctx) => ...,            // handed to the compiler adapter as is
 *     filterParam: 'conv1.weight',           // optional: drawn as filters.png after training
 *   } satisfies TrainableModel;
 *
 * The CLI never looks inside `buildForward`; cli/compile-model.ts turns the model into a train
 * session (inputs x [B, ...inputShape] f32, y [B] i32, maybe seed i32; outputs loss, logits)
 * and an eval session (input x; output logits) with the same param names.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Session } from '../runtime/session.ts';
import type { Backend } from '../runtime/artifact.ts';
import type { Graph, Tensor } from '../compiler/ir/graph.ts';
import type { ImageDataset } from '../runtime/data/dataset.ts';
import type { ModelContext } from '../compiler/frontend/nn.ts';

export interface TrainHyperparams {
  epochs: number;
  batchSize: number;
  lr: number;
  patience: number;
}

export interface SessionOptions {
  backend: Backend;
  batchSize: number;
  lr: number;
  seed: number;
  /** WASM worker threads (0 = backend default) */
  threads: number;
  /** model hyperparameters read by `ctx.option(name, fallback)` (e.g. { hidden: 64 }) */
  options?: Record<string, number>;
  /** compile the training step with trainStep's skipNonFinite guard (output "skipped") */
  skipNonFinite?: boolean;
  /** the run's planned number of training steps (learning-rate schedules) */
  totalSteps?: number;
}

export interface TrainingSessions {
  train: Session;
  eval: Session;
}

export interface TrainableModel {
  id: string;
  description?: string;
  /** one sample's shape, without the batch dimension */
  inputShape: number[];
  classes: number;
  /** per-model defaults for the train flags */
  defaults?: Partial<TrainHyperparams> & { normalize?: { mean: number; std: number } };
  /** builds the forward graph; opaque to the CLI, consumed by the compiler adapter */
  buildForward?: (x: Tensor, ctx: ModelContext) => Tensor;
  /**
   * A custom training graph instead of forward + softmax cross-entropy + optimizer (e.g. the
   * perceptron's own update rule). Inputs x [B, ...inputShape] and y i32 [B]; outputs loss and logits.
   */
  trainGraph?: (batchSize: number, options: { lr: number; seed: number; skipNonFinite?: boolean }) => Graph;
  /** the data instead of Fashion-MNIST (synthetic sets of the small lecture models) */
  dataset?: (split: 'train' | 'test') => ImageDataset;
  /** the optimizer for a learning rate (default: Adam); `totalSteps` is the run's planned step count (for schedules) */
  optimizer?: (lr: number, run?: { options: Record<string, number>; totalSteps: number }) => import('../compiler/frontend/optim.ts').Optimizer;
  /**
   * A self-supervised objective computed from x alone (next-character prediction over a
   * window) instead of softmax cross-entropy against labels y: the training graph outputs
   * its mean `loss` (and no logits), the evaluation graph each sample's `sampleLoss` [B].
   */
  objective?: (x: Tensor, ctx: ModelContext) => { loss: Tensor; sampleLoss: Tensor };
  /**
   * A character-level text model: `axon train` reads a UTF-8 corpus (--data FILE, default the
   * fortunes package) and feeds windows of `window(options)` token ids as x (f32 [B, window]);
   * the vocabulary size is handed to the model as the option "vocab".
   */
  text?: {
    window: (options: Record<string, number>) => number;
    /** the KV-cache decode step (token, pos → logits) for sampling; without it, sampling re-runs the window */
    decoder?: (options: Record<string, number>) => Graph;
  };
  /** name of a [O, C, KH, KW] param to draw as a filter grid */
  filterParam?: string;
  /** hand-built sessions instead of compiled ones (tests, JS reference models) */
  createSessions?: (options: SessionOptions) => Promise<TrainingSessions>;
}

/** Resolves a model argument: a file path, or an example name (examples/NAME.ts or examples/NAME/model.ts). */
export function resolveModelPath(spec: string, examplesDir = resolve(import.meta.dirname, '..', 'examples')): string {
  const candidates = /[\\/]|\.[cm]?[jt]s$/.test(spec)
    ? [resolve(spec)]
    // examples are .ts in a source checkout and .js in the installed package (dist/examples)
    : ['ts', 'js'].flatMap((ext) => [resolve(examplesDir, `${spec}.${ext}`), resolve(examplesDir, spec, `model.${ext}`)]);
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`model "${spec}" not found (looked for ${candidates.join(', ')})`);
  return found;
}

/**
 * Imports a model module. Plain Node (before 22.6) cannot import TypeScript, so a .ts model is
 * loaded through tsx, an optional peer dependency, when Node refuses it.
 */
async function importModelModule(path: string): Promise<{ default?: unknown; model?: unknown }> {
  const url = pathToFileURL(path).href;
  try {
    return await import(url);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    const tsx = await import('tsx/esm/api').catch(() => {
      throw new Error(`model module ${path} is TypeScript, which this Node cannot load by itself: npm install tsx (or compile the model to .js)`);
    });
    tsx.register();
    return import(url);
  }
}

export async function loadModel(spec: string): Promise<TrainableModel> {
  if (/\.onnx$/i.test(spec)) return (await import('./onnx-model.ts')).onnxTrainableModel(spec);
  const path = resolveModelPath(spec);
  const mod = await importModelModule(path);
  const model = (mod.default ?? mod.model) as TrainableModel | undefined;
  const problems: string[] = [];
  if (!model || typeof model !== 'object') problems.push('exports no `default` or `model` object');
  else {
    if (typeof model.id !== 'string' || !model.id) problems.push('`id` must be a non-empty string');
    if (!Array.isArray(model.inputShape)) problems.push('`inputShape` must be an array of numbers');
    if (!Number.isInteger(model.classes) || model.classes < 2) problems.push('`classes` must be an integer ≥ 2');
  }
  if (problems.length) throw new Error(`model module ${path} is not a TrainableModel: ${problems.join('; ')}`);
  return model!;
}
