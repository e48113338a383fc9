/**
 * char-gpt's decode step: one token in, the next token's logits out, with every block's keys and
 * values kept in a KV cache held as session state (like optimizer moments in a training step).
 *
 * Inputs: token i32 [1] (the id at position pos), pos i32 [1] (0 ≤ pos < context).
 * Output: logits [1, vocab] for the token at pos + 1.
 * State:  "cache/<block>/k" and "cache/<block>/v", f32 [context, width] each.
 *
 * Each run writes this token's key and value into row pos of its block's caches (a masked
 * write: where(row == pos, new, old), O(context·width) per block like the attention itself)
 * and attends over rows 0..pos only; rows above pos hold stale values from an earlier
 * sequence, which the position mask hides, so a new sequence needs no reset — it starts at
 * pos 0. A prompt is prefilled by running it token by token.
 *
 * Each block is nn.transformerBlock itself with its self-attention replaced (`attend`), over the
 * same attention params (nn.attentionParams), so the params have the training graph's names and
 * shapes and a checkpoint or a training session's params load as they are;
 * test/train/gpt-decode.test.ts checks the logits against the full-window forward at every
 * position.
 */
import { Graph, nn, type Tensor } from '../../compiler/index.ts';
import * as F from '../../compiler/frontend/math.ts';
import { softmax } from '../../compiler/frontend/activations.ts';
import { normal } from '../../compiler/frontend/init.ts';
import { GPT_DEFAULTS, type GptOption } from '../char-gpt.ts';

/** the decode program's input, output and cache names */
export const DECODE = { token: 'token', pos: 'pos', logits: 'logits', cache: (block: string, kv: 'k' | 'v') => `cache/${block}/${kv}` } as const;

/** The decode-step graph for char-gpt's options (the same options the model was trained with; "vocab" set). */
export function gptDecodeGraph(options: Record<string, number>, name = 'char-gpt-v1.decode'): Graph {
  const g = new Graph(name);
  const ctx = new nn.ModelContext(g, { training: false, options });
  const opt = (n: GptOption) => ctx.option(n, GPT_DEFAULTS[n]);
  const vocab = opt('vocab'), width = opt('width'), layers = opt('layers'), heads = opt('heads'), context = opt('context');
  if (width % heads !== 0) throw new Error(`char-gpt decode: width ${width} is not divisible by ${heads} heads`);
  const token = g.input(DECODE.token, [1], 'i32');
  const pos = g.input(DECODE.pos, [1], 'i32');
  const tok = nn.embedding(vocab, width, { name: 'tok' })(token, ctx); // [1, C]
  const posTable = ctx.param('pos/table', [context, width], normal(ctx.rng, 0.02));
  let h = F.add(tok, F.gather(posTable, pos, 0));
  for (let l = 1; l <= layers; l++) h = decodeBlock(h, ctx, `block${l}`, { heads, layers, context, pos });
  h = nn.layerNorm({ name: 'ln_f' })(h, ctx);
  const tied = opt('tied');
  const logits = tied ? F.matmul(h, F.transpose(g.params.get('tok/table')!)) : F.matmul(h, ctx.param('head/w', [width, vocab], normal(ctx.rng, 0.02)));
  g.output(DECODE.logits, logits);
  return g;
}

/** nn.transformerBlock at one position x [1, C], its self-attention reading the block's KV cache */
function decodeBlock(x: Tensor, ctx: nn.ModelContext, name: string, o: { heads: number; layers: number; context: number; pos: Tensor }): Tensor {
  return nn.transformerBlock({ heads: o.heads, layers: o.layers, name, attend: (y, c, attnName, outStd) => cachedAttention(y, c, attnName, name, { ...o, outStd }) })(x, ctx);
}

/**
 * Causal self-attention of the token at pos over cache rows 0..pos, after writing its own key
 * and value into row pos. Heads split the width as in the training graph: head i owns columns
 * i·D..(i+1)·D − 1.
 */
function cachedAttention(x: Tensor, ctx: nn.ModelContext, name: string, block: string, o: { heads: number; context: number; pos: Tensor; outStd: number }): Tensor {
  const g = ctx.graph, c = x.shape[1]!, t = o.context, hs = o.heads, d = c / hs;
  const { wq, wk, wv, wo, bq, bk, bv, bo } = nn.attentionParams(ctx, name, c, { outStd: o.outStd });
  const addBias = (y: Tensor, bias: Tensor | undefined) => (bias ? F.add(y, bias) : y);
  const q = addBias(F.matmul(x, wq), bq), k = addBias(F.matmul(x, wk), bk), v = addBias(F.matmul(x, wv), bv); // [1, C]
  const thisRow = F.equal(F.iota(g, [t, 1], 0), o.pos); // [T, 1]: 1 at row pos
  const write = (kv: 'k' | 'v', value: Tensor): Tensor => {
    const cache = g.stateTensor(`cache/${block}/${kv}`, [t, c], new Float32Array(t * c));
    const next = F.where(thisRow, value, cache); // [T, C]
    g.update(cache, next);
    return next;
  };
  const keys = write('k', k), values = write('v', v);
  const q3 = F.reshape(q, [hs, 1, d]);
  const k3 = F.transpose(F.reshape(keys, [t, hs, d]), [1, 2, 0]); // [H, D, T]
  const v3 = F.transpose(F.reshape(values, [t, hs, d]), [1, 0, 2]); // [H, T, D]
  let scores = F.mul(F.matmul(q3, k3), 1 / Math.sqrt(d)); // [H, 1, T]
  const seen = F.lessEqual(F.iota(g, [1, 1, t], 2), o.pos); // [1, 1, T]: keys 0..pos
  scores = F.where(F.broadcastTo(seen, scores.shape), scores, -1e9);
  const att = F.matmul(softmax(scores, -1), v3); // [H, 1, D]
  return addBias(F.matmul(F.reshape(F.transpose(att, [1, 0, 2]), [1, c]), wo), bo);
}
