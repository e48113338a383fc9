/**
 * The analysis steps `axon train` runs at the end and `axon eval` runs after evaluating:
 * the dead-ReLU report (dead-relu.json) and the saliency / adversarial pictures. Each step says
 * why it is skipped for models it does not apply to instead of failing the run.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../../runtime/artifact.ts';
import type { Session } from '../../runtime/session.ts';
import type { ImageDataset } from '../../runtime/data/dataset.ts';
import { syncParams } from '../../runtime/train/loop.ts';
import { createSession } from '../../runtime/node/index.ts';
import { Graph, compile, nn } from '../../compiler/node.ts';
import { loadPictures } from '../pictures/load.ts';
import type { TrainableModel } from '../model.ts';
import { deadRelus, formatDeadRelus, reluAnalysisGraph, type DeadReluReport } from '../analysis/dead-relu.ts';
import { formatAdversarial, saliencyReport, saliencyUnsupported, type SaliencyReport } from '../analysis/saliency-report.ts';

interface StepOptions {
  backend: Backend;
  outDir: string;
  options: Record<string, number>;
  log: (s: string) => void;
}

/**
 * Checks that the model reads every given option (ctx.option) by building its graph once, so
 * `--hidden 64` on a model without a hidden layer is an error rather than silently ignored.
 */
export function modelOptions(model: TrainableModel, given: Record<string, number> = {}): Record<string, number> {
  const names = Object.keys(given);
  if (names.length === 0) return {};
  if (!model.buildForward) throw new Error(`model "${model.id}" has no buildForward, so it takes no options (given: ${names.join(', ')})`);
  const g = new Graph(`${model.id}.options`);
  const ctx = new nn.ModelContext(g, { options: given });
  model.buildForward(g.input('x', [1, ...model.inputShape]), ctx);
  const unread = names.filter((n) => !ctx.optionsRead.has(n));
  if (unread.length) {
    throw new Error(`model "${model.id}" does not read option${unread.length > 1 ? 's' : ''} ${unread.map((n) => `"${n}"`).join(', ')}`
      + ` (it reads: ${[...ctx.optionsRead].join(', ') || 'none'})`);
  }
  return { ...given };
}

export async function deadReluReport(
  model: TrainableModel, trained: Session, data: ImageDataset, indices: Int32Array, split: string, o: StepOptions & { batchSize: number },
): Promise<{ report: DeadReluReport; file: string } | null> {
  if (!model.buildForward) {
    o.log(`note: model "${model.id}" has no buildForward (hand-built sessions); no dead-ReLU report`);
    return null;
  }
  const batchSize = Math.min(o.batchSize, indices.length);
  const session = await createSession(await compile(reluAnalysisGraph(model, batchSize, o.options), { backend: o.backend }));
  try {
    await syncParams(trained, session);
    const report = await deadRelus(session, data, indices, { model: model.id, split });
    mkdirSync(o.outDir, { recursive: true });
    const file = join(o.outDir, 'dead-relu.json');
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    o.log(formatDeadRelus(report));
    return { report, file };
  } finally {
    session.dispose();
  }
}

export async function pictureReport(
  model: TrainableModel, trained: Session, test: ImageDataset, o: StepOptions & { epsilon: number | 'auto'; count?: number },
): Promise<SaliencyReport | null> {
  const why = saliencyUnsupported(model);
  if (why) {
    o.log(`note: ${why}`);
    return null;
  }
  if (!(await loadPictures(o.log))) return null;
  const r = await saliencyReport(model, trained, test, o);
  o.log(formatAdversarial(r));
  return r;
}
