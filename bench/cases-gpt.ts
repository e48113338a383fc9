/**
 * The char-gpt cases (issue 13 §6): one training step of examples/char-gpt.ts, and generating
 * one character. Every system builds the same model from the same weights, named as Axon names
 * its params, so first-run checksums (the first step's loss, the first logits) agree.
 *
 * Bench size: the default model (4 pre-LN blocks, width 128, 4 heads, context 128, tied head;
 * 824,192 params with the fortunes vocabulary of 113 characters) at batch 8 instead of the CLI's
 * 32: 1,024 tokens per step. Batch 32 needs a 315 MB WebGPU arena, above llvmpipe's 128 MiB
 * storage-buffer limit (one arena buffer per program); batch 8 fits. Dropout is off (0) so that
 * the loss is deterministic and comparable across systems. The optimizer is the model's: AdamW
 * (weight decay 0.01, all params), gradients clipped to global norm 1; the peers use a constant
 * learning rate where Axon runs its warm-up/cosine schedule (a scalar per step).
 */
import type { BenchCase } from './cases.ts';
import { mulberry32 } from '../runtime/data/prng.ts';
import type { Tensor } from './workloads.ts';

export interface GptConfig {
  vocab: number;
  layers: number;
  width: number;
  heads: number;
  context: number;
  /** MLP hidden width = mlpRatio · width */
  mlpRatio: number;
}

/** the default char-gpt (examples/char-gpt.ts GPT_DEFAULTS) with the fortunes vocabulary */
export const GPT: GptConfig = { vocab: 113, layers: 4, width: 128, heads: 4, context: 128, mlpRatio: 4 };
/** AdamW as char-gpt trains: lr 1e-3 (PyTorch's eps), weight decay 0.01, clip to norm 1 */
export const GPT_OPT = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, clip: 1, warmup: 100 } as const;
export const LN_EPS = 1e-5;

/** `model` overrides the GPT sizes (the unit test runs the peers on a tiny model) */
export type GptWorkload =
  | { kind: 'gpt-train'; batch: number; context: number; model?: Partial<GptConfig> }
  | { kind: 'gpt-sample'; context: number; model?: Partial<GptConfig> };

export const isGptWorkload = (w: { kind: string }): w is GptWorkload => w.kind === 'gpt-train' || w.kind === 'gpt-sample';

/** the model the case runs: GPT at the case's context */
export const gptConfig = (w: GptWorkload): GptConfig => ({ ...GPT, ...w.model, context: w.context });

/**
 * jax-js's jit and the WebGPU systems' shader compiles make the first step take 10–60 s here
 * (loaded 2 cores, llvmpipe), and a WebGPU step several seconds: room over the run's defaults.
 */
const SLOW = { maxRunMs: 180_000, prepareTimeoutMs: 540_000 };

export const GPT_CASES: BenchCase[] = [
  {
    name: 'gpt-train-b8', workload: { kind: 'gpt-train', batch: 8, context: 128 }, metric: 'samples_per_s', samples: 8 * 128, quick: false, timing: SLOW,
    description: 'char-gpt training step (4 layers, width 128, 4 heads, context 128, 824k params; AdamW, clip 1, dropout 0), batch 8: samples = tokens',
  },
  {
    // one generated character = one forward pass over the full window (no KV cache)
    name: 'gpt-sample', workload: { kind: 'gpt-sample', context: 128 }, metric: 'samples_per_s', samples: 1, quick: false, timing: SLOW,
    description: 'char-gpt generation, one character per run: forward over the 128-character window, greedy next character; samples = characters',
  },
];

/** a param's shape and its deterministic initial value */
export interface NamedTensor extends Tensor { name: string }

/**
 * The params in Axon's names and order of creation (x·W layout): GPT-2's N(0, 0.02²) (drawn as
 * uniform with the same variance), residual projections scaled by 1/√(2·layers), layer norms
 * γ = 1, β = 0 and zero biases, except that every bias gets a little noise so a transposed or
 * misnamed one shows up in the checksum.
 */
export function gptParams(cfg: GptConfig): NamedTensor[] {
  const { vocab, width: c, context, layers } = cfg;
  const hidden = Math.round(cfg.mlpRatio * c);
  const out: NamedTensor[] = [];
  let seed = 1000;
  const add = (name: string, shape: number[], std: number, mean = 0) => {
    const next = mulberry32(seed++);
    const a = std * Math.sqrt(3);
    const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
    for (let i = 0; i < data.length; i++) data[i] = mean + (next() * 2 - 1) * a;
    out.push({ name, shape, data });
  };
  const proj = 0.02 / Math.sqrt(2 * layers);
  add('tok/table', [vocab, c], 0.02);
  add('pos/table', [context, c], 0.02);
  for (let l = 1; l <= layers; l++) {
    const b = `block${l}`;
    add(`${b}/ln1/gamma`, [c], 0.01, 1); add(`${b}/ln1/beta`, [c], 0.01);
    for (const p of ['q', 'k', 'v']) { add(`${b}/attn/w${p}`, [c, c], 0.02); add(`${b}/attn/b${p}`, [c], 0.01); }
    add(`${b}/attn/wo`, [c, c], proj); add(`${b}/attn/bo`, [c], 0.01);
    add(`${b}/ln2/gamma`, [c], 0.01, 1); add(`${b}/ln2/beta`, [c], 0.01);
    add(`${b}/fc/w`, [c, hidden], 0.02); add(`${b}/fc/b`, [hidden], 0.01);
    add(`${b}/proj/w`, [hidden, c], proj); add(`${b}/proj/b`, [c], 0.01);
  }
  add('ln_f/gamma', [c], 0.01, 1); add('ln_f/beta', [c], 0.01);
  return out;
}

/** Token windows [batch, context + 1] (ids as f32, as Axon's text pipeline feeds them). */
export function gptBatch(cfg: GptConfig, batch: number): Tensor {
  const next = mulberry32(77);
  const w = cfg.context + 1;
  const data = new Float32Array(batch * w);
  // a little structure (runs of a repeating phrase) rather than uniform noise
  for (let i = 0; i < data.length; i++) data[i] = next() < 0.5 ? (i % 17) * 5 % cfg.vocab : Math.floor(next() * cfg.vocab);
  return { shape: [batch, w], data };
}

/** the first window the sampler generates from: [context] ids */
export function gptPrompt(cfg: GptConfig): Int32Array {
  const b = gptBatch(cfg, 1).data;
  return Int32Array.from(b.subarray(0, cfg.context));
}

/** Slides the window one character on: drops the first id and appends the greedy (argmax) next one. */
export function advanceWindow(window: Int32Array, lastLogits: ArrayLike<number>): void {
  let best = 0;
  for (let i = 1; i < lastLogits.length; i++) if (lastLogits[i]! > lastLogits[best]!) best = i;
  window.copyWithin(0, 1);
  window[window.length - 1] = best;
}
