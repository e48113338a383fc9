/**
 * `axon eval MODEL`: load a checkpoint (default: the best one of runs/<id>) into the model's
 * eval session, evaluate the Fashion-MNIST test split, draw its confusion matrix, the saliency
 * maps and adversarial examples of the first test images, and report dead ReLUs on the test split.
 * Model options (e.g. the hidden width) come from the checkpoint.
 */
import { join } from 'node:path';
import type { Backend } from '../../runtime/artifact.ts';
import { loadFashionMnist } from '../../runtime/node/fashion-mnist.ts';
import { loadCheckpoint } from '../../runtime/node/checkpoint.ts';
import { fitCheckpoint } from '../../runtime/train/checkpoint-fit.ts';
import { evaluate } from '../../runtime/train/loop.ts';
import { confusionMatrix } from '../../runtime/train/metrics.ts';
import { openEvalSession } from '../compile-model.ts';
import { loadModel } from '../model.ts';
import { deadReluReport, modelOptions, pictureReport } from './analysis-steps.ts';
import { loadPictures } from '../pictures/load.ts';
import type { DeadReluReport } from '../analysis/dead-relu.ts';
import type { SaliencyReport } from '../analysis/saliency-report.ts';

export interface EvalFlags {
  checkpoint?: string;
  backend: Backend;
  batchSize?: number;
  threads: number;
  data?: string;
  limit?: number;
  out?: string;
  /** draw saliency.png and adversarial.png (--no-pictures sets false; test-confusion.png is always drawn) */
  pictures?: boolean;
  deadRelu?: boolean;
  /** FGSM step in pixel units, or 'auto' (default): per image the smallest step that flips it */
  epsilon?: number | 'auto';
  /** model options when the checkpoint does not record them */
  options?: Record<string, number>;
}

export interface EvalResult {
  loss: number;
  accuracy: number;
  samples: number;
  /** test-confusion.png (absent when the optional picture packages are not installed) */
  confusion?: string;
  files: string[];
  deadRelu?: DeadReluReport;
  adversarial?: SaliencyReport;
}

export async function evalCommand(modelSpec: string, flags: EvalFlags, io: { log?: (s: string) => void } = {}): Promise<EvalResult> {
  const log = io.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const model = await loadModel(modelSpec);
  const ckptPath = flags.checkpoint ?? join('runs', model.id, 'checkpoints', 'best.axckpt');
  const ckpt = loadCheckpoint(ckptPath, model.id);
  const batchSize = flags.batchSize ?? model.defaults?.batchSize ?? 64;
  const saved = (ckpt.metadata as { options?: Record<string, number> }).options;
  const options = saved ?? modelOptions(model, flags.options);
  if (saved && flags.options && JSON.stringify(flags.options) !== JSON.stringify(saved)) {
    log(`note: the checkpoint was trained with options ${JSON.stringify(saved)}; using them (ignoring ${JSON.stringify(flags.options)})`);
  }
  if (model.dataset && flags.data !== undefined) log(`note: model "${model.id}" brings its own data; --data ${flags.data} is ignored`);
  const evalSession = await openEvalSession(model, { backend: flags.backend, batchSize, lr: 0, seed: 1, threads: flags.threads, options });
  try {
    const fitted = fitCheckpoint(ckpt, evalSession.manifest, { what: ckptPath });
    await evalSession.setParams({ ...fitted.params, ...fitted.state });
    const test = model.dataset ? model.dataset('test') : loadFashionMnist('test', { dir: flags.data, limit: flags.limit, ...model.defaults?.normalize });
    const r = await evaluate(evalSession, test, Int32Array.from({ length: test.count }, (_, i) => i));
    const pictures = await loadPictures(log);
    const outDir = flags.out ?? join('runs', model.id);
    const confusion = pictures && pictures.writePicture(join(outDir, 'test-confusion.png'),
      await pictures.confusionMatrixPng(confusionMatrix(r.predictions, test.labels, test.classNames.length), test.classNames, `${model.id}: test confusion matrix`));
    const result: EvalResult = { loss: r.loss, accuracy: r.accuracy, samples: test.count, ...(confusion ? { confusion } : {}), files: confusion ? [confusion] : [] };
    const analysis = { backend: flags.backend, outDir, options, log };
    const all = Int32Array.from({ length: test.count }, (_, i) => i);
    if (flags.deadRelu !== false) {
      const d = await deadReluReport(model, evalSession, test, all, 'test', { ...analysis, batchSize });
      if (d) { result.deadRelu = d.report; result.files.push(d.file); }
    }
    if (flags.pictures !== false) {
      const a = await pictureReport(model, evalSession, test, { ...analysis, epsilon: flags.epsilon ?? 'auto' });
      if (a) { result.adversarial = a; result.files.push(...a.files); }
    }
    return result;
  } finally {
    evalSession.dispose();
  }
}
