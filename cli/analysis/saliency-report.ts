/**
 * After training (and in `axon eval`): saliency maps and FGSM adversarial examples of the first
 * few test images, drawn as saliency.png and adversarial.png. The batch-1 input-gradient graph
 * is compiled here and given the trained params by name.
 */
import { join } from 'node:path';
import type { Backend } from '../../runtime/artifact.ts';
import type { Session } from '../../runtime/session.ts';
import type { ImageDataset } from '../../runtime/data/dataset.ts';
import { syncParams } from '../../runtime/train/loop.ts';
import { compile } from '../../compiler/node.ts';
import { createSession } from '../../runtime/node/index.ts';
import type { TrainableModel } from '../model.ts';
import { fgsm, inputGradientGraph, INPUT_GRADIENT_OUTPUTS as OUT } from './input-gradients.ts';

export interface SaliencyReportOptions {
  backend: Backend;
  outDir: string;
  /** how many test images (default 4) */
  count?: number;
  /**
   * FGSM step in pixel units of [0, 1] (converted to the model's normalized units), or 'auto':
   * per image, the smallest step of EPSILON_LADDER that flips the prediction (the largest if none does)
   */
  epsilon: number | 'auto';
  options?: Record<string, number>;
}

/** the steps 'auto' tries, in pixel units */
export const EPSILON_LADDER = [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3];

export interface AdversarialCase {
  index: number;
  epsilon: number;
  label: string;
  predicted: string;
  confidence: number;
  adversarialPredicted: string;
  adversarialConfidence: number;
  flipped: boolean;
}

export interface SaliencyReport {
  files: string[];
  epsilon: number | 'auto';
  cases: AdversarialCase[];
}

/** Why the pictures cannot be drawn for this model, or null when they can. */
export function saliencyUnsupported(model: TrainableModel): string | null {
  if (model.inputShape.length !== 3) return `model "${model.id}" takes [${model.inputShape.join(', ')}] inputs, not images; no saliency/adversarial pictures`;
  if (!model.buildForward) return `model "${model.id}" has no buildForward (hand-built sessions); no saliency/adversarial pictures`;
  return null;
}

export async function saliencyReport(model: TrainableModel, trained: Session, test: ImageDataset, o: SaliencyReportOptions): Promise<SaliencyReport> {
  const artifact = await compile(inputGradientGraph(model, o.options), { backend: o.backend });
  const session = await createSession(artifact);
  try {
    await syncParams(trained, session);
    const { mean = 0, std = 1 } = model.defaults?.normalize ?? {};
    const bounds: [number, number] = [(0 - mean) / std, (1 - mean) / std];
    const ladder = o.epsilon === 'auto' ? EPSILON_LADDER : [o.epsilon];
    const size = model.inputShape.reduce((a, b) => a * b, 1);
    const count = Math.min(o.count ?? 4, test.count);
    const names = test.classNames;
    const saliencyRows = [];
    const triptychs = [];
    const cases: AdversarialCase[] = [];
    for (let i = 0; i < count; i++) {
      const x = test.images.slice(i * size, (i + 1) * size);
      const y = test.labels[i]!;
      const out = await session.run({ x, y: [y] });
      const p = softmaxTop(out[OUT.logits]!);
      let adv: Float32Array = x;
      let pa = p;
      let epsilon = 0;
      for (const e of ladder) {
        epsilon = e;
        adv = fgsm(x, out[OUT.lossGradient]!, e / std, bounds);
        pa = softmaxTop((await session.run({ x: adv, y: [y] }, { outputs: [OUT.logits] }))[OUT.logits]!);
        if (pa.index !== p.index) break;
      }
      saliencyRows.push({ image: x, gradient: out[OUT.saliency]!, caption: `#${i}  true: ${names[y]}, predicted: ${names[p.index]} (${(p.p * 100).toFixed(1)}%)` });
      triptychs.push({
        original: x, adversarial: adv, shape: model.inputShape,
        originalPrediction: { className: names[p.index]!, confidence: p.p },
        adversarialPrediction: { className: names[pa.index]!, confidence: pa.p },
        perturbationLabel: `ε = ${epsilon} (FGSM)`,
      });
      cases.push({
        index: i, epsilon, label: names[y]!, predicted: names[p.index]!, confidence: p.p,
        adversarialPredicted: names[pa.index]!, adversarialConfidence: pa.p, flipped: pa.index !== p.index,
      });
    }
    const { adversarialSheetPng, saliencySheetPng, writePicture } = await import('../pictures/index.ts');
    const files = [
      writePicture(join(o.outDir, 'saliency.png'), saliencySheetPng(saliencyRows, model.inputShape, `${model.id}: saliency of the top class`)),
      writePicture(join(o.outDir, 'adversarial.png'), adversarialSheetPng(triptychs, o.epsilon === 'auto'
        ? `${model.id}: FGSM, smallest flipping ε ≤ ${ladder.at(-1)}`
        : `${model.id}: FGSM, ε = ${o.epsilon}`)),
    ];
    return { files, epsilon: o.epsilon, cases };
  } finally {
    session.dispose();
  }
}

export function formatAdversarial(r: SaliencyReport): string {
  const flipped = r.cases.filter((c) => c.flipped).length;
  return `adversarial (FGSM, ε ${r.epsilon === 'auto' ? `≤ ${EPSILON_LADDER.at(-1)}, smallest that flips` : `= ${r.epsilon}`}): `
    + `${flipped} of ${r.cases.length} predictions flipped`
    + (r.cases.length ? ` (${r.cases.map((c) => `${c.predicted} → ${c.adversarialPredicted}${r.epsilon === 'auto' ? ` at ε ${c.epsilon}` : ''}`).join('; ')})` : '');
}

function softmaxTop(logits: ArrayLike<number>): { index: number; p: number } {
  let index = 0;
  for (let c = 1; c < logits.length; c++) if (logits[c]! > logits[index]!) index = c;
  let z = 0;
  for (let c = 0; c < logits.length; c++) z += Math.exp(logits[c]! - logits[index]!);
  return { index, p: 1 / z };
}
