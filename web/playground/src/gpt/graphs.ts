/**
 * The char-gpt panel's two programs, built with the public compiler API (browser-safe; the
 * browser test builds the same graphs in Node): the training step (forward, backward, AdamW with
 * warm-up/cosine, in-graph global-norm clipping: examples/char-gpt.ts's objective and optimizer)
 * and the KV-cache decode step that writes the samples (examples/lib/gpt-decode.ts).
 */
import { Graph, nn, trainStep } from '../../../../compiler/index.ts';
import model from '../../../../examples/char-gpt.ts';
import { gptDecodeGraph } from '../../../../examples/lib/gpt-decode.ts';

/** The panel's small default: 2 layers, width 64, 4 heads, context 32 (about 0.1M params), batch 8. */
export const PANEL_GPT = {
  options: { layers: 2, width: 64, heads: 4, context: 32, dropout: 0, tied: 1, warmup: 20, weight_decay: 0.01, clip: 1 },
  batchSize: 8,
  lr: 3e-3,
  /** the cosine schedule's length (the panel keeps training past it at the final rate) */
  totalSteps: 2000,
  seed: 1,
} as const;

export type GptPanelConfig = typeof PANEL_GPT;

/** Training step x f32 [batch, context + 1] (token ids) → loss, updating params and AdamW state. */
export function gptTrainGraph(vocab: number, c: GptPanelConfig = PANEL_GPT): Graph {
  const options = { ...c.options, vocab };
  const g = new Graph(model.id);
  const x = g.input('x', [c.batchSize, c.options.context + 1]);
  const ctx = new nn.ModelContext(g, { seed: c.seed, training: true, options });
  g.output('loss', model.objective!(x, ctx).loss);
  return trainStep(g, { optimizer: model.optimizer!(c.lr, { options, totalSteps: c.totalSteps }) });
}

/** The decode step (token, pos → logits) with the same param names as the training step. */
export function gptSampleGraph(vocab: number, c: GptPanelConfig = PANEL_GPT): Graph {
  return gptDecodeGraph({ ...c.options, vocab });
}
