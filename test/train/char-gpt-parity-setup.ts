/**
 * The tiny char-gpt configuration of the PyTorch parity test, shared by the test and by
 * scripts/export-gpt-parity.ts (which hands Axon's initial weights and batches to
 * scripts/make-goldens-gpt.py). Everything here is deterministic: the weights come from the
 * model's seeded initializers, the batches from seeded windows of a fixed text.
 */
import model from '../../examples/char-gpt.ts';
import { modelGraph } from '../../cli/compile-model.ts';
import { trainStep } from '../../compiler/index.ts';
import { sizedTextModel } from '../../cli/text-model.ts';
import { textWindows } from '../../runtime/data/text.ts';
import type { Graph } from '../../compiler/index.ts';

export const PARITY_TEXT = 'the quick brown fox jumps over the lazy dog. pack my box with five dozen liquor jugs!\n'.repeat(4);
export const PARITY = {
  options: { layers: 2, width: 16, heads: 2, context: 8, dropout: 0, tied: 1, warmup: 2, weight_decay: 0.01, clip: 1 },
  batchSize: 4, steps: 5, lr: 1e-2, seed: 3,
} as const;

export function parityGraph(): { graph: Graph; batches: Float32Array[]; options: Record<string, number>; vocab: string } {
  const text = textWindows(PARITY_TEXT, { window: PARITY.options.context + 1, seed: PARITY.seed, trainWindows: PARITY.batchSize * PARITY.steps, valFraction: 0.1 });
  const options = { ...PARITY.options, vocab: text.vocab.chars.length };
  const sized = sizedTextModel(model, options, text.vocab.chars.length);
  // the CLI's training step (same optimizer), plus each param's gradient as an output
  const optimizer = model.optimizer!(PARITY.lr, { options, totalSteps: PARITY.steps });
  const graph = trainStep(modelGraph(sized, PARITY.batchSize, PARITY.seed, true, options), { optimizer, outputGradients: true });
  const w = PARITY.options.context + 1, per = PARITY.batchSize * w;
  const batches = Array.from({ length: PARITY.steps }, (_, s) => text.data.images.slice(s * per, (s + 1) * per));
  return { graph, batches, options, vocab: text.vocab.chars.join('') };
}
