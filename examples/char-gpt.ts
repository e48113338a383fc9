/**
 * char-gpt: a character-level GPT (pre-LN transformer) trained on a text corpus.
 * Run: npx axon train char-gpt --steps 500   (data: Debian's fortunes, or --data FILE)
 *
 * Token + learned position embeddings → `layers` pre-LN blocks (causal multi-head
 * self-attention, GELU MLP, residuals, dropout) → final layer norm → output head tied to the
 * token embedding (option tied=0 for a separate head) → softmax cross-entropy on the next
 * character at every position. AdamW with linear warm-up and cosine decay, gradients clipped
 * to global norm 1 in the graph.
 *
 * Options (--option name=value): layers 4, width 128, heads 4, context 128, dropout 0.1,
 * tied 1, warmup 100, weight_decay 0.01, clip 1; "vocab" is set from the corpus by the CLI.
 * At the defaults and the fortunes vocabulary (113 characters) it has 0.82M params.
 */
import { nn, optim, type Tensor } from '../compiler/index.ts';
import * as F from '../compiler/frontend/math.ts';
import { logSoftmax } from '../compiler/frontend/activations.ts';
import { oneHot } from '../compiler/frontend/composites.ts';
import { normal } from '../compiler/frontend/init.ts';
import type { TrainableModel } from '../cli/model.ts';
import { gptDecodeGraph } from './lib/gpt-decode.ts';

export const GPT_DEFAULTS = { layers: 4, width: 128, heads: 4, context: 128, dropout: 0.1, tied: 1, vocab: 96, warmup: 100, weight_decay: 0.01, clip: 1 } as const;

export type GptOption = keyof typeof GPT_DEFAULTS;
const opt = (ctx: nn.ModelContext, name: GptOption) => ctx.option(name, GPT_DEFAULTS[name]);

/** Logits [B, T, vocab] of i32 tokens [B, T] (T = the context option). */
export function gptLogits(tokens: Tensor, ctx: nn.ModelContext): Tensor {
  const vocab = opt(ctx, 'vocab'), width = opt(ctx, 'width'), layers = opt(ctx, 'layers'), heads = opt(ctx, 'heads');
  const context = opt(ctx, 'context'), p = opt(ctx, 'dropout');
  // the optimizer reads these; asking for them here tells the CLI the model takes them
  for (const n of ['warmup', 'weight_decay', 'clip'] as const) opt(ctx, n);
  const t = tokens.shape[1]!;
  if (t !== context) throw new Error(`char-gpt: windows of ${t} tokens, but the model's context is ${context}`);
  const tok = nn.embedding(vocab, width, { name: 'tok' })(tokens, ctx);
  const pos = ctx.param('pos/table', [context, width], normal(ctx.rng, 0.02));
  let h = nn.dropout(p)(F.add(tok, pos), ctx);
  for (let l = 1; l <= layers; l++) h = nn.transformerBlock({ heads, layers, dropout: p, name: `block${l}` })(h, ctx);
  h = nn.layerNorm({ name: 'ln_f' })(h, ctx);
  if (opt(ctx, 'tied')) return F.matmul(h, F.transpose(ctx.graph.params.get('tok/table')!));
  return F.matmul(h, ctx.param('head/w', [width, vocab], normal(ctx.rng, 0.02)));
}

/** Columns `from`..`from+count−1` of a window x f32 [B, W] (token ids held exactly in f32), as i32 (a slice view). */
function columns(x: Tensor, from: number, count: number): Tensor {
  return F.cast(F.slice(x, [null, [from, from + count]]), 'i32');
}

/** Per-position cross-entropy [B, T] of the next character, from a window x f32 [B, T + 1]. */
export function nextCharLosses(x: Tensor, ctx: nn.ModelContext): Tensor {
  const t = x.shape[1]! - 1;
  const logits = gptLogits(columns(x, 0, t), ctx);
  const targets = columns(x, 1, t);
  return F.neg(F.sum(F.mul(logSoftmax(logits, -1), oneHot(targets, logits.shape[2]!)), -1));
}

const model: TrainableModel = {
  id: 'char-gpt-v1',
  description: 'Character-level GPT (pre-LN transformer, causal self-attention) on a text corpus',
  inputShape: [GPT_DEFAULTS.context + 1],
  classes: GPT_DEFAULTS.vocab,
  defaults: { epochs: 1, batchSize: 32, lr: 1e-3, patience: 0 },
  text: { window: (o) => (o.context ?? GPT_DEFAULTS.context) + 1, decoder: (o) => gptDecodeGraph(o) },
  buildForward: (x, ctx) => gptLogits(columns(x, 0, x.shape[1]! - 1), ctx),
  objective: (x, ctx) => {
    const perChar = nextCharLosses(x, ctx);
    return { loss: F.mean(perChar), sampleLoss: F.mean(perChar, 1) };
  },
  optimizer: (lr, run) => {
    const o = run?.options ?? {};
    const schedule = optim.warmupCosine(lr, { warmup: o.warmup ?? GPT_DEFAULTS.warmup, total: run?.totalSteps ?? 1000 });
    return optim.clipByGlobalNorm(optim.adamw({ lr: schedule, weightDecay: o.weight_decay ?? GPT_DEFAULTS.weight_decay }), o.clip ?? GPT_DEFAULTS.clip);
  },
};
export default model;
