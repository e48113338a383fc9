/**
 * char-gpt in TensorFlow.js, shared by its backends, written as a tfjs user would for speed:
 * fused matmul + bias, batched matmuls for attention, tf.variableGrads for the gradients,
 * tf.train.adam for the update (with AdamW's decoupled weight decay and global-norm clipping
 * done in tf ops around it, as char-gpt's optimizer does). Token embeddings are one-hot ·
 * table matmuls: tfjs-backend-wasm has no UnsortedSegmentSum kernel, so tf.gather has no
 * gradient there, and the matmul is as cheap at 113 characters.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node build ships no gradients; the union package's build registers them on the same core
import '@tensorflow/tfjs';
import type { BenchCase } from '../cases.ts';
import { GPT_OPT, LN_EPS, advanceWindow, gptBatch, gptConfig, gptParams, gptPrompt, isGptWorkload, type GptConfig } from '../cases-gpt.ts';
import type { PreparedCase } from '../system.ts';

type Vars = Record<string, tf.Variable>;

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))), g), b);
}

/** GPT-2's tanh GELU (tfjs-core has no gelu op) */
function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

const dense = (x: tf.Tensor2D, w: tf.Variable, b: tf.Variable) => tf.fused.matMul({ a: x, b: w as tf.Tensor2D, bias: b });

/** Logits [B·T, vocab] of token ids [B, T] (int32). */
function forward(v: Vars, cfg: GptConfig, ids: tf.Tensor2D, mask: tf.Tensor): tf.Tensor2D {
  const [batch, t] = ids.shape;
  const { width: c, heads } = cfg;
  const d = c / heads;
  const oneHot = tf.oneHot(tf.reshape(ids, [batch * t]), cfg.vocab).toFloat() as tf.Tensor2D;
  let h = tf.add(tf.reshape(tf.matMul(oneHot, v['tok/table']!), [batch, t, c]), v['pos/table']!).reshape([batch * t, c]) as tf.Tensor2D;
  const heads4 = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [batch, t, heads, d]), [0, 2, 1, 3]);
  for (let l = 1; l <= cfg.layers; l++) {
    const p = (n: string) => v[`block${l}/${n}`]!;
    const x = layerNorm(h, p('ln1/gamma'), p('ln1/beta')) as tf.Tensor2D;
    const q = heads4(dense(x, p('attn/wq'), p('attn/bq'))), k = heads4(dense(x, p('attn/wk'), p('attn/bk'))), vv = heads4(dense(x, p('attn/wv'), p('attn/bv')));
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d)), mask);
    const y = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), vv), [0, 2, 1, 3]), [batch * t, c]) as tf.Tensor2D;
    h = tf.add(h, dense(y, p('attn/wo'), p('attn/bo')));
    const m = geluTanh(dense(layerNorm(h, p('ln2/gamma'), p('ln2/beta')) as tf.Tensor2D, p('fc/w'), p('fc/b'))) as tf.Tensor2D;
    h = tf.add(h, dense(m, p('proj/w'), p('proj/b')));
  }
  // the head is tied to the token embedding
  return tf.matMul(layerNorm(h, v['ln_f/gamma']!, v['ln_f/beta']!) as tf.Tensor2D, v['tok/table']!, false, true);
}

/** additive causal mask [T, T]: 0 where a position may attend, −1e9 above the diagonal */
function causalMask(t: number): tf.Tensor {
  const m = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) m[i * t + j] = -1e9;
  return tf.tensor2d(m, [t, t]);
}

function variables(cfg: GptConfig): Vars {
  return Object.fromEntries(gptParams(cfg).map((p) => [p.name, tf.variable(tf.tensor(p.data, p.shape), true, `gpt/${p.name}`)]));
}

function trainer(cfg: GptConfig, batch: number): PreparedCase {
  const vars = variables(cfg);
  const list = Object.values(vars);
  const mask = causalMask(cfg.context);
  const b = gptBatch(cfg, batch);
  const w = cfg.context + 1;
  // inputs = columns 0..T−1 of each window, targets = columns 1..T
  const windows = tf.tensor2d(b.data, [batch, w], 'float32');
  const ids = tf.cast(tf.slice(windows, [0, 0], [batch, cfg.context]), 'int32') as tf.Tensor2D;
  const targets = tf.oneHot(tf.cast(tf.reshape(tf.slice(windows, [0, 1], [batch, cfg.context]), [batch * cfg.context]), 'int32'), cfg.vocab);
  const opt = tf.train.adam(GPT_OPT.lr, GPT_OPT.beta1, GPT_OPT.beta2, GPT_OPT.eps);
  const loss = () => tf.losses.softmaxCrossEntropy(targets, forward(vars, cfg, ids, mask)) as tf.Scalar;
  return {
    async run() {
      const { value, grads } = tf.variableGrads(loss, list);
      tf.tidy(() => {
        // clip by global norm, then AdamW: decay every param by lr·λ, then the Adam step
        const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
        const scale = tf.minimum(tf.div(GPT_OPT.clip, tf.add(norm, 1e-6)), 1);
        const clipped = Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, tf.mul(g, scale)]));
        for (const x of list) x.assign(tf.mul(x, 1 - GPT_OPT.lr * GPT_OPT.weightDecay));
        opt.applyGradients(clipped);
      });
      tf.dispose(grads);
      const out = (await value.data())[0]!;
      value.dispose();
      return out;
    },
    dispose: () => { opt.dispose(); tf.dispose([...list, mask, windows, ids, targets]); },
  };
}

function sampler(cfg: GptConfig): PreparedCase {
  const vars = variables(cfg);
  const mask = causalMask(cfg.context);
  const window = gptPrompt(cfg);
  return {
    async run() {
      const last = tf.tidy(() => tf.slice(forward(vars, cfg, tf.tensor2d(window, [1, cfg.context], 'int32'), mask), [cfg.context - 1, 0], [1, cfg.vocab]));
      const logits = (await last.data()) as Float32Array;
      last.dispose();
      advanceWindow(window, logits);
      return logits.reduce((s, x) => s + x, 0);
    },
    dispose: () => tf.dispose([...Object.values(vars), mask]),
  };
}

export function prepareTfjsGptCase(c: BenchCase): PreparedCase {
  const w = c.workload;
  if (!isGptWorkload(w)) throw new Error(`${c.name} is not a gpt case`);
  const cfg = gptConfig(w);
  return w.kind === 'gpt-train' ? trainer(cfg, w.batch) : sampler(cfg);
}
