/**
 * char-gpt in jax-js, shared by its wasm and webgpu devices, as a jax-js user would write it:
 * nn.standardize for layer norm, nn.gelu (tanh), batched matmuls and an additive causal mask
 * for attention, the whole training step (valueAndGrad, global-norm clipping, AdamW) under one
 * jit. (nn.dotProductAttention would be the idiomatic call, but it goes through np.einsum, which
 * uses iterator helpers that Node 20 lacks: "matchAll(...).map is not a function".) jax-js
 * functions consume their array arguments (reference counting), hence the `.ref`s.
 */
import * as jax from '@jax-js/jax';
import type { BenchCase } from '../cases.ts';
import { GPT_OPT, LN_EPS, advanceWindow, gptBatch, gptConfig, gptParams, gptPrompt, isGptWorkload, type GptConfig } from '../cases-gpt.ts';
import type { PreparedCase } from '../system.ts';

const { numpy: np, jit, valueAndGrad, nn } = jax;
type A = jax.Array;

/** additive causal mask [T, T]: 0 where a position may attend, −1e9 above the diagonal */
function causalMask(t: number): A {
  const m = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) m[i * t + j] = -1e9;
  return np.array(m).reshape([t, t]);
}

/** Logits [B·T, vocab] of token ids [B, T] (int32); `p` in gptParams order, each used once (refs taken here). */
function forward(p: A[], index: Map<string, number>, cfg: GptConfig, ids: A, mask: A): A {
  const [b, t] = ids.shape as [number, number];
  const { width: c, heads } = cfg;
  const get = (name: string) => p[index.get(name)!]!;
  const ln = (x: A, pre: string) => nn.standardize(x, -1, { epsilon: LN_EPS }).mul(get(`${pre}/gamma`)).add(get(`${pre}/beta`));
  const dense = (x: A, pre: string, w = 'w', bias = 'b') => np.matmul(x, get(`${pre}/${w}`)).add(get(`${pre}/${bias}`));
  const table = get('tok/table');
  // token embedding as one-hot · table, as the tfjs peer does (the table is used again by the head)
  let h = np.matmul(nn.oneHot(ids.reshape([b * t]), cfg.vocab), table.ref).reshape([b, t, c]).add(get('pos/table')).reshape([b * t, c]);
  for (let l = 1; l <= cfg.layers; l++) {
    const blk = `block${l}`;
    const x = ln(h.ref, `${blk}/ln1`);
    const d = c / heads;
    // [B·T, C] → [B, heads, T, d] (keys as [B, heads, d, T])
    const split = (y: A, perm: number[]) => y.reshape([b, t, heads, d]).transpose(perm);
    const q = split(dense(x.ref, `${blk}/attn`, 'wq', 'bq'), [0, 2, 1, 3]), k = split(dense(x.ref, `${blk}/attn`, 'wk', 'bk'), [0, 2, 3, 1]), v = split(dense(x, `${blk}/attn`, 'wv', 'bv'), [0, 2, 1, 3]);
    const scores = np.matmul(q, k).mul(1 / Math.sqrt(d)).add(mask.ref);
    const y = np.matmul(nn.softmax(scores, -1), v).transpose([0, 2, 1, 3]).reshape([b * t, c]);
    h = h.add(dense(y, `${blk}/attn`, 'wo', 'bo'));
    h = h.ref.add(dense(nn.gelu(dense(ln(h, `${blk}/ln2`), `${blk}/fc`)), `${blk}/proj`));
  }
  mask.dispose();
  return np.matmul(ln(h, 'ln_f'), table.transpose());
}

const crossEntropy = (logits: A, labels: A) => np.mean(np.sum(labels.mul(nn.logSoftmax(logits, -1)), -1)).mul(-1);

