/**
 * `axon eval MODEL`: load a checkpoint (default: the best one of runs/<id>) into the model's
 * eval session, evaluate the Fashion-MNIST test split, draw its confusion matrix.
 */
import { join } from 'node:path';
import type { Backend } from '../../runtime/artifact.ts';
import { loadFashionMnist } from '../../runtime/node/fashion-mnist.ts';
import { loadCheckpoint } from '../../runtime/node/checkpoint.ts';
import { evaluate } from '../../runtime/train/loop.ts';
import { confusionMatrix } from '../../runtime/train/metrics.ts';
import { openTrainingSessions } from '../compile-model.ts';
import { loadModel } from '../model.ts';

export interface EvalFlags {
  checkpoint?: string;
  backend: Backend;
  batchSize?: number;
  threads: number;
  data?: string;
  limit?: number;
  out?: string;
}

export async function evalCommand(modelSpec: string, flags: EvalFlags): Promise<{ loss: number; accuracy: number; samples: number; confusion: string }> {
  const model = await loadModel(modelSpec);
  const ckptPath = flags.checkpoint ?? join('runs', model.id, 'checkpoints', 'best.axckpt');
  const ckpt = loadCheckpoint(ckptPath, model.id);
  const batchSize = flags.batchSize ?? model.defaults?.batchSize ?? 64;
  const sessions = await openTrainingSessions(model, { backend: flags.backend, batchSize, lr: 0, seed: 1, threads: flags.threads });
  try {
    const wanted = new Set([...sessions.eval.manifest.params, ...sessions.eval.manifest.state].map((s) => s.name));
    await sessions.eval.setParams(Object.fromEntries(Object.entries({ ...ckpt.params, ...ckpt.state }).filter(([k]) => wanted.has(k))));
    const test = model.dataset ? model.dataset('test') : loadFashionMnist('test', { dir: flags.data, limit: flags.limit, ...model.defaults?.normalize });
    const r = await evaluate(sessions.eval, test, Int32Array.from({ length: test.count }, (_, i) => i));
    const { confusionMatrixPng, writePicture } = await import('../pictures/index.ts');
    const confusion = writePicture(join(flags.out ?? join('runs', model.id), 'test-confusion.png'),
      await confusionMatrixPng(confusionMatrix(r.predictions, test.labels, test.classNames.length), test.classNames, `${model.id}: test confusion matrix`));
    return { loss: r.loss, accuracy: r.accuracy, samples: test.count, confusion };
  } finally {
    sessions.train.dispose();
    sessions.eval.dispose();
  }
}
