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
 * The params have the names and shapes of the training graph's (examples/char-gpt.ts and
 * nn.transformerBlock), so a checkpoint or a training session's params load as they are; the
 * test test/train/gpt-decode.test.ts checks the logits against the full-window forward at
 * every position.
 */
import { Graph, nn, type Tensor } from '../../compiler/index.ts';
import * as F from '../../compiler/frontend/math.ts';
import { geluTanh } from '../../compiler/frontend/composites.ts';
import { softmax } from '../../compiler/frontend/activations.ts';
import { normal, zeros } from '../../compiler/frontend/init.ts';
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
  for (let l = 1; l <= layers; l++) h = decodeBlock(h, ctx, `block${l}`, { heads, context, pos });
  h = nn.layerNorm({ name: 'ln_f' })(h, ctx);
  const tied = opt('tied');
  const logits = tied ? F.matmul(h, F.transpose(g.params.get('tok/table')!)) : F.matmul(h, ctx.param('head/w', [width, vocab], normal(ctx.rng, 0.02)));
  g.output(DECODE.logits, logits);
  return g;
}

/** x·W + b with the training graph's param names "<name>/w", "<name>/b" */
function linear(x: Tensor, ctx: nn.ModelContext, name: string, units: number): Tensor {
  const w = ctx.param(`${name}/w`, [x.shape[x.rank - 1]!, units], normal(ctx.rng, 0.02));
  return F.add(F.matmul(x, w), ctx.param(`${name}/b`, [units], zeros));
}

/** nn.transformerBlock for one position x [1, C] (pre-LN, tanh GELU MLP of 4·C, no dropout at inference) */
function decodeBlock(x: Tensor, ctx: nn.ModelContext, name: string, o: { heads: number; context: number; pos: Tensor }): Tensor {
  const c = x.shape[1]!;
  const h = F.add(x, cachedAttention(nn.layerNorm({ name: `${name}/ln1` })(x, ctx), ctx, name, o));
  const hidden = geluTanh(linear(nn.layerNorm({ name: `${name}/ln2` })(h, ctx), ctx, `${name}/fc`, 4 * c));
  return F.add(h, linear(hidden, ctx, `${name}/proj`, c));
}

/**
 * Causal self-attention of the token at pos over cache rows 0..pos, after writing its own key
 * and value into row pos. Heads split the width as in the training graph: head i owns columns
 * i·D..(i+1)·D − 1.
 */
function cachedAttention(x: Tensor, ctx: nn.ModelContext, block: string, o: { heads: number; context: number; pos: Tensor }): Tensor {
  const g = ctx.graph, c = x.shape[1]!, t = o.context, hs = o.heads, d = c / hs;
  const w = (p: string) => ctx.param(`${block}/attn/${p}`, [c, c], normal(ctx.rng, 0.02));
  const b = (p: string) => ctx.param(`${block}/attn/${p}`, [c], zeros);
  const wq = w('wq'), wk = w('wk'), wv = w('wv'), wo = w('wo');
  const bq = b('bq'), bk = b('bk'), bv = b('bv'), bo = b('bo');
  const q = F.add(F.matmul(x, wq), bq), k = F.add(F.matmul(x, wk), bk), v = F.add(F.matmul(x, wv), bv); // [1, C]
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
  return F.add(F.matmul(F.reshape(F.transpose(att, [1, 0, 2]), [1, c]), wo), bo);
}