function trainer(cfg: GptConfig, batch: number): PreparedCase {
  const named = gptParams(cfg);
  const index = new Map(named.map((p, i) => [p.name, i]));
  const w = cfg.context + 1;
  const windows = gptBatch(cfg, batch).data;
  const idsHost = new Int32Array(batch * cfg.context), targetsHost = new Int32Array(batch * cfg.context);
  for (let s = 0; s < batch; s++) for (let j = 0; j < cfg.context; j++) {
    idsHost[s * cfg.context + j] = windows[s * w + j]!;
    targetsHost[s * cfg.context + j] = windows[s * w + j + 1]!;
  }
  const ids = np.array(idsHost).reshape([batch, cfg.context]);
  const labels = nn.oneHot(np.array(targetsHost), cfg.vocab);
  const { lr, beta1, beta2, eps, weightDecay, clip } = GPT_OPT;
  const mask = causalMask(cfg.context);
  const step = jit((p: A[], m: A[], v: A[], lrT: A, xb: A, yb: A, mk: A) => {
    const [value, g] = valueAndGrad((pp: A[]) => crossEntropy(forward(pp, index, cfg, xb, mk), yb))(p.map((q) => q.ref));
    let sq = np.sum(g[0]!.ref.mul(g[0]!.ref));
    for (let i = 1; i < g.length; i++) sq = sq.add(np.sum(g[i]!.ref.mul(g[i]!.ref)));
    const scale = np.minimum(np.reciprocal(np.sqrt(sq).add(1e-6)).mul(clip), 1);
    const gc = g.map((gi) => gi.mul(scale.ref));
    scale.dispose();
    const m2 = m.map((mi, i) => mi.mul(beta1).add(gc[i]!.ref.mul(1 - beta1)));
    const v2 = v.map((vi, i) => vi.mul(beta2).add(gc[i]!.ref.mul(gc[i]!).mul(1 - beta2)));
    const p2 = p.map((pi, i) => pi.mul(1 - lr * weightDecay).sub(m2[i]!.ref.mul(lrT.ref).div(np.sqrt(v2[i]!.ref).add(eps))));
    lrT.dispose();
    return [value, p2, m2, v2] as const;
  });
  let params = named.map((t) => np.array(t.data as Float32Array<ArrayBuffer>).reshape(t.shape));
  let m = params.map((q) => np.zerosLike(q.ref));
  let v = params.map((q) => np.zerosLike(q.ref));
  let t = 0;
  return {
    async run() {
      t++;
      const lrT = np.array([lr * Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)]);
      const [value, p2, m2, v2] = step(params, m, v, lrT, ids.ref, labels.ref, mask.ref) as unknown as [A, A[], A[], A[]];
      params = p2; m = m2; v = v2;
      return (await value.data())[0]!;
    },
    dispose: () => { [...params, ...m, ...v, ids, labels, mask].forEach((a) => a.dispose()); step.dispose?.(); },
  };
}

function sampler(cfg: GptConfig): PreparedCase {
  const named = gptParams(cfg);
  const index = new Map(named.map((p, i) => [p.name, i]));
  const params = named.map((t) => np.array(t.data as Float32Array<ArrayBuffer>).reshape(t.shape));
  const window = gptPrompt(cfg);
  const mask = causalMask(cfg.context);
  const f = jit((p: A[], ids: A, mk: A) => forward(p, index, cfg, ids, mk).slice(cfg.context - 1));
  return {
    async run() {
      const logits = (await f(params.map((q) => q.ref), np.array(window.slice()).reshape([1, cfg.context]), mask.ref).data()) as Float32Array;
      advanceWindow(window, logits);
      return logits.reduce((s, x) => s + x, 0);
    },
    dispose: () => { [...params, mask].forEach((a) => a.dispose()); f.dispose?.(); },
  };
}

export function prepareJaxGptCase(c: BenchCase): PreparedCase {
  const w = c.workload;
  if (!isGptWorkload(w)) throw new Error(`${c.name} is not a gpt case`);
  const cfg = gptConfig(w);
  return w.kind === 'gpt-train' ? trainer(cfg, w.batch) : sampler(cfg);
}
