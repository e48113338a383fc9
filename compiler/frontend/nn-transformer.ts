/**
 * Transformer layers (re-exported by nn.ts): embedding, layer and RMS norm, multi-head causal
 * self-attention, the pre-LN transformer block and residual helpers. Each owns its params,
 * named "<layer>/<param>"; the math is in composites.ts.
 */
import { GraphError, userCallSite } from '../ir/errors.ts';
import type { Tensor } from '../ir/graph.ts';
import { fmtType } from '../ir/types.ts';
import * as F from './math.ts';
import * as C from './composites.ts';
import { normal, ones, zeros, type Rng, type Initializer } from './init.ts';
import { dropout, type Layer, type ModelContext } from './nn.ts';

/** GPT-2's initializer: N(0, 0.02²) */
const gptNormal = (std = 0.02) => (rng: Rng): Initializer => normal(rng, std);

export interface EmbeddingOptions {
  init?: (rng: Rng) => Initializer;
  name?: string;
}

/** Token embedding: i32 ids [...] → f32 [..., dim], table "<name>/table" [vocab, dim]. */
export function embedding(vocab: number, dim: number, o: EmbeddingOptions = {}): Layer {
  return (ids, ctx) => {
    if (ids.dtype !== 'i32') throw new GraphError(`embedding(${vocab}, ${dim}): ids must be i32, got ${fmtType(ids)}`, userCallSite());
    const name = ctx.name('embedding', o.name);
    return C.embedding(ids, ctx.param(`${name}/table`, [vocab, dim], (o.init ?? gptNormal())(ctx.rng)));
  };
}

/** Layer norm over the last axis with learned γ (ones) and β (zeros). */
export function layerNorm(o: { eps?: number; name?: string } = {}): Layer {
  return (x, ctx) => {
    const c = x.shape[x.rank - 1]!;
    const name = ctx.name('ln', o.name);
    return C.layerNorm(x, ctx.param(`${name}/gamma`, [c], ones), ctx.param(`${name}/beta`, [c], zeros), { eps: o.eps ?? 1e-5 });
  };
}

/** RMS norm over the last axis with a learned γ (ones). */
export function rmsNorm(o: { eps?: number; name?: string } = {}): Layer {
  return (x, ctx) => {
    const c = x.shape[x.rank - 1]!;
    const name = ctx.name('rmsnorm', o.name);
    return C.rmsNorm(x, ctx.param(`${name}/gamma`, [c], ones), { eps: o.eps ?? 1e-6 });
  };
}

export interface AttentionOptions {
  heads: number;
  causal?: boolean;
  bias?: boolean;
  /** std of the output projection's init (GPT-2 scales it by 1/√(2·layers)) */
  outStd?: number;
  name?: string;
}

/** Multi-head self-attention on [B, T, C]: params wq, wk, wv, wo [C, C] (x·W layout) and biases. */
export function attention(o: AttentionOptions): Layer {
  return (x, ctx) => {
    if (x.rank !== 3) throw new GraphError(`attention: input must be [B, T, C], got ${fmtType(x)}`, userCallSite());
    const weights = attentionParams(ctx, ctx.name('attn', o.name), x.shape[2]!, o);
    return C.multiHeadSelfAttention(x, weights, o.heads, { causal: o.causal ?? true });
  };
}

/**
 * The attention layer's params "<name>/wq", …, "<name>/bo" for width c: shared by `attention` and
 * by attention written another way over the same weights (a decoder step over a KV cache).
 */
export function attentionParams(ctx: ModelContext, name: string, c: number, o: Pick<AttentionOptions, 'bias' | 'outStd'> = {}): C.MultiHeadWeights {
  const w = (p: string, std = 0.02) => ctx.param(`${name}/${p}`, [c, c], normal(ctx.rng, std));
  const b = (p: string) => (o.bias === false ? undefined : ctx.param(`${name}/${p}`, [c], zeros));
  return { wq: w('wq'), wk: w('wk'), wv: w('wv'), wo: w('wo', o.outStd ?? 0.02), bq: b('bq'), bk: b('bk'), bv: b('bv'), bo: b('bo') };
}

/** x + f(x) */
export const residual = (f: Layer): Layer => (x, ctx) => F.add(x, f(x, ctx));

/** A dense layer with GPT-2 initialization (N(0, std²) weights, zero bias) on the last axis. */
function linear(x: Tensor, ctx: ModelContext, name: string, units: number, std = 0.02): Tensor {
  const w = ctx.param(`${name}/w`, [x.shape[x.rank - 1]!, units], normal(ctx.rng, std));
  return F.add(F.matmul(x, w), ctx.param(`${name}/b`, [units], zeros));
}

export interface TransformerBlockOptions {
  heads: number;
  /** hidden width of the MLP as a multiple of the model width (default 4) */
  mlpRatio?: number;
  dropout?: number;
  causal?: boolean;
  /** number of blocks in the model, for GPT-2's scaled init of the residual projections */
  layers?: number;
  /** GELU form of the MLP: 'tanh' (GPT-2's, default) or 'erf' (exact) */
  gelu?: 'tanh' | 'erf';
  /**
   * the self-attention over ln1(x), in place of `attention` (e.g. one position attending over a
   * KV cache); `name` is the attention layer's, "<block>/attn", so its params keep their names
   */
  attend?: (x: Tensor, ctx: ModelContext, name: string, outStd: number) => Tensor;
  name?: string;
}

/**
 * The pre-LN transformer block of GPT-2: x + drop(attn(ln1(x))), then + drop(mlp(ln2(x))) with
 * mlp = dense(ratio·C) → GELU → dense(C). Params: "<block>/ln1/…", "<block>/attn/…",
 * "<block>/fc/…", "<block>/proj/…", "<block>/ln2/…".
 */
export function transformerBlock(o: TransformerBlockOptions): Layer {
  return (x, ctx) => {
    const c = x.shape[x.rank - 1]!;
    const name = ctx.name('block', o.name);
    const outStd = 0.02 / Math.sqrt(2 * (o.layers ?? 1));
    const drop = (h: Tensor) => dropout(o.dropout ?? 0)(h, ctx);
    const attend = o.attend ?? ((y: Tensor, c2: ModelContext, n: string) => attention({ heads: o.heads, causal: o.causal ?? true, outStd, name: n })(y, c2));
    const a = attend(layerNorm({ name: `${name}/ln1` })(x, ctx), ctx, `${name}/attn`, outStd);
    const h = F.add(x, drop(a));
    const act = o.gelu === 'erf' ? C.gelu : C.geluTanh;
    const hidden = act(linear(layerNorm({ name: `${name}/ln2` })(h, ctx), ctx, `${name}/fc`, Math.round((o.mlpRatio ?? 4) * c)));
    return F.add(h, drop(linear(hidden, ctx, `${name}/proj`, c, outStd)));
  };
}
