/**
 * Lecture 004's "derivatives of the response with respect to the input": a batch-1 graph of the
 * evaluation model that outputs the logits, the saliency ∂max(logits)/∂x and the loss gradient
 * ∂L/∂x that the fast gradient sign method steps along.
 */
import { Graph, gradients, losses, max, nn } from '../../compiler/index.ts';
import type { TrainableModel } from '../model.ts';

export const INPUT_GRADIENT_OUTPUTS = { logits: 'logits', saliency: 'saliency', lossGradient: 'loss_gradient' } as const;

/** Inputs x [1, ...inputShape] f32 and y [1] i32; outputs logits, saliency and loss_gradient (both shaped like x). */
export function inputGradientGraph(model: TrainableModel, options?: Record<string, number>): Graph {
  if (!model.buildForward) throw new Error(`model "${model.id}" has no buildForward, so its input gradients cannot be compiled`);
  const g = new Graph(`${model.id}.input-gradients`);
  const x = g.input('x', [1, ...model.inputShape]);
  const y = g.input('y', [1], 'i32');
  const logits = model.buildForward(x, new nn.ModelContext(g, { seed: 0, training: false, options }));
  const [saliency] = gradients(max(logits), [x]);
  const [lossGradient] = gradients(losses.softmaxCrossEntropy(logits, y), [x]);
  g.output(INPUT_GRADIENT_OUTPUTS.logits, logits);
  g.output(INPUT_GRADIENT_OUTPUTS.saliency, saliency!);
  g.output(INPUT_GRADIENT_OUTPUTS.lossGradient, lossGradient!);
  return g;
}

/** Fast gradient sign method: x + ε·sign(∂L/∂x), clipped to the valid input range. */
export function fgsm(x: ArrayLike<number>, lossGradient: ArrayLike<number>, epsilon: number, bounds: [number, number]): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]! + epsilon * Math.sign(lossGradient[i]!);
    out[i] = Math.min(bounds[1], Math.max(bounds[0], v));
  }
  return out;
}
